#pragma once

#include <string>
#include <string_view>

#include "governor/config/gateway_config.hpp"
#include "governor/core/error.hpp"

namespace governor::upstream {

/** Where an upstream lives, from its base URL. Two upstreams share a connection pool exactly when
 *  their PoolKeys are equal (Pingora: same address, scheme, SNI and verification settings). */
struct Endpoint {
  bool tls = false;
  std::string host;         ///< name or IP literal (no brackets)
  std::string port;         ///< always set ("443"/"80" by default)
  std::string path_prefix;  ///< "/v1" from "https://api.openai.com/v1"; never ends with '/'
  bool operator==(const Endpoint&) const = default;

  /** Value for the Host header: host, plus ":port" when not the scheme's default. */
  std::string host_header() const;
  /** path_prefix + suffix, e.g. "/v1" + "/chat/completions". */
  std::string target(std::string_view suffix) const { return path_prefix + std::string(suffix); }
};

Result<Endpoint> parse_endpoint(std::string_view base_url);

/** Identity of a connection pool: endpoint plus everything that changes how a connection is made.
 */
struct PoolKey {
  Endpoint endpoint;
  bool verify_peer = true;
  std::string ca_file;
  bool operator==(const PoolKey&) const = default;
};

PoolKey pool_key_of(const config::UpstreamConfig& upstream, const Endpoint& endpoint);

}  // namespace governor::upstream
