#!/usr/bin/env bash
# The shipped monitoring files: Prometheus config and alert rules pass promtool, every PromQL
# expression of the Grafana dashboard parses, and the dashboard and the alerts use only metrics
# Governor exports (the names registered in src/telemetry).
set -euo pipefail
root="$1"
docker_dir="$root/docker"
dashboard="$docker_dir/grafana/dashboards/governor.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

promtool check config "$docker_dir/prometheus.yml"
promtool check rules "$docker_dir/alerts.yml"

# Each dashboard query as a recording rule, so promtool parses it ($__rate_interval -> 5m).
node -e '
  const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const exprs = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  if (exprs.length === 0) throw new Error("no queries in the dashboard");
  const rules = exprs.map((e, i) => `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(e.replaceAll("$__rate_interval", "5m"))}`);
  console.log(`groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}`);
' "$dashboard" >"$tmp/dashboard_rules.yml"
promtool check rules "$tmp/dashboard_rules.yml"

# Metric names used vs exported (histogram series drop their _bucket/_sum/_count suffix).
grep -ohE 'governor_[a-z_]+' "$dashboard" "$docker_dir/alerts.yml" |
  sed -E 's/_(bucket|sum|count)$//' | sort -u >"$tmp/used"
# Counters and gauges are built with Name("..."); the lock-free histograms are families whose
# first argument is their name.
cat "$root"/src/telemetry/*.cpp | tr '\n' ' ' |
  grep -oE '(Name\(|HistogramFamily [a-z_]+\{) *"governor_[a-z_]+"' |
  grep -oE 'governor_[a-z_]+' | sort -u >"$tmp/exported"
[[ -s "$tmp/exported" ]] || { echo "no metric names found in src/telemetry"; exit 1; }
unknown="$(comm -23 "$tmp/used" "$tmp/exported")"
if [[ -n "$unknown" ]]; then
  echo "the dashboard or alerts use metrics Governor does not export:"
  echo "$unknown"
  exit 1
fi
echo "monitoring files ok: $(wc -l <"$tmp/used") metrics used, $(wc -l <"$tmp/exported") exported"
