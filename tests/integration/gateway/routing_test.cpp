// Routing over HTTP: each rule of a policy's routing section changes the tier a routed (`auto`)
// call reaches, and the decision is visible in X-Governor-Tier / X-Governor-Reason and in the
// task's trace.

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "budget_fixture.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

/** A prompt model whose predictions are constants: one single-leaf tree per reference model,
 *  p = sigmoid(leaf). Leaves -1 and 2 give p_weak 0.27 and p_strong 0.88. */
std::string constant_model(double weak_leaf, double strong_leaf) {
  const auto ensemble = [](double leaf) {
    return json{{"learner",
                 {{"learner_model_param",
                   {{"base_score", "5E-1"},
                    {"num_class", "0"},
                    {"num_feature", "39"},
                    {"num_target", "1"}}},
                  {"objective", {{"name", "binary:logistic"}}},
                  {"gradient_booster",
                   {{"name", "gbtree"},
                    {"model",
                     {{"trees", json::array({{{"left_children", {-1}},
                                              {"right_children", {-1}},
                                              {"split_indices", {0}},
                                              {"split_conditions", {leaf}},
                                              {"default_left", {0}},
                                              {"split_type", {0}}}})}}}}}}}};
  };
  const json file = {
      {"format", "governor-prompt-router"},
      {"version", 1},
      {"feature_layout", "governor-features/1"},
      {"ngram_prior",
       {{"buckets", 1 << 18},
        {"smoothing", 10},
        {"weak_base", 0.5},
        {"strong_base", 0.5},
        {"bucket", json::array()},
        {"count", json::array()},
        {"weak_sum", json::array()},
        {"strong_sum", json::array()}}},
      {"models", {{"weak", ensemble(weak_leaf)}, {"strong", ensemble(strong_leaf)}}}};
  return file.dump();
}

Headers with_task(const std::string& task, Headers more = {}) {
  more.emplace_back("X-Governor-Task", task);
  return more;
}

bool mentions(const std::string& reason, const std::string& code) {
  return reason.find(code) != std::string::npos;
}

class RoutingTest : public BudgetTest {
 protected:
  void write_model(const std::string& file, double weak_leaf, double strong_leaf) {
    std::filesystem::create_directories(policies_dir());
    std::ofstream(policies_dir() / file) << constant_model(weak_leaf, strong_leaf);
  }
};

TEST_F(RoutingTest, TheModelBuysPremiumOnlyWhenTheGainIsWorthItsPrice) {
  write_model("router.json", -1.0, 2.0);  // gain 0.61
  write_policy("default",
               "name: default\ntask: {total_dollars: 1}\n"
               "routing: {model: router.json, lambda: 0}\n");
  write_policy("frugal",
               "name: frugal\nmatch: {trust_domains: [frugal]}\ntask: {total_dollars: 1}\n"
               "routing: {model: router.json, lambda: 1000000}\n");
  start_budgeted();
  auto c = client();
  const std::string body = chat_body("auto", "Prove that there are infinitely many primes.");
  const auto free_to_spend = c.post_json("/v1/chat/completions", body);
  ASSERT_EQ(free_to_spend.status, 200) << free_to_spend.body;
  EXPECT_EQ(free_to_spend.header("x-governor-tier"), "premium");
  EXPECT_EQ(free_to_spend.header("x-governor-reason"), "utility");
  // A dollar is worth a million success points: no gain pays for premium's price.
  const auto frugal =
      c.post_json("/v1/chat/completions", body, {{"X-Governor-Trust-Domain", "frugal"}});
  ASSERT_EQ(frugal.status, 200) << frugal.body;
  EXPECT_EQ(frugal.header("x-governor-tier"), "cheap");
  EXPECT_EQ(frugal.header("x-governor-reason"), "utility");
}

TEST_F(RoutingTest, AStepRuleRaisesItsStepAndAPinnedModelStaysPinned) {
  write_policy("default",
               "name: default\ntask: {total_dollars: 1}\n"
               "routing: {steps: {plan: {min_tier: premium}}}\n");
  start_budgeted();
  auto c = client();
  const std::string body = chat_body("auto", "Plan the migration.");
  const auto act = c.post_json("/v1/chat/completions", body, with_task("t-act"));
  ASSERT_EQ(act.status, 200) << act.body;
  EXPECT_EQ(act.header("x-governor-tier"), "cheap");
  const auto plan =
      c.post_json("/v1/chat/completions", body, with_task("t-plan", {{"X-Governor-Step", "plan"}}));
  ASSERT_EQ(plan.status, 200) << plan.body;
  EXPECT_EQ(plan.header("x-governor-tier"), "premium");
  EXPECT_TRUE(mentions(plan.header("x-governor-reason"), "step_min_tier"))
      << plan.header("x-governor-reason");
  const auto pinned = c.post_json("/v1/chat/completions", chat_body("sim-small", "Plan it."),
                                  with_task("t-pin", {{"X-Governor-Step", "plan"}}));
  ASSERT_EQ(pinned.status, 200) << pinned.body;
  EXPECT_EQ(pinned.header("x-governor-tier"), "cheap");
  EXPECT_EQ(pinned.header("x-governor-reason"), "pinned");
}

TEST_F(RoutingTest, InferenceRulesFromThePolicyNameTheStep) {
  write_policy("default",
               "name: default\ntask: {total_dollars: 1}\n"
               "routing:\n"
               "  infer_steps:\n"
               "    - {when: first_call, step: plan}\n"
               "    - {when: json_mode, step: verify}\n"
               "  steps: {plan: {min_tier: premium}, verify: {min_tier: premium}}\n");
  start_budgeted();
  auto c = client();
  const auto first =
      c.post_json("/v1/chat/completions", chat_body("auto", "Start."), with_task("t-infer"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("x-governor-tier"), "premium");  // first call: plan
  const auto second =
      c.post_json("/v1/chat/completions", chat_body("auto", "Go on."), with_task("t-infer"));
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.header("x-governor-tier"), "cheap");  // act
  const auto json_mode =
      c.post_json("/v1/chat/completions",
                  chat_body("auto", "Check it.", R"("response_format":{"type":"json_object"})"),
                  with_task("t-infer"));
  ASSERT_EQ(json_mode.status, 200) << json_mode.body;
  EXPECT_EQ(json_mode.header("x-governor-tier"), "premium");  // verify
  // The steps are in the trace as inferred.
  const auto trace = c.request("GET", "/v1/tasks/t-infer", "");
  ASSERT_EQ(trace.status, 200) << trace.body;
  const auto steps = json::parse(trace.body).at("steps");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].at("step"), "plan");
  EXPECT_EQ(steps[1].at("step"), "act");
  EXPECT_EQ(steps[2].at("step"), "verify");
  EXPECT_EQ(steps[0].at("tier"), "premium");
  // Each step carries its decision (no model here: the default tier within the step rule) and
  // its share of the task's cost.
  const auto& decision = steps[0].at("decision");
  EXPECT_EQ(decision.at("chosen"), "premium");
  EXPECT_TRUE(mentions(decision.at("reasons").get<std::string>(), "step_min_tier"))
      << decision.dump();
  ASSERT_EQ(decision.at("candidates").size(), 2u);
  EXPECT_EQ(decision.at("candidates")[0].at("allowed"), false);
  EXPECT_GT(decision.at("candidates")[1].at("est_cost_usd").get<double>(), 0.0);
  EXPECT_TRUE(decision.at("budget_before_usd").is_number()) << decision.dump();
  double shares = 0;
  for (const auto& step : steps) {
    shares += step.at("cost_share").get<double>();
  }
  EXPECT_NEAR(shares, 1.0, 1e-9);
}

TEST_F(RoutingTest, ARetriedStepGoesUpATier) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const std::string body = chat_body("auto", "Fix the failing test.");
  const auto first = c.post_json("/v1/chat/completions", body, with_task("t-retry"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("x-governor-tier"), "cheap");
  // The same conversation again is a retry of the step: recovery pressure moves it up.
  const auto again = c.post_json("/v1/chat/completions", body, with_task("t-retry"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.header("x-governor-tier"), "premium");
  EXPECT_TRUE(mentions(again.header("x-governor-reason"), "recovery_upgrade"))
      << again.header("x-governor-reason");
  // So does an explicit retry header on a new conversation.
  const auto told = c.post_json("/v1/chat/completions", chat_body("auto", "Try differently."),
                                with_task("t-retry2", {{"X-Governor-Retry", "true"}}));
  ASSERT_EQ(told.status, 200) << told.body;
  EXPECT_EQ(told.header("x-governor-tier"), "cheap");  // nothing before it to go above
}

TEST_F(RoutingTest, AMalformedToolCallSendsTheNextCallUpATier) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  start_budgeted();
  auto c = client();
  const std::string tools =
      R"("tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object",)"
      R"("properties":{"q":{"type":"string"}},"required":["q"]}}}],"tool_choice":"required")";
  // sim-small's graded tool call fails (success=0): its arguments stop half way.
  const auto broken =
      c.post_json("/v1/chat/completions",
                  chat_body("auto", "Look it up. [[sim success=0 only_model=sim-small]]", tools),
                  with_task("t-tool"));
  ASSERT_EQ(broken.status, 200) << broken.body;
  EXPECT_EQ(broken.header("x-governor-tier"), "cheap");
  const auto arguments = json::parse(broken.body)
                             .at("choices")[0]
                             .at("message")
                             .at("tool_calls")[0]
                             .at("function")
                             .at("arguments")
                             .get<std::string>();
  ASSERT_TRUE(json::parse(arguments, nullptr, false).is_discarded()) << arguments;
  // A different conversation, not a retry: the malformed call alone raises the next one.
  const auto next =
      c.post_json("/v1/chat/completions", chat_body("auto", "Look the other thing up.", tools),
                  with_task("t-tool"));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.header("x-governor-tier"), "premium");
  EXPECT_TRUE(mentions(next.header("x-governor-reason"), "recovery_upgrade"))
      << next.header("x-governor-reason");
  // A well-formed tool call on premium: the call after it is not pushed further.
  const auto after = c.post_json("/v1/chat/completions", chat_body("auto", "And a third.", tools),
                                 with_task("t-tool"));
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.header("x-governor-tier"), "cheap");
}

TEST_F(RoutingTest, ATierWhoseContextWindowCannotHoldTheRequestIsNeverChosen) {
  write_policy("default", "name: default\ntask: {total_dollars: 5}\n");
  GatewayOptions o;
  o.small_extra = "    context_window: 1000\n";
  start_budgeted("", o);
  auto c = client();
  const std::string long_prompt(8000, 'x');  // ~2000 tokens estimated: above 1000
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", long_prompt));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "premium");
  EXPECT_TRUE(mentions(r.header("x-governor-reason"), "context_window"))
      << r.header("x-governor-reason");
  const auto small = c.post_json("/v1/chat/completions", chat_body("auto", "short"));
  EXPECT_EQ(small.header("x-governor-tier"), "cheap");
}

TEST_F(RoutingTest, AFallbackThatCannotHoldTheRequestIsSkipped) {
  write_policy("default", "name: default\ntask: {total_dollars: 5}\n");
  GatewayOptions o;
  o.small_extra = "    context_window: 1000\n";
  o.large_base_url = "http://127.0.0.1:1/v1";  // premium is down: nothing listens there
  o.upstream_extra = "    retry: {max_attempts: 1}\n";
  start_budgeted("", o);
  auto c = client();
  // Premium fails; its fallback (sim-small) cannot hold ~2000 tokens, so it is not tried.
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", std::string(8000, 'x')));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(sim().stats().requests, 0u);
}

TEST_F(RoutingTest, ATrustDomainPolicyChangesTheRoute) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  write_policy("finance",
               "name: finance\nmatch: {trust_domains: [finance]}\ntask: {total_dollars: 1}\n"
               "routing: {steps: {act: {min_tier: premium}}}\n");
  start_budgeted();
  auto c = client();
  const std::string body = chat_body("auto", "Reconcile the ledger.");
  const auto general = c.post_json("/v1/chat/completions", body);
  ASSERT_EQ(general.status, 200) << general.body;
  EXPECT_EQ(general.header("x-governor-tier"), "cheap");
  const auto finance =
      c.post_json("/v1/chat/completions", body, {{"X-Governor-Trust-Domain", "finance"}});
  ASSERT_EQ(finance.status, 200) << finance.body;
  EXPECT_EQ(finance.header("x-governor-tier"), "premium");
  EXPECT_TRUE(mentions(finance.header("x-governor-reason"), "step_min_tier"))
      << finance.header("x-governor-reason");
}

/** The lines of a file once it has `count` of them (the log is written asynchronously). */
std::vector<json> read_lines(const std::filesystem::path& path, std::size_t count) {
  std::vector<json> lines;
  for (int attempt = 0; attempt < 200 && lines.size() < count; ++attempt) {
    lines.clear();
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      lines.push_back(json::parse(line));
    }
    if (lines.size() < count) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return lines;
}

TEST_F(RoutingTest, EveryCallIsExplainedInTheDecisionLog) {
  write_model("router.json", -1.0, 2.0);
  write_policy("default",
               "name: default\ntask: {total_dollars: 1}\n"
               "routing: {model: router.json, lambda: 0, steps: {verify: {max_tier: cheap}}}\n");
  GatewayOptions o;
  const auto log_path = dir_.path() / "logs" / "decisions.jsonl";
  const auto access_path = dir_.path() / "logs" / "access.jsonl";
  o.logs_extra = ", decision_log: {path: " + log_path.string() + "}";
  o.access_log = "{path: " + access_path.string() + ", max_bytes: 65536, max_files: 2}";
  start_budgeted("", o);
  auto c = client();
  const auto routed = c.post_json("/v1/chat/completions", chat_body("auto", "Prove it."),
                                  {{"X-Governor-Task", "t-log"}, {"X-Governor-Session", "s-log"}});
  ASSERT_EQ(routed.status, 200) << routed.body;
  const auto capped = c.post_json("/v1/chat/completions", chat_body("auto", "Check it."),
                                  {{"X-Governor-Task", "t-log"}, {"X-Governor-Step", "verify"}});
  ASSERT_EQ(capped.status, 200) << capped.body;
  const auto pinned = c.post_json("/v1/chat/completions", chat_body("sim-large", "Pinned."));
  ASSERT_EQ(pinned.status, 200) << pinned.body;

  const auto lines = read_lines(log_path, 3);
  ASSERT_EQ(lines.size(), 3u);
  const json& first = lines[0];
  EXPECT_EQ(first.at("request_id"), routed.header("x-request-id"));
  EXPECT_EQ(first.at("task"), "t-log");
  EXPECT_EQ(first.at("session"), "s-log");
  EXPECT_EQ(first.at("step"), "act");
  EXPECT_EQ(first.at("tier"), "premium");
  EXPECT_EQ(first.at("reason"), "utility");
  EXPECT_EQ(first.at("outcome"), "ok");
  EXPECT_GT(first.at("cost_usd").get<double>(), 0.0);
  EXPECT_NEAR(first.at("budget_before_usd").get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(first.at("prediction").at("strong").get<double>(), 1 / (1 + std::exp(-2.0)), 1e-6);
  const json& decision = first.at("decision");
  EXPECT_EQ(decision.at("chosen"), "premium");
  EXPECT_EQ(decision.at("lambda").get<double>(), 0.0);
  ASSERT_EQ(decision.at("candidates").size(), 2u);
  EXPECT_EQ(decision.at("candidates")[0].at("tier"), "cheap");
  EXPECT_LT(decision.at("candidates")[0].at("p_success").get<double>(),
            decision.at("candidates")[1].at("p_success").get<double>());
  EXPECT_LT(decision.at("candidates")[0].at("est_cost_usd").get<double>(),
            decision.at("candidates")[1].at("est_cost_usd").get<double>());

  EXPECT_EQ(lines[1].at("step"), "verify");
  EXPECT_EQ(lines[1].at("tier"), "cheap");
  EXPECT_EQ(lines[1].at("reason"), "utility+step_max_tier");
  EXPECT_LT(lines[1].at("budget_before_usd").get<double>(), 1.0);  // the first call was paid

  EXPECT_EQ(lines[2].at("reason"), "pinned");
  EXPECT_FALSE(lines[2].contains("decision"));
  EXPECT_FALSE(first.contains("signals")) << "no logprobs asked: no signals";

  // The JSON access log has the same calls, with the upstream's side and no decision.
  const auto access = read_lines(access_path, 3);
  ASSERT_EQ(access.size(), 3u);
  EXPECT_EQ(access[0].at("request_id"), routed.header("x-request-id"));
  EXPECT_EQ(access[0].at("task"), "t-log");
  EXPECT_EQ(access[0].at("upstream"), "sim-large");
  EXPECT_EQ(access[0].at("upstream_model"), "sim-large");
  EXPECT_EQ(access[0].at("attempts"), 1);
  EXPECT_EQ(access[0].at("cost_usd"), first.at("cost_usd"));
  EXPECT_FALSE(access[0].contains("decision"));
  EXPECT_EQ(access[2].at("reason"), "pinned");
}

TEST_F(RoutingTest, AnAnswerWithLogprobsLogsItsSignalsInCalibratesShape) {
  write_policy("default", "name: default\ntask: {total_dollars: 1}\n");
  GatewayOptions o;
  const auto log_path = dir_.path() / "decisions.jsonl";
  o.logs_extra = ", decision_log: {path: " + log_path.string() + "}";
  start_budgeted("", o);
  auto c = client();
  // A graded answer that fails sounds unsure: quality in [0.2, 0.7] (docs/simulator.md).
  const auto unsure = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "Solve it. [[sim success=0]]", R"("logprobs":true,"top_logprobs":3)"));
  ASSERT_EQ(unsure.status, 200) << unsure.body;
  const auto sure = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "Solve it. [[sim success=1]]", R"("logprobs":true,"top_logprobs":3)"));
  ASSERT_EQ(sure.status, 200) << sure.body;
  const auto lines = read_lines(log_path, 2);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    ASSERT_TRUE(line.contains("signals")) << line.dump();
    const double u = line.at("signals").at("uncertainty").get<double>();
    EXPECT_GT(u, 0.0);
    EXPECT_LT(u, 1.0);
    EXPECT_GT(line.at("signals").at("entropy").get<double>(), 0.0);
  }
  // Wrong and right answers both carry signals: feedback then adds "acceptable" per line.
  const auto content = json::parse(unsure.body).at("choices")[0].at("message").at("content");
  EXPECT_TRUE(content.get<std::string>().ends_with("[fail]")) << content;
}

TEST_F(RoutingTest, ABadModelFileKeepsTheOldPoliciesOnReload) {
  write_model("router.json", -1.0, 2.0);
  write_policy("default",
               "name: default\ntask: {total_dollars: 1}\n"
               "routing: {model: router.json, lambda: 0}\n");
  start_budgeted();
  std::ofstream(policies_dir() / "router.json") << "{\"format\": \"something else\"}";
  const auto errors = gateway().reload_policies();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors.front().find("routing.model"), std::string::npos) << errors.front();
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "Still routed?"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-governor-tier"), "premium");  // the old model is still in force
}

}  // namespace
}  // namespace governor::testing
