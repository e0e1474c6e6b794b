#!/usr/bin/env bash
# governor calibrate end to end: synthetic records whose risk is known (an answer with
# uncertainty u is wrong with probability u, so accepting u <= t risks t^2/2), a policy written
# with the thresholds and loadable, and a bad record reported with its line.
set -euo pipefail
governor="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

awk 'BEGIN { srand(11); for (i = 0; i < 4000; i++) { u = rand(); ok = (rand() >= u) ? "true" : "false";
  printf "{\"signals\":{\"uncertainty\":%.6f,\"entropy\":%.6f},\"acceptable\":%s}\n", u, 2 * u, ok } }' \
  >"$tmp/records.jsonl"
cat >"$tmp/base.yaml" <<'YAML'
name: calibrated
task: {total_dollars: 1}
routing:
  steps:
    act: {max_tier: premium}
YAML

"$governor" calibrate --data "$tmp/records.jsonl" --alpha 0.05 --policy "$tmp/base.yaml" \
  --out "$tmp/out.yaml" --step act | tee "$tmp/report.txt"

# alpha 0.05 -> t near sqrt(0.1) = 0.316; the held-out risk stays near alpha.
threshold="$(awk '$1 == "uncertainty" { print $3 }' "$tmp/report.txt")"
held_out_risk="$(awk '$1 == "held-out" { print $2 }' "$tmp/report.txt")"
awk -v t="$threshold" 'BEGIN { exit !(t > 0.25 && t < 0.36) }' ||
  { echo "threshold $threshold is not near 0.316"; exit 1; }
awk -v r="$held_out_risk" 'BEGIN { exit !(r <= 0.07) }' ||
  { echo "held-out risk $held_out_risk is far above alpha"; exit 1; }
grep -q "cascade: true" "$tmp/out.yaml" || { echo "no cascade in the policy"; exit 1; }
grep -q "max_uncertainty: $threshold" "$tmp/out.yaml" || { cat "$tmp/out.yaml"; exit 1; }
grep -q "max_tier: premium" "$tmp/out.yaml" || { echo "the base rule was lost"; exit 1; }

# A record without `acceptable` is named by its line; nothing is written.
printf '{"signals":{"uncertainty":0.1},"acceptable":true}\n{"signals":{"uncertainty":0.2}}\n' \
  >"$tmp/bad.jsonl"
if "$governor" calibrate --data "$tmp/bad.jsonl" 2>"$tmp/err.txt"; then
  echo "a bad record was accepted"; exit 1
fi
grep -q "bad.jsonl:2: 'acceptable' must be true or false" "$tmp/err.txt" || { cat "$tmp/err.txt"; exit 1; }
echo "calibrate ok"
