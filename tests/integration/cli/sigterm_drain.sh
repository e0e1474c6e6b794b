#!/usr/bin/env bash
# The real binary: a stream in flight when SIGTERM arrives still completes with [DONE], new
# connections are refused, and the process exits 0.
set -euo pipefail
governor=$1
sim=$2
# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

"$sim" --listen 127.0.0.1 --port 0 --port-file "$tmp/sim.port" --tokens-per-second 40 >"$tmp/sim.log" 2>&1 &
pids+=($!)
wait_for_file "$tmp/sim.port"
cat >"$tmp/governor.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0, workers: 2, drain_timeout_ms: 10000}
upstreams:
  - name: sim-small
    base_url: http://127.0.0.1:$(cat "$tmp/sim.port")/v1
    price_per_million: {input: 0.15, output: 0.60}
tiers: [{name: cheap, upstreams: [sim-small]}]
routing: {default_tier: cheap}
admin: {port: 0}
YAML
"$governor" serve -c "$tmp/governor.yaml" --port-file "$tmp/gov.port" >"$tmp/gov.log" 2>&1 &
gov=$!
pids+=("$gov")
wait_for_file "$tmp/gov.port"
port=$(cat "$tmp/gov.port")

# ~20 tokens at 40/s: half a second of streaming.
curl -sN "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"model":"auto","stream":true,"max_tokens":20,"messages":[{"role":"user","content":"drain"}]}' \
  >"$tmp/stream.out" &
curl_pid=$!
for _ in $(seq 1 200); do grep -q '^data: ' "$tmp/stream.out" 2>/dev/null && break; sleep 0.01; done

kill -TERM "$gov"
wait "$curl_pid"
rc=0
wait "$gov" || rc=$?
echo "governor exit code: $rc"
tail -n 3 "$tmp/gov.log"
grep -q '^data: \[DONE\]' "$tmp/stream.out" || { echo "stream did not complete"; cat "$tmp/stream.out"; exit 1; }
[[ $rc -eq 0 ]] || { echo "governor did not exit 0"; exit 1; }
if curl -s -m 1 "http://127.0.0.1:$port/healthz" >/dev/null; then
  echo "still accepting after shutdown"
  exit 1
fi
echo "drained and exited 0"
