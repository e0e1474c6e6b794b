// Non-streamed calls through the gateway: forwarding, model rewrite, keys, cost, tools.

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "gateway_fixture.hpp"
#include "governor/core/money.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

class ChatTest : public GatewayTest {};

TEST_F(ChatTest, AliasGoesToTheDefaultTierAndComesBackWithItsCost) {
  start();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "What is a budget?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-model"), "sim-small");
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  EXPECT_FALSE(r.header("x-request-id").empty());

  const json body = json::parse(r.body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "sim-small");  // the upstream's own answer, passed through
  ASSERT_TRUE(body["choices"][0]["message"]["content"].is_string());
  const TokenUsage usage{body["usage"]["prompt_tokens"].get<std::int64_t>(),
                         body["usage"]["completion_tokens"].get<std::int64_t>()};
  EXPECT_GT(usage.output_tokens, 0);
  const auto expected = cost_of(usage, ModelPrices{{150'000}, {600'000}});
  EXPECT_EQ(r.header("x-governor-cost-usd"), expected.to_string());
}

TEST_F(ChatTest, UpstreamSeesItsOwnModelIdAndNeverTheClientsKey) {
  start();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("sim-large", "pinned call"),
                             {{"Authorization", "Bearer client-secret-key"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-model"), "sim-large");
  EXPECT_EQ(r.header("x-governor-tier"), "premium");
  const auto stats = sim().stats();
  EXPECT_EQ(json::parse(stats.last_body)["model"], "sim-large");
  EXPECT_EQ(stats.last_authorization.find("client-secret-key"), std::string::npos);
  EXPECT_EQ(stats.last_authorization, "");  // no api_key_env configured: no key at all
}

TEST_F(ChatTest, SendsTheUpstreamsKeyFromItsEnvironmentVariable) {
  ::setenv("GOVERNOR_TEST_UPSTREAM_KEY", "sk-upstream-123", 1);
  sim::SimOptions so;
  so.api_key = "sk-upstream-123";
  GatewayOptions o;
  o.upstream_extra = "    api_key_env: GOVERNOR_TEST_UPSTREAM_KEY\n";
  // The fixture's loader sees an empty environment; load this config with the real one.
  sim_ = std::make_unique<sim::SimServer>(so);
  sim_->start();
  auto loaded = config::load_config_text(gateway_yaml(sim_->port(), o), "test.yaml");
  ASSERT_TRUE(loaded.errors.empty());
  server_ = std::make_unique<server::Server>(loaded.config);
  server_->start();

  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "keyed"),
                             {{"Authorization", "Bearer client-key"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sim().stats().last_authorization, "Bearer sk-upstream-123");
  ::unsetenv("GOVERNOR_TEST_UPSTREAM_KEY");
}

TEST_F(ChatTest, ForwardsEveryFieldItDoesNotOwn) {
  start();
  auto c = client();
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "fields", R"("temperature":0.2,"seed":7,"some_future_field":{"x":[1,2]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json forwarded = json::parse(sim().stats().last_body);
  EXPECT_EQ(forwarded["temperature"], 0.2);
  EXPECT_EQ(forwarded["seed"], 7);
  EXPECT_EQ(forwarded["some_future_field"], json::parse(R"({"x":[1,2]})"));
  EXPECT_FALSE(forwarded.contains("stream_options"));  // only added for streams
}

TEST_F(ChatTest, AnswersAreTheUpstreamsBytes) {
  start();
  auto c = client();
  const std::string body = chat_body("auto", "same bytes please", R"("max_tokens":12)");
  const auto via_gateway = c.post_json("/v1/chat/completions", body);
  // The same request straight to the simulator: the bytes Governor forwarded (the simulator
  // derives the answer's id from them).
  const std::string forwarded = sim().stats().last_body;
  EXPECT_EQ(json::parse(forwarded)["model"], "sim-small");
  TestClient direct(sim().port());
  const auto direct_r = direct.post_json("/v1/chat/completions", forwarded);
  ASSERT_EQ(via_gateway.status, 200);
  // Identical except the per-response timestamp.
  json a = json::parse(via_gateway.body);
  json b = json::parse(direct_r.body);
  a.erase("created");
  b.erase("created");
  EXPECT_EQ(a, b);
  EXPECT_EQ(via_gateway.header("content-type"), direct_r.header("content-type"));
}

TEST_F(ChatTest, ToolCallRoundTrip) {
  start();
  auto c = client();
  const std::string tools = R"("tools":[{"type":"function","function":{"name":"get_weather",
      "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])";
  const auto first =
      c.post_json("/v1/chat/completions", chat_body("auto", "Weather in Oslo?", tools));
  ASSERT_EQ(first.status, 200) << first.body;
  const json answer = json::parse(first.body);
  const auto& message = answer["choices"][0]["message"];
  ASSERT_TRUE(message.contains("tool_calls")) << first.body;
  const auto& call = message["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_TRUE(json::parse(call["function"]["arguments"].get<std::string>()).contains("city"));
  EXPECT_EQ(answer["choices"][0]["finish_reason"], "tool_calls");

  json follow_up = json::parse(chat_body("auto", "Weather in Oslo?", tools));
  follow_up["messages"].push_back(message);
  follow_up["messages"].push_back(
      {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", R"({"temp_c": 3})"}});
  const auto second = c.post_json("/v1/chat/completions", follow_up.dump());
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_TRUE(json::parse(second.body)["choices"][0]["message"]["content"].is_string());
}

TEST_F(ChatTest, KeepAliveReusesOneUpstreamConnection) {
  GatewayOptions o;
  o.workers = 1;
  start(o);
  auto c = client();
  for (int i = 0; i < 5; ++i) {
    const auto r =
        c.post_json("/v1/chat/completions", chat_body("auto", "reuse " + std::to_string(i)));
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(r.keep_alive);
  }
  const auto pools = gateway().upstream_stats();
  EXPECT_EQ(pools.connections_opened, 1u);
  EXPECT_EQ(pools.connections_reused, 4u);
}

TEST_F(ChatTest, ModelsListsAliasesAndUpstreams) {
  start();
  auto c = client();
  const auto r = c.request("GET", "/v1/models");
  ASSERT_EQ(r.status, 200);
  const json body = json::parse(r.body);
  ASSERT_EQ(body["object"], "list");
  std::vector<std::string> ids;
  for (const auto& m : body["data"]) {
    ids.push_back(m["id"]);
    EXPECT_EQ(m["object"], "model");
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"auto", "sim-small", "sim-large"}));
}

}  // namespace
}  // namespace governor::testing
