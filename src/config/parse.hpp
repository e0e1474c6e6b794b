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

}  // namespace governor::config::detail
