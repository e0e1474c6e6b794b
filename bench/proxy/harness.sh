# Shared by bench/proxy/run and bench/proxy/icount: messages, starting and stopping the
# processes a benchmark runs (in the associative array `pids`, name -> pid), and the fixed
# upstream. Expects `here` (this folder) and, once processes start, `tmp` (the run's folder).
# shellcheck shell=bash

die() {
  echo "bench: $*" >&2
  exit 1
}
note() { echo "bench: $*" >&2; }

# The I/O backend a Governor binary was built for (CMake picks io_uring where the machine allows
# it): io_uring when it links liburing, else epoll. Figures of the two differ by 14-18%.
io_backend_of() {
  if ldd "$1" 2>/dev/null | grep -q liburing; then echo io_uring; else echo epoll; fi
}

# SIGTERM, bounded wait, SIGKILL; leaves the exit status in $stop_status.
stop_status=0
stop_proc() {
  local name="$1" pid i
  pid="${pids[$name]:-}"
  stop_status=0
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    note "$name did not stop within 15 s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || stop_status=$?
  unset "pids[$name]"
}

cleanup() {
  local status=$? name
  trap - EXIT INT TERM
  for name in "${!pids[@]}"; do
    stop_proc "$name"
  done
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    note "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$status"
}
# A free loopback port, found by the OS (node is a dependency anyway; python3 may be absent).
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# Runs the command given after $1 and $2 every 0.1 s, up to $2 times, until it succeeds; fails
# at once if process $1 died.
poll_alive() {
  local name="$1" tries="$2" i
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    kill -0 "${pids[$name]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

answers_200() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$here/chat_body.json" "$1" 2>/dev/null)" == 200 ]]
}

# Prints the port written in file $1, if it holds one yet.
port_in() {
  local port
  [[ -s "$1" ]] || return 1
  port="$(tr -d '[:space:]' <"$1")"
  [[ "$port" =~ ^[0-9]+$ ]] && echo "$port"
}

# Bounded wait (~10 s) for an HTTP 200 from a POST to $2; fails if process $1 died.
wait_http() { poll_alive "$1" 100 answers_200 "$2"; }

# Bounded wait (~10 s) for a port file; prints the port.
wait_port_file() { poll_alive "$1" 100 port_in "$2"; }

# Writes template $1 to $2 with @KEY@ replaced by the values given as KEY=VALUE arguments.
render() {
  local text kv
  text="$(<"$1")"
  shift
  local out="$1"
  shift
  for kv in "$@"; do
    text="${text//@${kv%%=*}@/${kv#*=}}"
  done
  printf '%s\n' "$text" >"$out"
}

# Starts nginx (name, template, cpu, extra KEY=VALUE...) on a free port, retrying when the port
# was taken in between; sets $started_port. (Not run in $(...): the pid must reach this shell.)
started_port=""
start_nginx() {
  local name="$1" template="$2" cpu="$3" port attempt
  shift 3
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    render "$template" "$tmp/$name.conf" "TMP=$tmp" "PORT=$port" "$@"
    taskset -c "$cpu" nginx -c "$tmp/$name.conf" -p "$tmp" -e "$tmp/$name.error.log" \
      >"$tmp/$name.out" 2>&1 &
    pids[$name]=$!
    if wait_http "$name" "http://127.0.0.1:$port/v1/chat/completions"; then
      started_port="$port"
      return 0
    fi
    note "$name did not come up on port $port (attempt $attempt):"
    tail -n 5 "$tmp/$name.out" "$tmp/$name.error.log" >&2 2>/dev/null || true
    stop_proc "$name"
  done
  return 1
}

# Starts the fixed-response nginx upstream on CPU $1; sets $upstream_port.
upstream_port=""
start_fixed_upstream() {
  local response
  response="$(tr -d '\n' <"$here/chat_response.json")"
  [[ "$response" != *[\'\$\\]* ]] || die "chat_response.json must not contain ' \$ or \\ (nginx string)"
  start_nginx upstream "$here/upstream.conf.in" "$1" "RESPONSE=$response" ||
    die "cannot start the fixed-response nginx upstream"
  upstream_port="$started_port"
}

# The Governor configurations the benchmarks compare (write_governor_config's modes).
bench_modes="plain budgets nometrics routing"
is_bench_mode() { [[ " $bench_modes " == *" $1 "* ]]; }

# Writes Governor's bench config for mode $1 to $tmp/governor.yaml, in front of the fixed upstream:
#   plain:     `ledger: {backend: none}`, as the `governor` row of bench/proxy/run
#   budgets:   a policy that never refuses and the SQLite ledger in $tmp, as its `budgets` row
#   nometrics: plain with `metrics: {enabled: false}`, as its `nometrics` row
#   routing:   plain with the shipped prompt model deciding every call (a step rule keeps it on
#              the fixed upstream), as its `routing` row
# then checks it with `governor check`.
write_governor_config() {
  render "$here/governor.yaml.in" "$tmp/governor.yaml" "FIXED_PORT=$upstream_port" "SIM_PORT=1"
  case "$1" in
    budgets)
      mkdir -p "$tmp/policies"
      printf 'name: default\ntask: {total_dollars: 1000000}\nsession: {total_dollars: 1000000}\ntenant: {dollars_per_day: 1000000}\n' \
        >"$tmp/policies/default.yaml"
      printf 'policies: {dir: %s}\nledger: {data_dir: %s}\n' "$tmp/policies" "$tmp/ledger" \
        >>"$tmp/governor.yaml"
      ;;
    plain) echo 'ledger: {backend: none}' >>"$tmp/governor.yaml" ;;
    nometrics) printf 'ledger: {backend: none}\nmetrics: {enabled: false}\n' >>"$tmp/governor.yaml" ;;
    routing)
      mkdir -p "$tmp/routing-policies"
      printf 'name: default\nrouting:\n  model: %s\n  lambda: 0\n  steps: {act: {max_tier: cheap}}\n' \
        "$root/policies/models/prompt_router.json" >"$tmp/routing-policies/default.yaml"
      printf 'policies: {dir: %s}\nledger: {backend: none}\n' "$tmp/routing-policies" >>"$tmp/governor.yaml"
      ;;
    *) die "mode must be one of: $bench_modes; got '$1'" ;;
  esac
  "$governor" check -c "$tmp/governor.yaml" >"$tmp/check.log" 2>&1 || {
    cat "$tmp/check.log" >&2
    die "governor check rejected the config"
  }
}
