// Structural reading of the document root and of the small sections (listen, tiers, routing,
// logs). Upstreams, the largest section, are in parse_upstream.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>

#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {
namespace {

constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                        "warn",  "error", "off"};

bool is_ip_literal(const std::string& address) {
  // Listeners bind to an address, not a name: resolving a host name at bind time would make the
  // bound interface depend on DNS.
  in6_addr buffer{};
  return inet_pton(AF_INET, address.c_str(), &buffer) == 1 ||
         inet_pton(AF_INET6, address.c_str(), &buffer) == 1;
}

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
  std::string address;
  if (r.read_string("address", address)) {
    if (is_ip_literal(address)) {
      listen.address = address;
    } else {
      r.diag().error(r.line_of("address"), r.field_of("address"),
                     "expected an IPv4 or IPv6 address (e.g. 127.0.0.1, 0.0.0.0 or ::), got '" +
                         address + "'");
    }
  }
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

void parse_logs(const MapReader& root, LogConfig& logs) {
  const YAML::Node* node = root.find("logs");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node, "logs", root.line_of("logs"), {"level", "access_log"}, root.diag()};
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
  r.read_bool("access_log", logs.access_log);
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

ParsedConfig parse_document(const YAML::Node& root, Diagnostics& diag) {
  ParsedConfig parsed;
  const MapReader r{root, "", 1, {"listen", "upstreams", "tiers", "routing", "logs"}, diag};
  if (!r.ok()) {
    return parsed;
  }
  parse_listen(r, parsed.config.listen);
  parse_upstreams(r, parsed);
  parse_tiers(r, parsed.config.tiers);
  parse_routing(r, parsed.config.routing);
  parse_logs(r, parsed.config.logs);
  return parsed;
}

}  // namespace governor::config::detail
