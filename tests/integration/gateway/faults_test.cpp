// Upstream faults before the first byte reaches the client: retries, Retry-After, fallback,
// timeouts, malformed answers, and a client that gives up while the upstream is still working.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

class FaultsTest : public GatewayTest {
 protected:
  static GatewayOptions fast_retries(unsigned attempts = 3) {
    GatewayOptions o;
    o.upstream_extra = "    retry: {max_attempts: " + std::to_string(attempts) +
                       ", backoff_ms: 1, max_backoff_ms: 1500}\n";
    return o;
  }
};

TEST_F(FaultsTest, RetriesA5xxThenSucceeds) {
  start(fast_retries());
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions",
                             chat_body("auto", "flaky [[sim status=503 fail_times=2]]"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sim().stats().requests, 3u);
  EXPECT_EQ(r.header("x-governor-model"), "sim-small");
}

TEST_F(FaultsTest, RetriesAConnectionResetBeforeTheAnswer) {
  start(fast_retries());
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions",
                             chat_body("auto", "reset [[sim reset_after=0 fail_times=1]]"));
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(FaultsTest, RetriesAMalformedAnswer) {
  start(fast_retries());
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions",
                             chat_body("auto", "garbled [[sim malformed=1 fail_times=1]]"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::accept(r.body));
  EXPECT_EQ(sim().stats().requests, 2u);
}

TEST_F(FaultsTest, HonoursRetryAfterOn429) {
  start(fast_retries());
  auto c = client();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r =
      c.post_json("/v1/chat/completions",
                  chat_body("auto", "slow down [[sim status=429 retry_after=1 fail_times=1]]"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(1000));
}

TEST_F(FaultsTest, FallsBackWhenThePrimaryKeepsFailing) {
  start(fast_retries(2));
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions",
                  chat_body("sim-large", "large is down [[sim status=500 only_model=sim-large]]"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-model"), "sim-small");
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  EXPECT_EQ(sim().stats().requests, 3u);  // 2 attempts on sim-large, 1 on sim-small
  EXPECT_EQ(json::parse(sim().stats().last_body)["model"], "sim-small");
}

TEST_F(FaultsTest, FailsWith502AfterEveryAttemptAndFallback) {
  start(fast_retries(2));
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("sim-large", "all down [[sim status=502]]"));
  ASSERT_EQ(r.status, 502) << r.body;
  const json err = json::parse(r.body)["error"];
  EXPECT_EQ(err["code"], "upstream_unavailable");
  EXPECT_EQ(err["type"], "api_error");
  EXPECT_NE(err["message"].get<std::string>().find("4 attempts"), std::string::npos)
      << err["message"];
  EXPECT_EQ(sim().stats().requests, 4u);
}

TEST_F(FaultsTest, DoesNotRetryTheUpstreamsOwnClientErrors) {
  start(fast_retries());
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "bad for upstream [[sim status=400]]"));
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(json::parse(r.body).contains("error"));  // the upstream's own error, passed through
  EXPECT_EQ(sim().stats().requests, 1u);
}

TEST_F(FaultsTest, FirstByteTimeoutGives504) {
  GatewayOptions o;
  o.upstream_extra = "    retry: {max_attempts: 1}\n    timeouts: {first_byte_ms: 100}\n";
  start(o);
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "too slow [[sim delay_ms=2000]]"));
  ASSERT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "upstream_timeout");
}

TEST_F(FaultsTest, ConnectFailureFallsBack) {
  GatewayOptions o = fast_retries(2);
  o.large_base_url = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  start(o);
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("sim-large", "nobody home"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-model"), "sim-small");
}

TEST_F(FaultsTest, ClientGivingUpCancelsTheUpstreamCall) {
  start();
  {
    auto c = client();
    c.start_only("POST", "/v1/chat/completions",
                 chat_body("auto", "I will not wait [[sim delay_ms=5000]]"));
    ASSERT_TRUE(eventually([&] { return sim().stats().requests == 1; }));
    c.reset();
  }
  EXPECT_TRUE(eventually([&] { return sim().stats().client_aborted == 1; }, milliseconds(3000)));
  EXPECT_TRUE(eventually([&] { return gateway().in_flight() == 0; }));
}

}  // namespace
}  // namespace governor::testing
