#include "governor/upstream/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

namespace governor::upstream {

bool is_retryable(const Failure& f) {
  switch (f.kind) {
    case FailureKind::resolve:
    case FailureKind::connect:
    case FailureKind::tls_handshake:
    case FailureKind::write:
    case FailureKind::first_byte_timeout:
    case FailureKind::read:
    case FailureKind::idle_timeout:
    case FailureKind::protocol:
      return true;
    case FailureKind::http_status:
      return f.status == 429 || f.status >= 500;
    case FailureKind::total_timeout:
    case FailureKind::cancelled:
      return false;
  }
  return false;
}

bool is_stale_connection(const Failure& f) {
  return f.reused_connection && (f.kind == FailureKind::write || f.kind == FailureKind::read);
}

RetryVerdict decide_retry(const Failure& failure, unsigned failed_attempts,
                          const config::RetryConfig& retry, double jitter, milliseconds time_left) {
  constexpr RetryVerdict move_on{RetryVerdict::Action::next_upstream, milliseconds{0}};
  if (!is_retryable(failure) || failed_attempts >= retry.max_attempts) {
    return move_on;
  }
  milliseconds wait{0};
  if (failure.retry_after) {
    if (*failure.retry_after > retry.max_backoff) {
      return move_on;  // the upstream asks for longer than we may wait: try the fallback now
    }
    wait = *failure.retry_after;
  } else {
    // backoff * 2^(failed_attempts-1), capped, then equal jitter: [d/2, d).
    const unsigned shift = std::min(failed_attempts - 1, 20u);
    const auto full =
        std::min<milliseconds::rep>(retry.backoff.count() << shift, retry.max_backoff.count());
    const auto half = full / 2;
    wait = milliseconds{half + static_cast<milliseconds::rep>(jitter * static_cast<double>(half))};
  }
  if (wait >= time_left) {
    return move_on;
  }
  return RetryVerdict{RetryVerdict::Action::retry, wait};
}

namespace {

std::optional<long long> parse_non_negative(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  long long v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::time_t> parse_imf_fixdate(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  std::tm tm{};
  const std::string text(s);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return timegm(&tm);
}

}  // namespace

std::optional<milliseconds> parse_retry_after(std::string_view retry_after,
                                              std::string_view retry_after_ms, std::time_t now) {
  if (!retry_after_ms.empty()) {
    if (const auto ms = parse_non_negative(retry_after_ms)) {
      return milliseconds{*ms};
    }
  }
  if (retry_after.empty()) {
    return std::nullopt;
  }
  if (const auto seconds = parse_non_negative(retry_after)) {
    return milliseconds{std::min<long long>(*seconds, 86'400) * 1000};
  }
  if (const auto when = parse_imf_fixdate(retry_after)) {
    return milliseconds{std::max<long long>(0, (*when - now)) * 1000};
  }
  return std::nullopt;
}

}  // namespace governor::upstream
