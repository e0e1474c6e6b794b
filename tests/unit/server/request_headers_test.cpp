#include "request_headers.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

namespace http = boost::beast::http;

TEST(GovernorHeaders, ReadsEachHeaderInAnyCaseAndIgnoresOthers) {
  Request req{http::verb::post, "/v1/chat/completions", 11};
  req.set("x-governor-task", "t1");
  req.set("X-GOVERNOR-SESSION", "s1");
  req.set("X-Governor-Step", "plan");
  req.set("X-Governor-Trust-Domain", "internal");
  req.set("X-Governor-Policy", "ci");
  req.set("X-Governor-Retry", "true");
  req.set("X-Governor-Unknown", "x");
  req.set("X-Governor-", "empty suffix");
  req.set("X-Gov", "short");
  const GovernorHeaders h = governor_headers(req);
  EXPECT_EQ(h.task, "t1");
  EXPECT_EQ(h.session, "s1");
  EXPECT_EQ(h.step, "plan");
  EXPECT_EQ(h.trust_domain, "internal");
  EXPECT_EQ(h.policy, "ci");
  EXPECT_EQ(h.retry, "true");
}

TEST(GovernorHeaders, AbsentHeadersAreNulloptAndTheFirstOfARepeatCounts) {
  Request req{http::verb::post, "/v1/chat/completions", 11};
  req.insert("X-Governor-Task", "first");
  req.insert("x-governor-task", "second");
  const GovernorHeaders h = governor_headers(req);
  EXPECT_EQ(h.task, "first");
  EXPECT_EQ(header_of(req, "X-Governor-Task"), "first");  // as find() sees it
  EXPECT_EQ(header_of(req, "x-GOVERNOR-task"), "first");
  EXPECT_EQ(header_of(req, "X-Governor-Tas"), std::nullopt);
  EXPECT_EQ(header_of(req, "Authorization"), std::nullopt);
  EXPECT_FALSE(h.session);
  EXPECT_FALSE(h.step);
  EXPECT_FALSE(h.trust_domain);
  EXPECT_FALSE(h.policy);
  EXPECT_FALSE(h.retry);
}

}  // namespace
}  // namespace governor::server
