// The routing phase of a chat call without sockets: step inference, then route_call on a
// three-tier config with a hand-written prompt model whose predictions are constants.
#include "route_call.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "admission.hpp"
#include "governor/openai/usage.hpp"
#include "governor/routing/features.hpp"
#include "governor/routing/route_input.hpp"

namespace governor::server {
namespace {

using config::StepInference;
using config::StepSignal;
using nlohmann::json;

// --- infer_step --------------------------------------------------------------------------

routing::RouteInput shape(routing::Role last_role, std::uint32_t tools_offered = 0,
                          routing::ToolChoice choice = routing::ToolChoice::absent,
                          routing::ResponseFormat format = routing::ResponseFormat::text) {
  routing::RouteInput input;
  input.last_role = last_role;
  input.tools_offered = tools_offered;
  input.tool_choice = choice;
  input.response_format = format;
  return input;
}

TEST(InferStep, FirstMatchingRuleElseAct) {
  using routing::ResponseFormat;
  using routing::Role;
  using routing::ToolChoice;
  const std::vector<StepInference> none;
  const std::vector<StepInference> defaults = config::RoutingPolicy{}.infer_steps;
  const std::vector<StepInference> first_then_tool{{StepSignal::first_call, StepType::plan},
                                                   {StepSignal::tool_result, StepType::tool}};
  const std::vector<StepInference> offered{{StepSignal::tools_offered, StepType::tool}};
  const std::vector<StepInference> required{{StepSignal::tool_required, StepType::tool}};
  const std::vector<StepInference> json_mode{{StepSignal::json_mode, StepType::verify}};
  const std::vector<StepInference> json_then_tools{{StepSignal::json_mode, StepType::verify},
                                                   {StepSignal::tools_offered, StepType::tool}};
  const std::vector<StepInference> tools_then_json{{StepSignal::tools_offered, StepType::tool},
                                                   {StepSignal::json_mode, StepType::verify}};
  struct InferCase {
    const char* name;
    const std::vector<StepInference>& rules;
    routing::RouteInput input;
    bool first_call;
    StepType expected;
  };
  const std::vector<InferCase> cases{
      {"default: tool result", defaults, shape(Role::tool), false, StepType::tool},
      {"default: user turn", defaults, shape(Role::user), false, StepType::act},
      {"default: assistant last", defaults, shape(Role::assistant), false, StepType::act},
      {"default has no first_call rule", defaults, shape(Role::user), true, StepType::act},
      {"first_call when first", first_then_tool, shape(Role::user), true, StepType::plan},
      {"first_call not when later", first_then_tool, shape(Role::user), false, StepType::act},
      {"later tool result", first_then_tool, shape(Role::tool), false, StepType::tool},
      {"first match wins: first_call", first_then_tool, shape(Role::tool), true, StepType::plan},
      {"tools offered", offered, shape(Role::user, 2), false, StepType::tool},
      {"no tools offered", offered, shape(Role::user, 0), false, StepType::act},
      {"tool_choice required", required, shape(Role::user, 1, ToolChoice::required), false,
       StepType::tool},
      {"tool_choice named", required, shape(Role::user, 1, ToolChoice::named), false,
       StepType::tool},
      {"tool_choice auto", required, shape(Role::user, 1, ToolChoice::automatic), false,
       StepType::act},
      {"tool_choice none", required, shape(Role::user, 1, ToolChoice::none), false, StepType::act},
      {"tool_choice absent", required, shape(Role::user, 1), false, StepType::act},
      {"json_object", json_mode,
       shape(Role::user, 0, ToolChoice::absent, ResponseFormat::json_object), false,
       StepType::verify},
      {"json_schema", json_mode,
       shape(Role::user, 0, ToolChoice::absent, ResponseFormat::json_schema), false,
       StepType::verify},
      {"text", json_mode, shape(Role::user), false, StepType::act},
      {"json before tools", json_then_tools,
       shape(Role::user, 1, ToolChoice::absent, ResponseFormat::json_object), false,
       StepType::verify},
      {"tools before json", tools_then_json,
       shape(Role::user, 1, ToolChoice::absent, ResponseFormat::json_object), false,
       StepType::tool},
      {"no rules", none, shape(Role::tool, 1, ToolChoice::required), true, StepType::act},
  };
  for (const InferCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(to_string(c.expected), to_string(infer_step(c.input, c.rules, c.first_call)));
  }
}

// --- route_call --------------------------------------------------------------------------

config::UpstreamConfig upstream(std::string name, std::int64_t in, std::int64_t out,
                                std::int64_t context_window) {
  config::UpstreamConfig up;
  up.name = std::move(name);
  up.prices = {{in}, {out}};
  up.context_window = context_window;
  return up;
}

/** cheap: small $0.15/$0.60; mid: medium $1/$4; premium: large $2.50/$10 (per million
 *  tokens). Aliases go to mid, the default tier, until routing says otherwise. */
config::GatewayConfig route_tiers() {
  config::GatewayConfig cfg;
  cfg.upstreams = {upstream("small", 150'000, 600'000, 16'000),
                   upstream("medium", 1'000'000, 4'000'000, 128'000),
                   upstream("large", 2'500'000, 10'000'000, 200'000)};
  cfg.tiers = {{"cheap", {"small"}}, {"mid", {"medium"}}, {"premium", {"large"}}};
  cfg.routing.default_tier = "mid";
  return cfg;
}

/** An XGBoost regression model that predicts `value` for every input: base_score `value` and a
 *  single tree that is a single leaf of weight 0. */
json constant_model(double value) {
  const json leaf = {{"id", 0},
                     {"left_children", {-1}},
                     {"right_children", {-1}},
                     {"parents", {2147483647}},
                     {"split_indices", {0}},
                     {"split_conditions", {0.0}},
                     {"default_left", {0}},
                     {"split_type", {0}},
                     {"categories", json::array()},
                     {"tree_param", {{"num_nodes", "1"}}}};
  return {{"learner",
           {{"learner_model_param",
             {{"base_score", std::to_string(value)}, {"num_class", "0"}, {"num_target", "1"}}},
            {"objective", {{"name", "reg:squarederror"}}},
            {"gradient_booster",
             {{"name", "gbtree"}, {"model", {{"tree_info", {0}}, {"trees", {leaf}}}}}}}}};
}

routing::PromptModel parse_constant_router() {
  const json file = {{"format", "governor-prompt-router"},
                     {"version", 1},
                     {"feature_layout", routing::kFeatureLayout},
                     {"ngram_prior",
                      {{"buckets", routing::kNgramBuckets},
                       {"smoothing", 1.0},
                       {"weak_base", 0.5},
                       {"strong_base", 0.5},
                       {"bucket", json::array()},
                       {"count", json::array()},
                       {"weak_sum", json::array()},
                       {"strong_sum", json::array()}}},
                     {"models", {{"weak", constant_model(0.6)}, {"strong", constant_model(0.8)}}}};
  auto model = routing::PromptModel::parse(file.dump());
  EXPECT_TRUE(model) << model.error();
  return model ? std::move(*model) : routing::PromptModel{};
}

/** A prompt router file predicting weak 0.6 and strong 0.8 for everything (an empty n-gram
 *  prior), so the ladder reads 0.6, 0.7, 0.8. Parsed once: the prior's table is large. */
const routing::PromptModel& constant_router() {
  static const routing::PromptModel model = parse_constant_router();
  return model;
}

openai::ChatRequest route_request(const std::string& body) {
  auto parsed = openai::parse_chat_request(body);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? std::move(*parsed) : openai::ChatRequest{};
}

const std::string kRouteHello =
    R"({"model":"auto","messages":[{"role":"user","content":"hello"}]})";
const std::string kToolResult =
    R"({"model":"auto","messages":[{"role":"user","content":"weather in Oslo?"},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",)"
    R"("function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}}]},)"
    R"({"role":"tool","tool_call_id":"c1","content":"4 C, rain"}]})";

/** kRouteHello is 63 bytes: 16 tokens estimated, bound 63; 512 output tokens expected, bound 64
 *  (min_useful_output_tokens). est_cost: cheap 16*0.15e-6 + 512*0.6e-6 = 0.0003096,
 *  mid 0.000016 + 0.002048 = 0.002064, premium 0.00004 + 0.00512 = 0.00516. With p 0.6/0.7/0.8:
 *  mid beats cheap while lambda < 0.1 / 0.0017544 = 57.0, premium beats mid while
 *  lambda < 0.1 / 0.003096 = 32.3. So lambda 0 -> premium, 45 -> mid, 100 -> cheap.
 *  worst_cost: cheap 63*0.15e-6 + 64*0.6e-6 = 0.00004785, mid 0.000063 + 0.000256 = 0.000319,
 *  premium 0.0001575 + 0.00064 = 0.0007975. */
struct RouteFixture {
  config::GatewayConfig cfg = route_tiers();
  config::Policy policy;
  bool with_policy = true;
  TaskRef ref;
  std::string body = kRouteHello;
  std::optional<TaskBrief> brief;
  const routing::PromptModel* router = &constant_router();
  bool with_model = true;
  Target target{cfg.find_upstream("medium"), "mid", false};  // as resolve_target finds "auto"
  const TaskLengths* lengths = nullptr;

  RoutedCall route() const {
    const openai::ChatRequest request = route_request(body);
    return route_call({cfg, with_policy ? &policy : nullptr, ref, request, body.size(), target,
                       brief, with_model ? router : nullptr, lengths});
  }
  std::uint64_t hash() const { return messages_hash(route_request(body)); }
};

TEST(RouteCall, TheFixtureNumbersHold) {
  ASSERT_EQ(63u, kRouteHello.size());
  RouteFixture f;
  const RoutedCall routed = f.route();
  ASSERT_TRUE(routed.decision);
  ASSERT_TRUE(routed.prediction);
  EXPECT_DOUBLE_EQ(0.6, routed.prediction->weak);
  EXPECT_DOUBLE_EQ(0.8, routed.prediction->strong);
  const auto& c = routed.decision->candidates;
  ASSERT_EQ(3u, c.size());
  const double est[] = {0.0003096, 0.002064, 0.00516};
  const double worst[] = {0.00004785, 0.000319, 0.0007975};
  for (std::size_t r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    EXPECT_NEAR(est[r], c[r].est_cost, 1e-12);
    EXPECT_NEAR(worst[r], c[r].worst_cost, 1e-12);
    EXPECT_NEAR(0.6 + 0.1 * static_cast<double>(r), c[r].p_success, 1e-12);
  }
  EXPECT_EQ(16, routed.required_context);
}

TEST(RouteCall, CostsFollowTheRequestAndThePolicy) {
  RouteFixture f;
  f.policy.routing.expected_output_tokens = 300;
  f.policy.task.min_useful_output_tokens = 100;
  // No max_tokens: the policy's 300 expected, the policy's 100 as the useful bound.
  auto c = f.route().decision->candidates;
  EXPECT_NEAR(16 * 2.5e-6 + 300 * 10e-6, c[2].est_cost, 1e-12);
  EXPECT_NEAR(63 * 2.5e-6 + 100 * 10e-6, c[2].worst_cost, 1e-12);
  // A smaller max_tokens lowers both.
  f.body = R"({"model":"auto","max_tokens":50,"messages":[{"role":"user","content":"hello"}]})";
  const double in =
      static_cast<double>(openai::estimate_tokens(static_cast<std::int64_t>(f.body.size())));
  c = f.route().decision->candidates;
  EXPECT_NEAR(in * 2.5e-6 + 50 * 10e-6, c[2].est_cost, 1e-12);
  EXPECT_NEAR(static_cast<double>(f.body.size()) * 2.5e-6 + 50 * 10e-6, c[2].worst_cost, 1e-12);
}

TEST(RouteCall, PinnedStaysPinnedWithItsStepInferred) {
  RouteFixture f;
  f.body = kToolResult;
  for (const char* name : {"large", "small"}) {
    SCOPED_TRACE(name);
    f.target =
        Target{f.cfg.find_upstream(name), name == std::string{"large"} ? "premium" : "", true};
    const RoutedCall routed = f.route();
    EXPECT_EQ("pinned", routed.reason);
    EXPECT_TRUE(routed.target.pinned);
    EXPECT_EQ(name, routed.target.upstream->name);
    EXPECT_EQ(f.target.tier, routed.target.tier);
    EXPECT_FALSE(routed.decision);
    EXPECT_FALSE(routed.prediction);
    EXPECT_EQ(0, routed.required_context);
    EXPECT_EQ(StepType::tool, routed.step);
  }
}

TEST(RouteCall, AliasWithoutAModelGoesToTheDefaultTier) {
  for (const bool with_policy : {true, false}) {
    SCOPED_TRACE(with_policy ? "policy" : "no policy");
    RouteFixture f;
    f.with_model = false;
    f.with_policy = with_policy;
    const RoutedCall routed = f.route();
    EXPECT_EQ("default_tier", routed.reason);
    EXPECT_EQ("mid", routed.target.tier);
    EXPECT_EQ("medium", routed.target.upstream->name);
    EXPECT_FALSE(routed.target.pinned);
    ASSERT_TRUE(routed.decision);
    EXPECT_EQ(1u, routed.decision->chosen);
    EXPECT_FALSE(routed.prediction);
    EXPECT_EQ(StepType::act, routed.step);
  }
}

/** One route_call scenario: edit the fixture, expect a tier, a reason and a step. */
struct Case {
  const char* name;
  std::function<void(RouteFixture&)> edit;
  const char* tier;
  const char* reason;
  StepType step;
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RouteFixture f;
    c.edit(f);
    const RoutedCall routed = f.route();
    EXPECT_EQ(c.tier, routed.target.tier);
    ASSERT_NE(nullptr, routed.target.upstream);
    EXPECT_EQ(
        c.tier,
        f.cfg.tiers[static_cast<std::size_t>(f.cfg.tier_of(routed.target.upstream->name))].name);
    EXPECT_EQ(c.reason, routed.reason);
    EXPECT_EQ(to_string(c.step), to_string(routed.step));
  }
}

TEST(RouteCall, TheModelAndLambdaPickTheTier) {
  run({
      {"lambda 0", [](RouteFixture& f) { f.policy.routing.lambda = 0; }, "premium", "utility",
       StepType::act},
      {"lambda 45", [](RouteFixture& f) { f.policy.routing.lambda = 45; }, "mid", "utility",
       StepType::act},
      {"lambda 100", [](RouteFixture& f) { f.policy.routing.lambda = 100; }, "cheap", "utility",
       StepType::act},
      // Without a policy: lambda 0, default inference.
      {"no policy", [](RouteFixture& f) { f.with_policy = false; }, "premium", "utility",
       StepType::act},
  });
}

TEST(RouteCall, StepRulesAndExplicitSteps) {
  const auto plan_on_premium = [](RouteFixture& f) {
    f.policy.routing.lambda = 100;  // the utility alone picks cheap
    f.policy.routing.steps[static_cast<std::size_t>(StepType::plan)].min_tier = "premium";
  };
  run({
      {"explicit plan",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.ref.step = StepType::plan;
       },
       "premium", "utility+step_min_tier", StepType::plan},
      // The tool result would infer `tool`; the header says plan, and wins.
      {"explicit step beats inference",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.body = kToolResult;
         f.ref.step = StepType::plan;
       },
       "premium", "utility+step_min_tier", StepType::plan},
      {"inferred tool step",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.body = kToolResult;
       },
       "cheap", "utility", StepType::tool},
      // A first_call rule makes the task's first call a plan.
      {"first call inferred as plan",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.policy.routing.infer_steps = {{StepSignal::first_call, StepType::plan}};
         f.ref.task = "t-1";
       },
       "premium", "utility+step_min_tier", StepType::plan},
      {"a brief with no calls is still the first call",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.policy.routing.infer_steps = {{StepSignal::first_call, StepType::plan}};
         f.ref.task = "t-1";
         f.brief = TaskBrief{};
       },
       "premium", "utility+step_min_tier", StepType::plan},
      {"second call is not",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.policy.routing.infer_steps = {{StepSignal::first_call, StepType::plan}};
         f.ref.task = "t-1";
         f.brief = TaskBrief{.calls = 1};
       },
       "cheap", "utility", StepType::act},
      // A call without a task id is no task's first call.
      {"one-step call is not",
       [&](RouteFixture& f) {
         plan_on_premium(f);
         f.policy.routing.infer_steps = {{StepSignal::first_call, StepType::plan}};
       },
       "cheap", "utility", StepType::act},
      {"max tier caps",
       [](RouteFixture& f) {
         f.policy.routing.steps[static_cast<std::size_t>(StepType::act)].max_tier = "mid";
       },
       "mid", "utility+step_max_tier", StepType::act},
  });
}

TEST(RouteCall, RecoveryFromTheTaskBrief) {
  run({
      {"failed on cheap",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief =
             TaskBrief{.calls = 1, .failures = 1, .last_rank = std::size_t{0}, .last_failed = true};
       },
       "mid", "utility+recovery_upgrade", StepType::act},
      {"failed on mid",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief =
             TaskBrief{.calls = 2, .failures = 1, .last_rank = std::size_t{1}, .last_failed = true};
       },
       "premium", "utility+recovery_upgrade", StepType::act},
      {"succeeded on cheap",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief = TaskBrief{.calls = 1, .last_rank = std::size_t{0}};
       },
       "cheap", "utility", StepType::act},
      // The previous call was pinned off the ladder: nothing to go above.
      {"failed off the ladder",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief = TaskBrief{.calls = 1, .failures = 1, .last_failed = true};
       },
       "cheap", "utility", StepType::act},
      {"explicit retry",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.ref.retry = true;
         f.brief = TaskBrief{.calls = 1, .last_rank = std::size_t{0}};
       },
       "mid", "utility+recovery_upgrade", StepType::act},
      // The same messages as the last call: a retry, though nobody said so.
      {"same messages again",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief =
             TaskBrief{.calls = 1, .last_rank = std::size_t{0}, .last_messages_hash = f.hash()};
       },
       "mid", "utility+recovery_upgrade", StepType::act},
      {"different messages",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.ref.task = "t-1";
         f.brief =
             TaskBrief{.calls = 1, .last_rank = std::size_t{0}, .last_messages_hash = f.hash() + 1};
       },
       "cheap", "utility", StepType::act},
      // Without a task id there is no conversation to repeat.
      {"one-step call with a matching hash",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.brief =
             TaskBrief{.calls = 1, .last_rank = std::size_t{0}, .last_messages_hash = f.hash()};
       },
       "cheap", "utility", StepType::act},
      // `recovery: false` (the prompt router alone): neither a failure nor a retry moves it.
      {"recovery off, failed on cheap",
       [](RouteFixture& f) {
         f.policy.routing.lambda = 100;
         f.policy.routing.recovery = false;
         f.ref.task = "t-1";
         f.ref.retry = true;
         f.brief =
             TaskBrief{.calls = 1, .failures = 1, .last_rank = std::size_t{0}, .last_failed = true};
       },
       "cheap", "utility", StepType::act},
  });
}

TEST(RouteCall, BudgetLeftKeepsItCheap) {
  const auto budgeted = [](RouteFixture& f) {
    f.policy.routing.lambda = 0;  // the utility alone picks premium
    f.policy.task.total_dollars = MicroUsd{1'000'000};
    f.ref.task = "t-1";
  };
  run({
      {"whole budget left", [&](RouteFixture& f) { budgeted(f); }, "premium", "utility",
       StepType::act},
      {"plenty left",
       [&](RouteFixture& f) {
         budgeted(f);
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.01};
       },
       "premium", "utility", StepType::act},
      // Premium's worst case 0.0007975 is above 0.0005; mid's 0.000319 fits.
      {"premium unaffordable",
       [&](RouteFixture& f) {
         budgeted(f);
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0005};
       },
       "mid", "utility+budget", StepType::act},
      {"only cheap affordable",
       [&](RouteFixture& f) {
         budgeted(f);
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0002};
       },
       "cheap", "utility+budget", StepType::act},
      // 0.0502 left, 0.05 of it the synthesis reserve: an act step may spend 0.0002...
      {"reserve held back",
       [&](RouteFixture& f) {
         budgeted(f);
         f.policy.task.reserve_for_final_synthesis = MicroUsd{50'000};
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0502};
       },
       "cheap", "utility+budget", StepType::act},
      // ...and a summarize step all of it.
      {"reserve for summarize",
       [&](RouteFixture& f) {
         budgeted(f);
         f.policy.task.reserve_for_final_synthesis = MicroUsd{50'000};
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0502};
         f.ref.step = StepType::summarize;
       },
       "premium", "utility", StepType::summarize},
      // The handoff reserve is held back from summarize, too.
      {"handoff reserve held back from summarize",
       [&](RouteFixture& f) {
         budgeted(f);
         f.policy.task.reserve_for_human_handoff = MicroUsd{50'000};
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0502};
         f.ref.step = StepType::summarize;
       },
       "cheap", "utility+budget", StepType::summarize},
      // A policy without a task budget does not budget routing, whatever the brief says.
      {"no task budget",
       [](RouteFixture& f) {
         f.ref.task = "t-1";
         f.brief = TaskBrief{.calls = 3, .last_rank = std::size_t{2}, .budget_left = 0.0002};
       },
       "premium", "utility", StepType::act},
  });
}

TEST(RouteCall, PacedLambdaFromTheBudgetLeft) {
  RouteFixture f;
  f.policy.task.total_dollars = MicroUsd{1'000'000};
  f.policy.routing.pacing = config::Pacing{8, 0.1};
  f.ref.task = "t-1";
  f.brief = TaskBrief{.calls = 2, .last_rank = std::size_t{2}, .budget_left = 0.02};
  const RoutedCall routed = f.route();
  ASSERT_TRUE(routed.decision);
  ASSERT_TRUE(routed.decision->allowance);
  // Call 2 of 8: 6 steps left, 5 cheapest finishes (0.0003096 each) kept back.
  const double allowance = (0.02 - 5 * 0.0003096) / 6;
  EXPECT_NEAR(allowance, *routed.decision->allowance, 1e-12);
  EXPECT_NEAR(0.1 / allowance, routed.decision->lambda, 1e-9);
  // lambda 32.5 is just above 32.3: mid.
  EXPECT_EQ("mid", routed.target.tier);

  // Less left, higher lambda, cheaper.
  f.brief->budget_left = 0.01;
  const RoutedCall poorer = f.route();
  EXPECT_GT(poorer.decision->lambda, routed.decision->lambda);
  EXPECT_EQ("cheap", poorer.target.tier);
}

TEST(RouteCall, PacingLearnsHowLongThePolicysTasksAre) {
  RouteFixture f;
  f.policy.name = "p";
  f.policy.task.total_dollars = MicroUsd{1'000'000};
  f.policy.routing.pacing = config::Pacing{8, 0.1};
  f.ref.task = "t-1";
  f.brief = TaskBrief{.calls = 2, .last_rank = std::size_t{2}, .budget_left = 0.02};
  TaskLengths lengths;
  f.lengths = &lengths;
  // Nothing learned yet: the policy's 8 steps, as above.
  EXPECT_NEAR((0.02 - 5 * 0.0003096) / 6, *f.route().decision->allowance, 1e-12);
  // Thirty tasks of this policy finished in 4 steps: (10 * 8 + 30 * 4) / 40 = 5 expected, so
  // call 2 has 3 steps left and keeps 2 cheapest finishes back.
  for (int i = 0; i < 30; ++i) {
    lengths.record_finished("p", 4);
  }
  EXPECT_NEAR((0.02 - 2 * 0.0003096) / 3, *f.route().decision->allowance, 1e-12);
  // Another policy's tasks teach this one nothing.
  f.policy.name = "other";
  EXPECT_NEAR((0.02 - 5 * 0.0003096) / 6, *f.route().decision->allowance, 1e-12);
}

}  // namespace
}  // namespace governor::server
