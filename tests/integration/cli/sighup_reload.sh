#!/usr/bin/env bash
# The real binary: SIGHUP reloads the policies; a broken file is reported (file:line: field) and
# the policy in force stays, so calls keep their budget; a fixed file takes effect.
set -euo pipefail
governor=$1
sim=$2
# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"
wait_for_log() {
  for _ in $(seq 1 250); do grep -q "$1" "$tmp/gov.log" && return 0; sleep 0.02; done
  echo "log never said: $1" >&2
  cat "$tmp/gov.log" >&2
  return 1
}
call() {  # prints the HTTP status of one call on task $1
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
    -H 'Content-Type: application/json' -H "X-Governor-Task: $1" \
    -d '{"model":"auto","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
}

"$sim" --listen 127.0.0.1 --port 0 --port-file "$tmp/sim.port" >"$tmp/sim.log" 2>&1 &
pids+=($!)
wait_for_file "$tmp/sim.port"
mkdir -p "$tmp/policies"
echo 'name: default
task: {total_dollars: 1}' >"$tmp/policies/default.yaml"
cat >"$tmp/governor.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0, workers: 1}
upstreams:
  - name: sim-small
    base_url: http://127.0.0.1:$(cat "$tmp/sim.port")/v1
    price_per_million: {input: 0.15, output: 0.60}
tiers: [{name: cheap, upstreams: [sim-small]}]
routing: {default_tier: cheap}
admin: {port: 0}
policies: {dir: policies}
ledger: {data_dir: data}
YAML
"$governor" serve -c "$tmp/governor.yaml" --port-file "$tmp/gov.port" >"$tmp/gov.log" 2>&1 &
gov=$!
pids+=("$gov")
wait_for_file "$tmp/gov.port"
port=$(cat "$tmp/gov.port")
[[ $(call a) == 200 ]] || { echo "first call failed"; exit 1; }

# A broken file: reported with file, line and field; the $1 policy stays in force.
echo 'name: default
task: {total_dollars: plenty}' >"$tmp/policies/default.yaml"
kill -HUP "$gov"
wait_for_log "default.yaml:2: task.total_dollars"
wait_for_log "policies in force are unchanged"
[[ $(call b) == 200 ]] || { echo "the old policy was dropped"; exit 1; }

# A fixed file takes effect: one micro-dollar cannot pay for a call.
echo 'name: default
task: {total_dollars: 0.000001}' >"$tmp/policies/default.yaml"
kill -HUP "$gov"
wait_for_log "policies reloaded (SIGHUP)"
status=$(call c)
[[ $status == 402 ]] || { echo "new policy not applied: got $status"; exit 1; }
kill -TERM "$gov"
wait "$gov"
echo "SIGHUP reload: bad file kept the old policy, good file applied"
