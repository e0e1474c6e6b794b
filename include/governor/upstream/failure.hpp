#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace governor::upstream {

/** Where a hop failed (after Pingora's ErrorType + ErrorSource). */
enum class FailureKind {
  resolve,             ///< DNS
  connect,             ///< TCP connect refused, unreachable or timed out
  tls_handshake,       ///< TLS failed (certificate, protocol)
  write,               ///< sending the request
  first_byte_timeout,  ///< no response header within timeouts.first_byte
  read,                ///< connection broke while reading header or body
  idle_timeout,        ///< silence between two body reads longer than timeouts.idle
  total_timeout,       ///< the request deadline passed
  http_status,         ///< the upstream answered 5xx or 429
  protocol,            ///< not HTTP, or a malformed response
  cancelled,           ///< the client went away, or shutdown
};

std::string_view to_string(FailureKind kind);

/** Why one hop failed; a plain value. */
struct Failure {
  FailureKind kind = FailureKind::connect;
  boost::system::error_code ec;
  unsigned status = 0;                                   ///< for http_status
  std::optional<std::chrono::milliseconds> retry_after;  ///< from Retry-After / retry-after-ms
  std::string body;                ///< upstream's error body (bounded), for http_status
  bool reused_connection = false;  ///< the hop ran on a pooled connection and no byte came back
  std::string upstream;            ///< upstream name

  /** One line for logs and error messages, never containing secrets. */
  std::string describe() const;
};

}  // namespace governor::upstream
