#pragma once

#include <chrono>
#include <ctime>
#include <optional>
#include <string_view>

#include "governor/config/gateway_config.hpp"
#include "governor/upstream/failure.hpp"

namespace governor::upstream {

using std::chrono::milliseconds;

/** Whether trying the same upstream again can help. Connect/TLS/write failures, broken reads,
 *  first-byte timeouts, 5xx and 429 can; a cancelled call or a passed deadline cannot. */
bool is_retryable(const Failure& failure);

/** A pooled connection the server had already closed: retried at once on a fresh connection and
 *  not counted as an attempt (Pingora's RetryType::ReusedOnly). */
bool is_stale_connection(const Failure& failure);

/** What to do after a failed attempt. */
struct RetryVerdict {
  enum class Action { retry, next_upstream } action = Action::next_upstream;
  milliseconds wait{0};
  bool operator==(const RetryVerdict&) const = default;
};

/** Pure retry decision. `failed_attempts` counts attempts made on this upstream so far (>= 1);
 *  `jitter` in [0,1) comes from the caller's RNG; `time_left` is until the request deadline.
 *  Backoff doubles from retry.backoff up to retry.max_backoff, "equal jitter" (half fixed, half
 *  random). A Retry-After is honoured exactly when it fits under max_backoff; a longer one moves
 *  on to the fallback rather than sleeping. Never waits past the deadline. */
RetryVerdict decide_retry(const Failure& failure, unsigned failed_attempts,
                          const config::RetryConfig& retry, double jitter, milliseconds time_left);

/** Parses `retry-after-ms` (milliseconds) or `Retry-After` (delta-seconds or an IMF-fixdate,
 *  relative to `now`). Nullopt when absent or unparsable. */
std::optional<milliseconds> parse_retry_after(std::string_view retry_after,
                                              std::string_view retry_after_ms, std::time_t now);

}  // namespace governor::upstream
