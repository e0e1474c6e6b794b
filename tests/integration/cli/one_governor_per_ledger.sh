#!/usr/bin/env bash
# The real binary: a second Governor on a ledger.data_dir that a running one holds exits non-zero
# at start, naming the holder's pid, and touches nothing; once the first is killed with SIGKILL,
# a new one starts on the same directory (no stale lock).
set -euo pipefail
governor=$1
# shellcheck source=processes.sh
source "$(dirname "${BASH_SOURCE[0]}")/processes.sh"

mkdir -p "$tmp/policies"
printf 'name: default\ntask: {total_dollars: 1}\n' >"$tmp/policies/default.yaml"
# The upstream is never called: only the start-up matters here.
cat >"$tmp/governor.yaml" <<YAML
listen: {address: 127.0.0.1, port: 0, workers: 1}
upstreams:
  - name: nowhere
    base_url: http://127.0.0.1:9/v1
    price_per_million: {input: 0.15, output: 0.60}
tiers: [{name: cheap, upstreams: [nowhere]}]
routing: {default_tier: cheap}
policies: {dir: $tmp/policies}
ledger: {data_dir: $tmp/ledger}
admin: {port: 0}
YAML

"$governor" serve -c "$tmp/governor.yaml" --port-file "$tmp/first.port" >"$tmp/first.log" 2>&1 &
first=$!
pids+=("$first")
wait_for_file "$tmp/first.port"

rc=0
timeout 20 "$governor" serve -c "$tmp/governor.yaml" --port-file "$tmp/second.port" \
  >"$tmp/second.log" 2>&1 || rc=$?
cat "$tmp/second.log"
[[ $rc -ne 0 && $rc -ne 124 ]] || { echo "the second governor did not exit with an error (rc=$rc)"; exit 1; }
grep -q "is in use by another Governor process (pid $first)" "$tmp/second.log" ||
  { echo "the error does not name the first governor's pid $first"; exit 1; }
[[ ! -e "$tmp/second.port" ]] || { echo "the second governor listened"; exit 1; }
kill -0 "$first" || { echo "the first governor died"; exit 1; }

kill -9 "$first"
wait "$first" 2>/dev/null || true
"$governor" serve -c "$tmp/governor.yaml" --port-file "$tmp/third.port" >"$tmp/third.log" 2>&1 &
third=$!
pids+=("$third")
wait_for_file "$tmp/third.port" || { cat "$tmp/third.log"; exit 1; }
kill -TERM "$third"
wait "$third"
echo "one governor per ledger: refused the second, started again after kill -9"
