// Streamed calls: SSE relayed event by event, usage captured and stripped, broken streams.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"
#include "governor/core/money.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

class StreamingTest : public GatewayTest {};

std::string content_of(const std::vector<std::string>& data) {
  std::string out;
  for (const auto& d : data) {
    if (d == "[DONE]") {
      continue;
    }
    const json chunk = json::parse(d);
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content") &&
        chunk["choices"][0]["delta"]["content"].is_string()) {
      out += chunk["choices"][0]["delta"]["content"].get<std::string>();
    }
  }
  return out;
}

TEST_F(StreamingTest, RelaysEveryEventAndStripsTheUsageChunkTheClientDidNotAskFor) {
  start();
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "stream to me", R"("stream":true)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("x-governor-model"), "sim-small");
  const auto data = sse_data_lines(r.body);
  ASSERT_GE(data.size(), 3u);
  EXPECT_EQ(data.back(), "[DONE]");
  for (const auto& d : data) {
    if (d != "[DONE]") {
      EXPECT_FALSE(json::parse(d)["choices"].empty()) << "usage chunk leaked: " << d;
    }
  }
  // The gateway asked for usage upstream to cost the call.
  EXPECT_EQ(json::parse(sim().stats().last_body)["stream_options"]["include_usage"], true);
  // Cost arrives as a trailer, computed from the stripped usage chunk.
  const auto cost = r.trailers.find("x-governor-cost-usd");
  ASSERT_NE(cost, r.trailers.end());
  EXPECT_GT(MicroUsd::parse(cost->second).value_or(MicroUsd{0}), MicroUsd{0});

  // Same content as the non-streamed answer to the same request.
  const auto whole = c.post_json("/v1/chat/completions", chat_body("auto", "stream to me"));
  EXPECT_EQ(content_of(data),
            json::parse(whole.body)["choices"][0]["message"]["content"].get<std::string>());
}

TEST_F(StreamingTest, KeepsTheUsageChunkWhenTheClientAskedForIt) {
  start();
  auto c = client();
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "usage please",
                R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":9)"));
  ASSERT_EQ(r.status, 200);
  const auto data = sse_data_lines(r.body);
  ASSERT_GE(data.size(), 2u);
  const json usage_chunk = json::parse(data[data.size() - 2]);
  EXPECT_TRUE(usage_chunk["choices"].empty());
  EXPECT_EQ(usage_chunk["usage"]["completion_tokens"], 9);
  const TokenUsage usage{usage_chunk["usage"]["prompt_tokens"].get<std::int64_t>(), 9};
  EXPECT_EQ(r.trailers.at("x-governor-cost-usd"),
            cost_of(usage, ModelPrices{{150'000}, {600'000}}).to_string());
}

TEST_F(StreamingTest, EventsArriveAsTheyAreProducedNotAtTheEnd) {
  sim::SimOptions so;
  so.tokens_per_second = 50;  // 20 ms per token
  start({}, so);
  auto c = client();
  const auto head = c.start("POST", "/v1/chat/completions",
                            chat_body("auto", "slow stream", R"("stream":true,"max_tokens":30)"));
  ASSERT_EQ(head.status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string first = c.read_some_body();
  const auto first_after = std::chrono::steady_clock::now() - t0;
  EXPECT_NE(first.find("data: "), std::string::npos);
  c.read_rest();
  const auto total = std::chrono::steady_clock::now() - t0;
  // 30 tokens at 20 ms take ~600 ms; the first event must come long before the end.
  EXPECT_LT(first_after * 4, total);
}

TEST_F(StreamingTest, CountsTokensWhenTheUpstreamSendsNoUsage) {
  start();
  auto c = client();
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "count them [[sim no_usage=1]]", R"("stream":true,"max_tokens":20)"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(sse_data_lines(r.body).back(), "[DONE]");
  const auto cost = MicroUsd::parse(r.trailers.at("x-governor-cost-usd"));
  ASSERT_TRUE(cost);
  EXPECT_GT(*cost, MicroUsd{0});  // never zero for a call that produced tokens
}

TEST_F(StreamingTest, UpstreamDyingMidStreamEndsWithAnErrorEventNotDone) {
  GatewayOptions o;
  o.upstream_extra = "    retry: {max_attempts: 1}\n";
  start(o);
  auto c = client();
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "break [[sim reset_after=3]]", R"("stream":true,"max_tokens":20)"));
  ASSERT_EQ(r.status, 200);
  const auto data = sse_data_lines(r.body);
  ASSERT_FALSE(data.empty());
  EXPECT_NE(data.back(), "[DONE]");
  const json last = json::parse(data.back());
  ASSERT_TRUE(last.contains("error"));
  EXPECT_EQ(last["error"]["code"], "upstream_stream_broken");
  // The three chunks produced before the reset did reach the client.
  EXPECT_FALSE(content_of({data.begin(), data.end() - 1}).empty());
}

TEST_F(StreamingTest, MalformedEventEndsTheStreamWithAnError) {
  start();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "garble [[sim malformed=1]]",
                                                               R"("stream":true,"max_tokens":10)"));
  ASSERT_EQ(r.status, 200);
  const auto data = sse_data_lines(r.body);
  ASSERT_FALSE(data.empty());
  for (std::size_t i = 0; i + 1 < data.size(); ++i) {
    EXPECT_TRUE(json::accept(data[i])) << "malformed event relayed: " << data[i];
  }
  EXPECT_EQ(json::parse(data.back())["error"]["code"], "upstream_stream_broken");
}

TEST_F(StreamingTest, IdleTimeoutBetweenChunksBreaksTheStream) {
  GatewayOptions o;
  o.upstream_extra = "    timeouts: {idle_ms: 100}\n";
  start(o);
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions",
                             chat_body("auto", "stall [[sim stall_after=2 stall_ms=1500]]",
                                       R"("stream":true,"max_tokens":10)"));
  ASSERT_EQ(r.status, 200);
  const auto data = sse_data_lines(r.body);
  ASSERT_FALSE(data.empty());
  const json last = json::parse(data.back());
  ASSERT_TRUE(last.contains("error"));
  EXPECT_NE(last["error"]["message"].get<std::string>().find("idle_timeout"), std::string::npos);
}

TEST_F(StreamingTest, ClientDisconnectMidStreamCancelsTheUpstreamCall) {
  sim::SimOptions so;
  so.tokens_per_second = 20;
  start({}, so);
  {
    auto c = client();
    const auto head = c.start("POST", "/v1/chat/completions",
                              chat_body("auto", "long one", R"("stream":true,"max_tokens":200)"));
    ASSERT_EQ(head.status, 200);
    ASSERT_FALSE(c.read_some_body().empty());
    EXPECT_EQ(gateway().in_flight(), 1u);
    c.reset();
  }
  // 200 tokens at 20/s would take 10 s; the upstream must see its client go long before.
  EXPECT_TRUE(eventually([&] { return sim().stats().client_aborted == 1; }));
  EXPECT_TRUE(eventually([&] { return gateway().in_flight() == 0; }));
  EXPECT_EQ(sim().stats().completed, 0u);
}

}  // namespace
}  // namespace governor::testing
