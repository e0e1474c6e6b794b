// Structural reading of the document root and of the small sections (listen, tiers, routing,
// logs), plus the readers of addresses and ids that other sections share. Upstreams are in
// parse_upstream.cpp, auth in parse_auth.cpp, ledger/policies/admin in parse_services.cpp.
#include <algorithm>
#include <array>

#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {
namespace {

constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                        "warn",  "error", "off"};

void parse_listen(const MapReader& root, ListenConfig& listen) {
  const YAML::Node* node = root.find("listen");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    "listen",
                    root.line_of("listen"),
                    {"address", "port", "workers", "max_body_bytes", "max_header_bytes",
                     "read_timeout_ms", "idle_timeout_ms", "drain_timeout_ms"},
                    root.diag()};
  if (!r.ok()) {
    return;
  }
  read_bind_address(r, "address", listen.address);
  r.read_int_as("port", listen.port, 0, 65535);
  r.read_int_as("workers", listen.workers, 0, 1024);
  r.read_int_as("max_body_bytes", listen.max_body_bytes, 1, std::int64_t{1} << 30);
  r.read_int_as("max_header_bytes", listen.max_header_bytes, 1, std::int64_t{16} << 20);
  r.read_millis("read_timeout_ms", listen.read_timeout, 1);
  r.read_millis("idle_timeout_ms", listen.idle_timeout, 1);
  r.read_millis("drain_timeout_ms", listen.drain_timeout, 1);
}

// A list of names (tier members, aliases). Each must be a valid name.
std::vector<std::string> read_name_list(const YAML::Node& node, const std::string& field, int line,
                                        Diagnostics& diag) {
  std::vector<std::string> names;
  for_each_item(node, field, line, diag,
                [&](const YAML::Node& item, const std::string& item_path, int item_line) {
                  auto name = as_string(item, item_path, item_line, diag);
                  if (!name) {
                    return;
                  }
                  if (!is_valid_name(*name)) {
                    diag.error(item_line, item_path,
                               "invalid name '" + *name + "' " + std::string{kNameRule});
                    return;
                  }
                  names.push_back(std::move(*name));
                });
  return names;
}

void parse_tier(const YAML::Node& node, const std::string& field, int line, Diagnostics& diag,
                std::vector<TierConfig>& tiers) {
  const MapReader r{node, field, line, {"name", "upstreams"}, diag};
  if (!r.ok()) {
    return;
  }
  TierConfig tier;
  if (r.read_nonempty("name", tier.name)) {
    if (!is_valid_name(tier.name)) {
      diag.error(r.line_of("name"), r.field_of("name"),
                 "invalid name '" + tier.name + "' " + std::string{kNameRule});
    }
  } else if (!r.has("name")) {
    r.require("name");
  }
  if (const YAML::Node* members = r.find("upstreams")) {
    tier.upstreams =
        read_name_list(*members, r.field_of("upstreams"), r.line_of("upstreams"), diag);
    if (members->IsNull() || (members->IsSequence() && members->size() == 0)) {
      diag.error(r.line_of("upstreams"), r.field_of("upstreams"),
                 "a tier needs at least one upstream");
    }
  } else {
    r.require("upstreams");
  }
  tiers.push_back(std::move(tier));
}

void parse_tiers(const MapReader& root, std::vector<TierConfig>& tiers) {
  const YAML::Node* node = root.find("tiers");
  if (node == nullptr) {
    root.require("tiers");
    return;
  }
  const auto count =
      for_each_item(*node, "tiers", root.line_of("tiers"), root.diag(),
                    [&](const YAML::Node& item, const std::string& item_path, int item_line) {
                      parse_tier(item, item_path, item_line, root.diag(), tiers);
                    });
  if (count && *count == 0) {
    root.diag().error(root.line_of("tiers"), "tiers", "at least one tier is required");
  }
}

void parse_routing(const MapReader& root, RoutingConfig& routing) {
  const YAML::Node* node = root.find("routing");
  if (node == nullptr) {
    root.require("routing");
    return;
  }
  const MapReader r{
      *node, "routing", root.line_of("routing"), {"aliases", "default_tier"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  if (const YAML::Node* aliases = r.find("aliases")) {
    routing.aliases =
        read_name_list(*aliases, r.field_of("aliases"), r.line_of("aliases"), r.diag());
  }
  if (!r.read_nonempty("default_tier", routing.default_tier) && !r.has("default_tier")) {
    r.require("default_tier");
  }
}

/** `{path, max_bytes, max_files}` of a per-call JSON-lines file. */
void parse_log_file(const MapReader& logs, std::string_view key, const YAML::Node& node,
                    DecisionLogConfig& out) {
  const MapReader d{
      node, logs.field_of(key), logs.line_of(key), {"path", "max_bytes", "max_files"}, logs.diag()};
  if (d.ok()) {
    if (!d.read_nonempty("path", out.path) && !d.has("path")) {
      d.require("path");
    }
    d.read_int("max_bytes", out.max_bytes, 4096, std::int64_t{1} << 40);
    d.read_int("max_files", out.max_files, 1, 1000);
  }
}

void parse_logs(const MapReader& root, LogConfig& logs) {
  const YAML::Node* node = root.find("logs");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node, "logs", root.line_of("logs"), {"level", "access_log", "decision_log"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  std::string level;
  if (r.read_string("level", level)) {
    if (std::find(kLogLevels.begin(), kLogLevels.end(), level) == kLogLevels.end()) {
      r.diag().error(
          r.line_of("level"), r.field_of("level"),
          "unknown log level '" + level + "' (expected one of: " + join(kLogLevels) + ")");
    } else {
      logs.level = level;
    }
  }
  // access_log: true/false (a line on the main log), or a file of JSON lines.
  if (const YAML::Node* access = r.find("access_log"); access != nullptr && access->IsMap()) {
    logs.access_log = false;
    parse_log_file(r, "access_log", *access, logs.access_log_file);
  } else {
    r.read_bool("access_log", logs.access_log);
  }
  if (const YAML::Node* decisions = r.find("decision_log")) {
    parse_log_file(r, "decision_log", *decisions, logs.decision_log);
  }
}

void parse_upstreams(const MapReader& root, ParsedConfig& parsed) {
  const YAML::Node* node = root.find("upstreams");
  if (node == nullptr) {
    root.require("upstreams");
    return;
  }
  const auto count = for_each_item(
      *node, "upstreams", root.line_of("upstreams"), root.diag(),
      [&](const YAML::Node& item, const std::string& item_path, int item_line) {
        UpstreamConfig upstream;
        std::optional<WhenKeyMissing> when_key_missing;
        parse_upstream(item, item_path, item_line, root.diag(), upstream, when_key_missing);
        parsed.config.upstreams.push_back(std::move(upstream));
        parsed.when_key_missing.push_back(std::move(when_key_missing));
      });
  if (count && *count == 0) {
    root.diag().error(root.line_of("upstreams"), "upstreams", "at least one upstream is required");
  }
}

}  // namespace

bool read_bind_address(const MapReader& r, std::string_view key, std::string& out) {
  std::string address;
  if (!r.read_string(key, address)) {
    return false;
  }
  if (!is_ip_literal(address)) {
    r.diag().error(
        r.line_of(key), r.field_of(key),
        "expected an IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0 or ::), got '" + address + "'");
    return false;
  }
  out = std::move(address);
  return true;
}

bool read_id(const MapReader& r, std::string_view key, std::string& out, bool required) {
  std::string id;
  if (!r.read_string(key, id)) {
    if (required && !r.has(key)) {
      r.require(key);
    }
    return false;
  }
  if (!is_valid_id(id)) {
    r.diag().error(r.line_of(key), r.field_of(key),
                   "invalid name '" + id + "' " + std::string{kIdRule});
    return false;
  }
  out = std::move(id);
  return true;
}

std::vector<std::string> read_id_list(const YAML::Node& node, const std::string& field, int line,
                                      Diagnostics& diag, bool allow_any,
                                      std::string_view any_hint) {
  std::vector<std::string> ids;
  for_each_item(node, field, line, diag,
                [&](const YAML::Node& item, const std::string& item_path, int item_line) {
                  auto id = as_string(item, item_path, item_line, diag);
                  if (!id) {
                    return;
                  }
                  if (*id == "*" && !allow_any) {
                    diag.error(item_line, item_path,
                               "'*' (any) is not allowed here" + std::string{any_hint});
                    return;
                  }
                  if (*id != "*" && !is_valid_id(*id)) {
                    diag.error(item_line, item_path,
                               "invalid name '" + *id + "' " + std::string{kIdRule} +
                                   (allow_any ? "; \"*\" means any" : ""));
                    return;
                  }
                  if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
                    diag.error(item_line, item_path, "'" + *id + "' is listed twice");
                    return;
                  }
                  ids.push_back(std::move(*id));
                });
  return ids;
}

ParsedConfig parse_document(const YAML::Node& root, Diagnostics& diag) {
  ParsedConfig parsed;
  const MapReader r{root,
                    "",
                    1,
                    {"listen", "upstreams", "tiers", "routing", "logs", "auth", "ledger",
                     "policies", "admin", "metrics"},
                    diag};
  if (!r.ok()) {
    return parsed;
  }
  parse_listen(r, parsed.config.listen);
  parse_upstreams(r, parsed);
  parse_tiers(r, parsed.config.tiers);
  parse_routing(r, parsed.config.routing);
  parse_logs(r, parsed.config.logs);
  parse_auth(r, parsed.config.auth);
  parse_ledger(r, parsed.config.ledger);
  parse_policies_section(r, parsed.config.policies);
  parse_admin(r, parsed.config.admin);
  parse_metrics(r, parsed.config.metrics);
  return parsed;
}

}  // namespace governor::config::detail
