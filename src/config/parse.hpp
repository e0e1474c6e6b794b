#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "governor/config/gateway_config.hpp"

namespace governor::config::detail {

/** An upstream's `when_key_missing` block: where calls go when its API key is not set. */
struct WhenKeyMissing {
  std::string base_url;  ///< normalized
  std::string model;     ///< empty: keep the upstream's model
};

/** The structural result of reading a document, before cross-reference checks and before the
 *  environment is consulted. */
struct ParsedConfig {
  GatewayConfig config;
  /** Parallel to config.upstreams. */
  std::vector<std::optional<WhenKeyMissing>> when_key_missing;
};

/** Structural pass over the root mapping: types, ranges, formats, required and unknown keys.
 *  Reports into `diag` and records every field's line there for the later passes. */
ParsedConfig parse_document(const YAML::Node& root, Diagnostics& diag);

/** One item of `upstreams`. */
void parse_upstream(const YAML::Node& node, const std::string& field, int line, Diagnostics& diag,
                    UpstreamConfig& upstream, std::optional<WhenKeyMissing>& when_key_missing);

class MapReader;

/** `auth` (parse_auth.cpp). */
void parse_auth(const MapReader& root, AuthConfig& auth);
/** `ledger`, `policies`, `admin` (parse_services.cpp). Paths are resolved in validate(). */
void parse_ledger(const MapReader& root, LedgerConfig& ledger);
void parse_policies_section(const MapReader& root, PoliciesConfig& policies);
void parse_admin(const MapReader& root, AdminConfig& admin);
void parse_metrics(const MapReader& root, MetricsConfig& metrics);

/** Reads `key` as a listener address: an IP literal, never a host name, since resolving a name
 *  at bind time would make the bound interface depend on DNS. */
bool read_bind_address(const MapReader& r, std::string_view key, std::string& out);

/** Reads `key` as an id (is_valid_id); reports it as missing when `required` and absent. */
bool read_id(const MapReader& r, std::string_view key, std::string& out, bool required);

/** A list of ids (policy names, trust domains, key names). Each item must be a valid id, or "*"
 *  when `allow_any` (otherwise "*" is refused, with `any_hint` appended); an item listed twice
 *  is an error. */
std::vector<std::string> read_id_list(const YAML::Node& node, const std::string& field, int line,
                                      Diagnostics& diag, bool allow_any,
                                      std::string_view any_hint = {});

}  // namespace governor::config::detail
