#include "governor/upstream/retry_policy.hpp"

#include <gtest/gtest.h>

namespace governor::upstream {
namespace {

using std::chrono::milliseconds;
using Action = RetryVerdict::Action;

Failure failure(FailureKind kind, unsigned status = 0) {
  Failure f;
  f.kind = kind;
  f.status = status;
  return f;
}

config::RetryConfig retry(unsigned attempts, long backoff_ms, long max_backoff_ms) {
  config::RetryConfig r;
  r.max_attempts = attempts;
  r.backoff = milliseconds(backoff_ms);
  r.max_backoff = milliseconds(max_backoff_ms);
  return r;
}

constexpr milliseconds kPlenty{60'000};

TEST(IsRetryable, ByKindAndStatus) {
  struct Case {
    Failure f;
    bool retryable;
  };
  const Case cases[] = {
      {failure(FailureKind::connect), true},
      {failure(FailureKind::resolve), true},
      {failure(FailureKind::tls_handshake), true},
      {failure(FailureKind::write), true},
      {failure(FailureKind::read), true},
      {failure(FailureKind::first_byte_timeout), true},
      {failure(FailureKind::protocol), true},
      {failure(FailureKind::http_status, 500), true},
      {failure(FailureKind::http_status, 503), true},
      {failure(FailureKind::http_status, 429), true},
      {failure(FailureKind::http_status, 408), false},
      {failure(FailureKind::total_timeout), false},
      {failure(FailureKind::cancelled), false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(is_retryable(c.f), c.retryable) << to_string(c.f.kind) << " " << c.f.status;
  }
}

TEST(IsStaleConnection, OnlyReusedConnectionsThatBrokeOnWriteOrRead) {
  Failure f = failure(FailureKind::read);
  EXPECT_FALSE(is_stale_connection(f));
  f.reused_connection = true;
  EXPECT_TRUE(is_stale_connection(f));
  f.kind = FailureKind::first_byte_timeout;
  EXPECT_FALSE(is_stale_connection(f));
}

TEST(DecideRetry, BackoffDoublesWithEqualJitterUpToTheCap) {
  const auto r = retry(10, 100, 1000);
  const Failure f = failure(FailureKind::connect);
  // jitter 0: half the full backoff; jitter ~1: almost all of it.
  EXPECT_EQ(decide_retry(f, 1, r, 0.0, kPlenty), (RetryVerdict{Action::retry, milliseconds(50)}));
  EXPECT_EQ(decide_retry(f, 2, r, 0.0, kPlenty), (RetryVerdict{Action::retry, milliseconds(100)}));
  EXPECT_EQ(decide_retry(f, 3, r, 0.0, kPlenty), (RetryVerdict{Action::retry, milliseconds(200)}));
  EXPECT_EQ(decide_retry(f, 3, r, 0.5, kPlenty), (RetryVerdict{Action::retry, milliseconds(300)}));
  EXPECT_EQ(decide_retry(f, 9, r, 0.0, kPlenty), (RetryVerdict{Action::retry, milliseconds(500)}));
  EXPECT_LT(decide_retry(f, 9, r, 0.999, kPlenty).wait, milliseconds(1000));
}

TEST(DecideRetry, StopsAfterMaxAttempts) {
  const auto r = retry(3, 10, 100);
  const Failure f = failure(FailureKind::http_status, 503);
  EXPECT_EQ(decide_retry(f, 2, r, 0.0, kPlenty).action, Action::retry);
  EXPECT_EQ(decide_retry(f, 3, r, 0.0, kPlenty).action, Action::next_upstream);
}

TEST(DecideRetry, NonRetryableMovesOnAtOnce) {
  EXPECT_EQ(
      decide_retry(failure(FailureKind::http_status, 400), 1, retry(3, 10, 100), 0, kPlenty).action,
      Action::next_upstream);
}

TEST(DecideRetry, HonoursRetryAfterWhenItFitsUnderTheCap) {
  Failure f = failure(FailureKind::http_status, 429);
  f.retry_after = milliseconds(700);
  EXPECT_EQ(decide_retry(f, 1, retry(3, 10, 1000), 0.9, kPlenty),
            (RetryVerdict{Action::retry, milliseconds(700)}));
  // Longer than we may wait: the fallback now beats sleeping.
  f.retry_after = milliseconds(5000);
  EXPECT_EQ(decide_retry(f, 1, retry(3, 10, 1000), 0.0, kPlenty).action, Action::next_upstream);
}

TEST(DecideRetry, NeverSleepsPastTheDeadline) {
  const Failure f = failure(FailureKind::connect);
  EXPECT_EQ(decide_retry(f, 1, retry(3, 100, 100), 0.0, milliseconds(40)).action,
            Action::next_upstream);
  EXPECT_EQ(decide_retry(f, 1, retry(3, 100, 100), 0.0, milliseconds(60)).action, Action::retry);
}

TEST(ParseRetryAfter, SecondsMillisecondsAndDates) {
  const std::time_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(parse_retry_after("3", "", now), milliseconds(3000));
  EXPECT_EQ(parse_retry_after(" 2 ", "", now), milliseconds(2000));
  EXPECT_EQ(parse_retry_after("3", "250", now), milliseconds(250));  // -ms wins
  EXPECT_EQ(parse_retry_after("", "", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", "", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("-1", "", now), std::nullopt);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", "", now), milliseconds(10'000));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", "", now), milliseconds(0));
}

}  // namespace
}  // namespace governor::upstream
