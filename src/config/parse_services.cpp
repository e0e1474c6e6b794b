// Structural reading of the sections that configure Governor's own services: the ledger, the
// policies directory, the admin listener and the metrics it serves. Paths are resolved and checked
// in validate().
#include <algorithm>
#include <array>

#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {

void parse_ledger(const MapReader& root, LedgerConfig& ledger) {
  const YAML::Node* node = root.find("ledger");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    "ledger",
                    root.line_of("ledger"),
                    {"backend", "data_dir", "max_batch", "fsync"},
                    root.diag()};
  if (!r.ok()) {
    return;
  }
  // A list, not a bool: `redis` (shared by replicas) joins it later. `none` turns budgets off
  // (nothing is reserved or tracked; the proxy benchmark's baseline).
  constexpr std::array<std::string_view, 2> kBackends = {"sqlite", "none"};
  std::string backend;
  if (r.read_string("backend", backend)) {
    if (std::find(kBackends.begin(), kBackends.end(), backend) == kBackends.end()) {
      r.diag().error(
          r.line_of("backend"), r.field_of("backend"),
          "unknown ledger backend '" + backend + "' (expected one of: " + join(kBackends) + ")");
    } else {
      ledger.backend = backend;
    }
  }
  r.read_nonempty("data_dir", ledger.data_dir);
  // Beyond a few thousand operations a group commit only adds latency to the first of them.
  r.read_int_as("max_batch", ledger.max_batch, 1, 65'536);
  r.read_bool("fsync", ledger.fsync);
}

void parse_policies_section(const MapReader& root, PoliciesConfig& policies) {
  const YAML::Node* node = root.find("policies");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node, "policies", root.line_of("policies"), {"dir"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_nonempty("dir", policies.dir);
}

void parse_admin(const MapReader& root, AdminConfig& admin) {
  const YAML::Node* node = root.find("admin");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node, "admin", root.line_of("admin"), {"enabled", "address", "port"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_bool("enabled", admin.enabled);
  read_bind_address(r, "address", admin.address);
  r.read_int_as("port", admin.port, 0, 65535);
}

void parse_metrics(const MapReader& root, MetricsConfig& metrics) {
  const YAML::Node* node = root.find("metrics");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node, "metrics", root.line_of("metrics"), {"enabled", "tenant_label"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_bool("enabled", metrics.enabled);
  r.read_bool("tenant_label", metrics.tenant_label);
}

}  // namespace governor::config::detail
