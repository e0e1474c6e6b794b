# Child-process helpers for the scripts that start governor and governor-sim (sourced).
# Callers define die() before sourcing.

# Sends SIGTERM to a child, waits up to $2 seconds, then SIGKILL. Prints nothing; the child's
# exit status is left in $stop_status (137 when it had to be killed).
stop_status=0
stop_child() {
  local pid="$1" seconds="$2" i
  stop_status=0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || stop_status=$?
}

# Waits (bounded, ~10 s) for a port file written by a child, failing early if the child died.
wait_port_file() {
  local file="$1" pid="$2" name="$3" i port
  for ((i = 0; i < 100; i++)); do
    if [[ -s "$file" ]]; then
      port="$(tr -d '[:space:]' <"$file")"
      if [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)); then
        echo "$port"
        return 0
      fi
    fi
    kill -0 "$pid" 2>/dev/null || die "$name exited before writing its port file $file"
    sleep 0.1
  done
  die "$name did not write its port file $file within 10 s"
}

# Installs the pinned npm dependencies (the `openai` SDK) into tests/e2e/node when
# node_modules is missing or package.json, the lock file or node's version changed.
ensure_npm_deps() {
  local node_dir="$1" stamp want_stamp
  stamp="$node_dir/node_modules/.governor-e2e-stamp"
  want_stamp="$(cat "$node_dir/package.json" "$node_dir/package-lock.json" <(node --version) |
    sha256sum | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want_stamp" || ! -d "$node_dir/node_modules/openai" ]]; then
    echo "installing npm dependencies (npm ci) in $node_dir" >&2
    (cd "$node_dir" && npm ci --no-audit --no-fund --silent) || die "npm ci failed"
    echo "$want_stamp" >"$stamp"
  fi
}
