#include "request_headers.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

namespace http = boost::beast::http;

TEST(GovernorHeaders, ReadsEachHeaderInAnyCaseAndIgnoresOthers) {
  Request req{http::verb::post, "/v1/chat/completions", 11};
  req.insert("x-governor-task", "t1");
  req.insert("X-GOVERNOR-SESSION", "s1");
  req.insert("X-Governor-Step", "plan");
  req.insert("X-Governor-Trust-Domain", "internal");
  req.insert("X-Governor-Policy", "ci");
  req.insert("X-Governor-Retry", "true");
  req.insert("X-Governor-Unknown", "x");
  req.insert("X-Governor-", "empty suffix");
  req.insert("X-Gov", "short");
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
  EXPECT_EQ(header_of(req, "X-Governor-Task"), "first");
  EXPECT_EQ(header_of(req, "x-GOVERNOR-task"), "first");
  EXPECT_EQ(header_of(req, "X-Governor-Tas"), std::nullopt);
  EXPECT_EQ(header_of(req, "Authorization"), std::nullopt);
  EXPECT_FALSE(h.session);
  EXPECT_FALSE(h.step);
  EXPECT_FALSE(h.trust_domain);
  EXPECT_FALSE(h.policy);
  EXPECT_FALSE(h.retry);
}

TEST(Request, TheRequestLineAndAnEmptyValue) {
  Request req{http::verb::get, "/healthz", 10};
  req.insert("Authorization", "");
  EXPECT_EQ(req.method(), http::verb::get);
  EXPECT_EQ(req.method_string(), "GET");
  EXPECT_EQ(req.target(), "/healthz");
  EXPECT_EQ(req.version(), 10u);
  EXPECT_FALSE(req.keep_alive()) << "HTTP/1.0's default";
  EXPECT_EQ(header_of(req, "authorization"), "");
  EXPECT_EQ(req.body(), "");
}

TEST(Request, AResetForgetsTheFieldsAndTheBodyAndABigBodysMemory) {
  Request req{http::verb::post, "/a", 11};
  req.insert("X-Governor-Task", "t");
  req.body().assign(Request::kKeptBodyCapacity + 1, 'b');
  req.reset(http::verb::unknown, "FROB", "/b", 11);
  EXPECT_EQ(req.method_string(), "FROB");
  EXPECT_EQ(req.target(), "/b");
  EXPECT_EQ(header_of(req, "X-Governor-Task"), std::nullopt);
  EXPECT_EQ(req.body(), "");
  EXPECT_LE(req.body().capacity(), Request::kKeptBodyCapacity);

  req.body().assign(100, 'b');
  const std::size_t small = req.body().capacity();
  req.reset(http::verb::post, "ignored for a known verb", "/c", 11);
  EXPECT_EQ(req.method_string(), "POST");
  EXPECT_EQ(req.target(), "/c");
  EXPECT_EQ(req.body().capacity(), small) << "kept for the next request";
}

}  // namespace
}  // namespace governor::server
