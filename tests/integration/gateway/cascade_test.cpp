// Cascades over HTTP: the cheap tier answers first, its answer is judged by the step's signals,
// and a failed answer escalates to the premium tier when the budget affords it. Real sockets,
// the real simulator and a real SQLite ledger.

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "budget_fixture.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

Headers cascade_task(const std::string& task) {
  return {{"X-Governor-Task", task}};
}

json cascade_trace(std::uint16_t port, const std::string& id) {
  TestClient c(port);
  const auto r = c.request("GET", "/v1/tasks/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
  return r.status == 200 ? json::parse(r.body) : json();
}

MicroUsd cascade_usd(const json& dollars) {
  return MicroUsd{static_cast<std::int64_t>(std::llround(dollars.get<double>() * 1e6))};
}

/** The value of one series in a Prometheus text page, -1 when absent. */
double cascade_metric(const std::string& page, const std::string& series) {
  const auto at = page.find("\n" + series + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stod(page.substr(at + series.size() + 2));
}

/** A policy cascading `act` steps with these accept rule fields. */
std::string cascade_policy(const std::string& accept,
                           const std::string& task = "{total_dollars: 1}",
                           const std::string& routing_extra = "") {
  return "name: default\ntask: " + task + "\nrouting: {" + routing_extra +
         "steps: {act: {cascade: true, accept: {" + accept + "}}}}\n";
}

class CascadeTest : public BudgetTest {};

TEST_F(CascadeTest, AConfidentCheapAnswerIsAcceptedAndItsLogprobsStripped) {
  write_policy("default", cascade_policy("max_uncertainty: 1.0"));
  start_budgeted();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "Name a prime."),
                             cascade_task("t-accept"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  EXPECT_EQ(r.header("x-governor-escalated"), "false");
  EXPECT_EQ(r.header("x-governor-escalation-reason"), "");
  const json body = json::parse(r.body);
  EXPECT_TRUE(body["choices"][0]["logprobs"].is_null())
      << "Governor asked for logprobs to judge the answer; the client did not";
  const json trace = cascade_trace(port(), "t-accept");
  ASSERT_EQ(trace["steps"].size(), 1u);
  EXPECT_EQ(trace["steps"][0]["escalation"]["escalated"], "false");
  EXPECT_EQ(trace["steps"][0]["escalation"]["max_uncertainty"], 1.0);
}

TEST_F(CascadeTest, AnUncertainAnswerEscalatesAndBothAttemptsArePaid) {
  write_policy("default", cascade_policy("max_uncertainty: 0"));
  start_budgeted();
  auto c = client();
  // The client asks for logprobs itself: they are kept.
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "Prove it.", R"("logprobs":true)"),
                  cascade_task("t-escalate"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "premium");
  EXPECT_EQ(r.header("x-governor-model"), "sim-large");
  EXPECT_EQ(r.header("x-governor-escalated"), "true");
  EXPECT_EQ(r.header("x-governor-escalation-reason"), "uncertainty");
  EXPECT_NE(r.header("x-governor-reason").find("escalated"), std::string::npos);
  EXPECT_FALSE(json::parse(r.body)["choices"][0]["logprobs"].is_null());

  const json trace = cascade_trace(port(), "t-escalate");
  ASSERT_EQ(trace["steps"].size(), 2u) << trace.dump();
  const json& cheap = trace["steps"][0];
  const json& premium = trace["steps"][1];
  EXPECT_EQ(cheap["tier"], "cheap");
  EXPECT_EQ(cheap["outcome"], "escalated");
  EXPECT_EQ(cheap["step"], "act");
  EXPECT_GT(cheap["escalation"]["attempts"][0]["uncertainty"].get<double>(), 0.0);
  EXPECT_EQ(premium["tier"], "premium");
  EXPECT_EQ(premium["outcome"], "ok");
  EXPECT_EQ(premium["escalation"]["escalated"], "true");
  EXPECT_EQ(premium["escalation"]["reason"], "uncertainty");
  EXPECT_EQ(trace["retries"], 0) << "an escalation is not a retry of the step";
  // The client's cost is both attempts; the task spent exactly that.
  const MicroUsd both = cascade_usd(cheap["cost_usd"]) + cascade_usd(premium["cost_usd"]);
  EXPECT_EQ(r.header("x-governor-cost-usd"), both.to_string());
  EXPECT_GT(cascade_usd(cheap["cost_usd"]).micros(), 0);

  // The escalation was this step's recovery: the task's next step is not forced up, but the
  // client sending the same messages again (a retry) starts above the tier that served.
  const auto next = c.post_json("/v1/chat/completions", chat_body("auto", "And the next step."),
                                cascade_task("t-escalate"));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.header("x-governor-reason").find("recovery_upgrade"), std::string::npos)
      << next.header("x-governor-reason");
  const auto retry = c.post_json("/v1/chat/completions", chat_body("auto", "And the next step."),
                                 cascade_task("t-escalate"));
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("x-governor-tier"), "premium");
  EXPECT_NE(retry.header("x-governor-reason").find("recovery_upgrade"), std::string::npos)
      << retry.header("x-governor-reason");
  EXPECT_EQ(cascade_trace(port(), "t-escalate")["retries"], 1);

  TestClient admin(admin_port());
  const std::string page = admin.request("GET", "/metrics").body;
  EXPECT_EQ(cascade_metric(page, R"(governor_escalations_total{reason="uncertainty"})"), 2.0)
      << "the first call and the next step escalated; the retry started at the top";
}

TEST_F(CascadeTest, WhenTheBudgetCannotAffordEscalationTheCheapAnswerIsFlagged) {
  // Cheap's worst case (~$0.00008) fits; premium's smallest useful answer (~$0.0009) does not.
  write_policy("default", cascade_policy("max_uncertainty: 0", "{total_dollars: 0.0003}"));
  start_budgeted();
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "Name a prime.", R"("max_tokens":100)"),
                  cascade_task("t-poor"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  EXPECT_EQ(r.header("x-governor-escalated"), "unaffordable");
  EXPECT_EQ(r.header("x-governor-escalation-reason"), "uncertainty");
  const json trace = cascade_trace(port(), "t-poor");
  ASSERT_EQ(trace["steps"].size(), 1u) << "nothing was reserved for premium";
  EXPECT_EQ(trace["steps"][0]["outcome"], "ok");
  EXPECT_EQ(trace["steps"][0]["escalation"]["escalated"], "unaffordable");
  EXPECT_LE(cascade_usd(trace["spent_usd"]).micros(), 300);
}

TEST_F(CascadeTest, AStreamedCallIsHeldUntilAcceptedThenRelayedAsEvents) {
  write_policy("default", cascade_policy("max_uncertainty: 1.0"));
  start_budgeted();
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions", chat_body("auto", "Stream a haiku.", R"("stream":true)"),
                  cascade_task("t-stream"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "text/event-stream");
  EXPECT_EQ(r.header("x-governor-tier"), "cheap");
  EXPECT_EQ(r.header("x-governor-escalated"), "false");
  const auto events = sse_data_lines(r.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string content;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const json chunk = json::parse(events[i]);
    ASSERT_FALSE(chunk["choices"].empty()) << "the usage chunk the client did not ask for";
    EXPECT_TRUE(chunk["choices"][0]["logprobs"].is_null()) << events[i];
    content += chunk["choices"][0]["delta"].value("content", "");
  }
  EXPECT_FALSE(content.empty());
  EXPECT_FALSE(r.trailers.at("x-governor-cost-usd").empty());
}

TEST_F(CascadeTest, AnEscalatedStreamIsStreamedByThePremiumTier) {
  write_policy("default", cascade_policy("max_uncertainty: 0"));
  start_budgeted();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions",
                             chat_body("auto", "Stream a haiku.",
                                       R"("stream":true,"stream_options":{"include_usage":true})"),
                             cascade_task("t-stream-up"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "premium");
  EXPECT_EQ(r.header("x-governor-escalated"), "true");
  const auto events = sse_data_lines(r.body);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back(), "[DONE]");
  const json usage_chunk = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage_chunk["choices"].empty()) << "the client asked for usage: it is relayed";
  const json trace = cascade_trace(port(), "t-stream-up");
  ASSERT_EQ(trace["steps"].size(), 2u);
  const MicroUsd both =
      cascade_usd(trace["steps"][0]["cost_usd"]) + cascade_usd(trace["steps"][1]["cost_usd"]);
  EXPECT_EQ(r.trailers.at("x-governor-cost-usd"), both.to_string());
}

TEST_F(CascadeTest, ABrokenCheapStreamEscalatesWithoutTheClientSeeingIt) {
  // No thresholds: only the structural signals judge.
  write_policy("default", cascade_policy(""));
  start_budgeted();
  auto c = client();
  const auto r =
      c.post_json("/v1/chat/completions",
                  chat_body("auto", "Stream a haiku. [[sim only_model=sim-small reset_after=2]]",
                            R"("stream":true)"),
                  cascade_task("t-broken"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "premium");
  EXPECT_EQ(r.header("x-governor-escalated"), "true");
  EXPECT_EQ(r.header("x-governor-escalation-reason"), "stream_broken");
  const auto events = sse_data_lines(r.body);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), "[DONE]") << r.body;
  EXPECT_EQ(r.body.find("upstream_stream_broken"), std::string::npos) << r.body;
  const json trace = cascade_trace(port(), "t-broken");
  ASSERT_EQ(trace["steps"].size(), 2u);
  EXPECT_EQ(trace["steps"][0]["outcome"], "escalated");
  EXPECT_EQ(trace["steps"][0]["escalation"]["attempts"][0]["reason"], "stream_broken");
}

TEST_F(CascadeTest, APolicyCanKeepStreamsOutOfTheCascade) {
  write_policy("default", cascade_policy("max_uncertainty: 0", "{total_dollars: 1}",
                                         "cascade_streams: false, "));
  start_budgeted();
  auto c = client();
  const auto streamed =
      c.post_json("/v1/chat/completions", chat_body("auto", "Stream a haiku.", R"("stream":true)"),
                  cascade_task("t-nostream"));
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(streamed.header("x-governor-tier"), "cheap");
  EXPECT_EQ(streamed.header("x-governor-escalated"), "") << "not cascaded at all";
  const auto whole =
      c.post_json("/v1/chat/completions", chat_body("auto", "A haiku."), cascade_task("t-whole"));
  EXPECT_EQ(whole.header("x-governor-escalated"), "true");
}

TEST_F(CascadeTest, AMalformedToolCallEscalates) {
  write_policy("default", cascade_policy(""));
  start_budgeted();
  auto c = client();
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"required")";
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "Weather in Oslo? [[sim only_model=sim-small success=0]]", tools),
      cascade_task("t-tool"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-escalated"), "true");
  EXPECT_EQ(r.header("x-governor-escalation-reason"), "malformed_tool_call");
  const json call = json::parse(r.body)["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "get_weather");
  EXPECT_FALSE(
      json::parse(call["function"]["arguments"].get<std::string>(), nullptr, false).is_discarded());
}

}  // namespace
}  // namespace governor::testing
