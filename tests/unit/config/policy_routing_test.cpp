// A policy's routing section: every value, the defaults, the model path resolved against the
// policy file, every error at its file, line and field; and the step rules' tier names checked
// against the gateway config.
#include <gtest/gtest.h>

#include <filesystem>

#include "config_test_support.hpp"
#include "governor/config/policy_loader.hpp"

namespace governor::config {
namespace {

using testing::dump;

/** A routing section using every key but `model` (whose file must exist; the tests that need it
 *  write one). Keep the layout: expected lines are computed from the text. */
constexpr std::string_view kRoutingPolicy = R"(name: p
task:
  total_dollars: 1.00
routing:
  lambda: 2.5
  expected_output_tokens: 300
  steps:
    plan: {min_tier: premium}
    act:
      min_tier: cheap
      max_tier: mid
      cascade: true
      accept: {max_uncertainty: 0.2, max_entropy: 1.5, escalate_on: [uncertainty, truncated]}
  infer_steps:
    - {when: tool_result, step: tool}
    - {when: first_call, step: plan}
    - {when: json_mode, step: verify}
  recovery: false
  cascade_streams: false
)";

PolicyLoadResult load_routing(std::string_view yaml) {
  return load_policy_text(std::string{yaml}, "policies/p.yaml");
}

/** What kRoutingPolicy's routing section says. */
RoutingPolicy expected_routing() {
  RoutingPolicy r;
  r.lambda = 2.5;
  r.expected_output_tokens = 300;
  r.steps[static_cast<std::size_t>(StepType::plan)] = {"premium", "", false};
  AcceptRule accept{0.2, 1.5};
  accept.escalate_on.fill(false);
  accept.escalate_on[static_cast<std::size_t>(EscalationSignal::uncertainty)] = true;
  accept.escalate_on[static_cast<std::size_t>(EscalationSignal::truncated)] = true;
  r.steps[static_cast<std::size_t>(StepType::act)] = {"cheap", "mid", true, accept};
  r.infer_steps = {{StepSignal::tool_result, StepType::tool},
                   {StepSignal::first_call, StepType::plan},
                   {StepSignal::json_mode, StepType::verify}};
  r.recovery = false;
  r.cascade_streams = false;
  return r;
}

std::string absolute_model_path(const std::filesystem::path& path) {
  return std::filesystem::weakly_canonical(path).string();
}

TEST(PolicyRouting, ReadsEveryValue) {
  const PolicyLoadResult result = load_routing(kRoutingPolicy);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const RoutingPolicy& routing = result.policies->policies.at(0).routing;
  EXPECT_EQ(routing, expected_routing());
  EXPECT_EQ(routing.rule(StepType::plan).min_tier, "premium");
  EXPECT_EQ(routing.rule(StepType::act).max_tier, "mid");
  EXPECT_EQ(routing.rule(StepType::tool), StepRouting{});
  EXPECT_FALSE(routing.pacing);
}

TEST(PolicyRouting, ModelPathIsRelativeToThePolicyFile) {
  const testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  std::filesystem::create_directories(dir.path() / "models");
  dir.write("models/router.json", "{}");
  struct Case {
    const char* model;
    std::filesystem::path expected;
  };
  const std::vector<Case> cases{
      {"../models/router.json", dir.path() / "models/router.json"},
      {"./../models/./router.json", dir.path() / "models/router.json"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.model);
    dir.write("policies/p.yaml",
              testing::replaced(std::string{kRoutingPolicy}, "routing:\n",
                                "routing:\n  model: " + std::string{c.model} + "\n"));
    const PolicyLoadResult result = load_policy_dir((dir.path() / "policies").string());
    ASSERT_NE(result.policies, nullptr) << dump(result.errors);
    RoutingPolicy expected = expected_routing();
    expected.model = absolute_model_path(c.expected);
    EXPECT_EQ(result.policies->policies.at(0).routing, expected);
    EXPECT_TRUE(std::filesystem::path{expected.model}.is_absolute());
  }
}

TEST(PolicyRouting, AbsoluteModelPathIsKept) {
  const testing::TempDir dir;
  const std::string model = dir.write("router.json", "{}");
  dir.write("p.yaml", "name: p\nrouting:\n  model: " + model + "\n");
  const PolicyLoadResult result = load_policy_dir(dir.str());
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  EXPECT_EQ(result.policies->policies.at(0).routing.model, absolute_model_path(model));
}

TEST(PolicyRouting, MissingModelFileFailsTheLoad) {
  const testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "models");  // a directory is not a model
  const std::string policy = "name: p\nrouting:\n  lambda: 1\n  model: ";
  for (const char* model : {"router.json", "models"}) {
    SCOPED_TRACE(model);
    dir.write("p.yaml", policy + model + "\n");
    const PolicyLoadResult result = load_policy_dir(dir.str());
    EXPECT_EQ(result.policies, nullptr);
    ASSERT_EQ(result.errors.size(), 1u) << dump(result.errors);
    const ConfigError& error = result.errors[0];
    EXPECT_EQ(error.file, (dir.path() / "p.yaml").string());
    EXPECT_EQ(error.line, 4);
    EXPECT_EQ(error.field, "routing.model");
    EXPECT_EQ(error.message, "model file " + absolute_model_path(dir.path() / model) +
                                 " does not exist (write one with `governor train`)");
  }
}

TEST(PolicyRouting, PacingInsteadOfAFixedLambda) {
  const std::string yaml = testing::replaced(std::string{kRoutingPolicy}, "  lambda: 2.5\n",
                                             "  pacing: {expected_steps: 12, scale: 0.5}\n");
  const PolicyLoadResult result = load_routing(yaml);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const RoutingPolicy& routing = result.policies->policies.at(0).routing;
  ASSERT_TRUE(routing.pacing);
  EXPECT_EQ(*routing.pacing, (Pacing{12, 0.5}));
  EXPECT_EQ(routing.lambda, 0.0);
}

TEST(PolicyRouting, PacingWithALambdaFloor) {
  const std::string yaml = testing::replaced(std::string{kRoutingPolicy}, "  lambda: 2.5\n",
                                             "  lambda: 2.5\n  pacing: {expected_steps: 12}\n");
  const PolicyLoadResult result = load_routing(yaml);
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const RoutingPolicy& routing = result.policies->policies.at(0).routing;
  ASSERT_TRUE(routing.pacing);
  EXPECT_EQ(routing.pacing->expected_steps, 12U);
  EXPECT_EQ(routing.lambda, 2.5);
}

TEST(PolicyRouting, PacingDefaults) {
  const PolicyLoadResult result = load_routing("name: p\nrouting:\n  pacing: {}\n");
  ASSERT_NE(result.policies, nullptr) << dump(result.errors);
  const RoutingPolicy& routing = result.policies->policies.at(0).routing;
  ASSERT_TRUE(routing.pacing);
  EXPECT_EQ(routing.pacing->expected_steps, 8u);
  EXPECT_EQ(routing.pacing->scale, 0.1);
}

TEST(PolicyRouting, DefaultsWhenAbsent) {
  for (const char* text : {"name: p\n", "name: p\nrouting:\n", "name: p\nrouting: {}\n"}) {
    SCOPED_TRACE(text);
    const PolicyLoadResult result = load_routing(text);
    ASSERT_NE(result.policies, nullptr) << dump(result.errors);
    const RoutingPolicy& routing = result.policies->policies.at(0).routing;
    EXPECT_EQ(routing, RoutingPolicy{});
    EXPECT_EQ(routing.model, "");
    EXPECT_EQ(routing.lambda, 0.0);
    EXPECT_FALSE(routing.pacing);
    EXPECT_EQ(routing.expected_output_tokens, 512);
    EXPECT_EQ(routing.infer_steps,
              (std::vector<StepInference>{{StepSignal::tool_result, StepType::tool}}));
    for (const StepType step : kAllStepTypes) {
      EXPECT_EQ(routing.rule(step), StepRouting{});
    }
  }
}

TEST(PolicyRouting, InferStepsReplaceTheDefault) {
  struct Case {
    const char* list;
    std::vector<StepInference> expected;
  };
  const std::vector<Case> cases{
      // The default tool_result rule is gone when not repeated.
      {"[{when: first_call, step: plan}]", {{StepSignal::first_call, StepType::plan}}},
      {"[{when: tool_required, step: tool}, {when: tools_offered, step: act}]",
       {{StepSignal::tool_required, StepType::tool}, {StepSignal::tools_offered, StepType::act}}},
      // Nothing to infer from: every call is `act`.
      {"[]", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.list);
    const PolicyLoadResult result =
        load_routing("name: p\nrouting:\n  infer_steps: " + std::string{c.list} + "\n");
    ASSERT_NE(result.policies, nullptr) << dump(result.errors);
    EXPECT_EQ(result.policies->policies.at(0).routing.infer_steps, c.expected);
  }
}

TEST(PolicyRouting, LambdaAcceptsIntegersAndZero) {
  for (const auto& [text, value] :
       std::vector<std::pair<const char*, double>>{{"0", 0.0}, {"3", 3.0}, {"0.25", 0.25}}) {
    SCOPED_TRACE(text);
    const PolicyLoadResult result =
        load_routing("name: p\nrouting:\n  lambda: " + std::string{text} + "\n");
    ASSERT_NE(result.policies, nullptr) << dump(result.errors);
    EXPECT_EQ(result.policies->policies.at(0).routing.lambda, value);
  }
}

// --- errors ------------------------------------------------------------------------------

struct RoutingCase {
  const char* name;
  const char* from;  ///< snippet of kRoutingPolicy to replace
  const char* to;
  const char* field;
  const char* at;  ///< the expected line is the first line of the edited text containing this
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const RoutingCase& c) {
  return os << c.name;
}

class PolicyRoutingError : public ::testing::TestWithParam<RoutingCase> {};

TEST_P(PolicyRoutingError, IsReportedAtItsLineAndField) {
  const RoutingCase& c = GetParam();
  const std::string yaml = testing::replaced(std::string{kRoutingPolicy}, c.from, c.to);
  const PolicyLoadResult result = load_routing(yaml);
  EXPECT_EQ(result.policies, nullptr);
  const ConfigError* error = testing::error_for(result.errors, c.field);
  ASSERT_NE(error, nullptr) << "no error for " << c.field << "; got:\n" << dump(result.errors);
  EXPECT_EQ(error->file, "policies/p.yaml");
  EXPECT_EQ(error->line, testing::line_containing(yaml, c.at)) << error->to_string();
  EXPECT_NE(error->message.find(c.message), std::string::npos) << error->to_string();
}

// clang-format off
const RoutingCase kRoutingCases[] = {
  // The section and its scalars.
  {"UnknownKeySuggests", "  lambda: 2.5\n", "  lamda: 2.5\n", "routing.lamda", "lamda", "unknown key 'lamda' (expected one of: model, lambda, pacing, expected_output_tokens, steps, infer_steps, recovery, cascade_streams); did you mean 'lambda'?"},
  {"RoutingNotMapping", "routing:\n  lambda: 2.5\n  expected_output_tokens: 300\n  steps:\n    plan: {min_tier: premium}\n    act:\n      min_tier: cheap\n      max_tier: mid\n      cascade: true\n      accept: {max_uncertainty: 0.2, max_entropy: 1.5, escalate_on: [uncertainty, truncated]}\n  infer_steps:\n    - {when: tool_result, step: tool}\n    - {when: first_call, step: plan}\n    - {when: json_mode, step: verify}\n  recovery: false\n  cascade_streams: false\n", "routing: auto\n", "routing", "routing:", "expected a mapping, got 'auto'"},
  {"TopLevelStepsPointToRouting", "routing:\n", "steps:\n  plan: {min_tier: premium}\nrouting:\n", "steps", "steps:", "step rules live under routing.steps"},
  {"LambdaNegative", "lambda: 2.5", "lambda: -1", "routing.lambda", "lambda", "must be between 0 and 1e+09, got -1"},
  {"LambdaWord", "lambda: 2.5", "lambda: high", "routing.lambda", "lambda", "expected a number, got 'high'"},
  {"LambdaList", "lambda: 2.5", "lambda: [2.5]", "routing.lambda", "lambda", "expected a number, got a list"},
  {"LambdaEmpty", "lambda: 2.5", "lambda:", "routing.lambda", "lambda", "expected a number, got nothing"},
  {"LambdaInfinite", "lambda: 2.5", "lambda: inf", "routing.lambda", "lambda", "expected a number, got 'inf'"},
  {"LambdaTrailingText", "lambda: 2.5", "lambda: 2.5x", "routing.lambda", "lambda", "expected a number, got '2.5x'"},
  {"PacingZeroSteps", "  lambda: 2.5\n", "  pacing: {expected_steps: 0}\n", "routing.pacing.expected_steps", "pacing", "must be between 1 and 100000, got 0"},
  {"PacingScaleNegative", "  lambda: 2.5\n", "  pacing:\n    scale: -0.5\n", "routing.pacing.scale", "scale", "must be between 0 and 1e+06, got -0.5"},
  {"PacingUnknownKey", "  lambda: 2.5\n", "  pacing:\n    steps: 8\n", "routing.pacing.steps", "steps: 8", "unknown key 'steps' (expected one of: expected_steps, scale)"},
  {"PacingNotMapping", "  lambda: 2.5\n", "  pacing: 8\n", "routing.pacing", "pacing", "expected a mapping, got '8'"},
  {"ExpectedOutputZero", "expected_output_tokens: 300", "expected_output_tokens: 0", "routing.expected_output_tokens", "expected_output", "must be between 1 and 1000000000, got 0"},
  {"ModelEmpty", "  lambda: 2.5\n", "  model: \"\"\n  lambda: 2.5\n", "routing.model", "model", "must not be empty"},
  {"ModelMissing", "  lambda: 2.5\n", "  model: nowhere/router.json\n  lambda: 2.5\n", "routing.model", "model", "nowhere/router.json does not exist (write one with `governor train`)"},

  // steps.
  {"UnknownStepName", "    plan: {min_tier: premium}\n", "    planning: {min_tier: premium}\n", "routing.steps.planning", "planning", "unknown key 'planning' (expected one of: plan, act, tool, verify, summarize, handoff)"},
  {"StepsNotMapping", "  steps:\n    plan: {min_tier: premium}\n    act:\n      min_tier: cheap\n      max_tier: mid\n      cascade: true\n      accept: {max_uncertainty: 0.2, max_entropy: 1.5, escalate_on: [uncertainty, truncated]}\n", "  steps: [plan]\n", "routing.steps", "steps", "expected a mapping, got a list"},
  {"MinTierEmpty", "min_tier: cheap", "min_tier: ''", "routing.steps.act.min_tier", "min_tier: ''", "must not be empty"},
  {"MaxTierNotString", "max_tier: mid", "max_tier: [mid]", "routing.steps.act.max_tier", "max_tier", "expected a string, got a list"},
  {"StepRuleUnknownKeySuggests", "max_tier: mid", "max_teir: mid", "routing.steps.act.max_teir", "max_teir", "did you mean 'max_tier'?"},
  {"RecoveryNotBool", "recovery: false", "recovery: maybe", "routing.recovery", "recovery", "expected true or false, got 'maybe'"},
  {"AcceptUncertaintyAboveOne", "max_uncertainty: 0.2", "max_uncertainty: 1.2", "routing.steps.act.accept.max_uncertainty", "max_uncertainty", "must be between 0 and 1, got 1.2"},
  {"AcceptUnknownKey", "max_entropy: 1.5", "max_entropy: 1.5, max_tokens: 3", "routing.steps.act.accept.max_tokens", "max_tokens", "unknown key 'max_tokens' (expected one of: max_uncertainty, max_entropy, escalate_on)"},
  {"EscalateOnUnknownSignal", "escalate_on: [uncertainty, truncated]", "escalate_on: [uncertainty, truncation]", "routing.steps.act.accept.escalate_on[1]", "escalate_on", "expected one of uncertainty, entropy, malformed_tool_call, invalid_json, truncated, content_filter, empty, refusal, stream_broken, upstream_error, got 'truncation'"},
  {"EscalateOnNotList", "escalate_on: [uncertainty, truncated]", "escalate_on: truncated", "routing.steps.act.accept.escalate_on", "escalate_on", "expected a list, got 'truncated'"},
  {"CascadeStreamsNotBool", "cascade_streams: false", "cascade_streams: never", "routing.cascade_streams", "cascade_streams", "expected true or false, got 'never'"},
  {"CascadeNotBool", "cascade: true", "cascade: sometimes", "routing.steps.act.cascade", "cascade", "expected true or false, got 'sometimes'"},

  // infer_steps.
  {"BadWhen", "{when: first_call, step: plan}", "{when: sometimes, step: plan}", "routing.infer_steps[1].when", "sometimes", "expected first_call, tool_result, tools_offered, tool_required or json_mode, got 'sometimes'"},
  {"BadStep", "{when: first_call, step: plan}", "{when: first_call, step: think}", "routing.infer_steps[1].step", "think", "expected plan, act, tool, verify, summarize or handoff, got 'think'"},
  {"MissingWhen", "{when: first_call, step: plan}", "{step: plan}", "routing.infer_steps[1].when", "{step: plan}", "required key 'when' is missing"},
  {"MissingStep", "{when: json_mode, step: verify}", "{when: json_mode}", "routing.infer_steps[2].step", "{when: json_mode}", "required key 'step' is missing"},
  {"InferUnknownKey", "{when: tool_result, step: tool}", "{when: tool_result, step: tool, tier: cheap}", "routing.infer_steps[0].tier", "step: tool, tier", "unknown key 'tier' (expected one of: when, step)"},
  {"InferItemNotMapping", "{when: tool_result, step: tool}", "tool_result", "routing.infer_steps[0]", "- tool_result", "expected a mapping, got 'tool_result'"},
  {"InferStepsNotList", "  infer_steps:\n    - {when: tool_result, step: tool}\n    - {when: first_call, step: plan}\n    - {when: json_mode, step: verify}\n", "  infer_steps: tool\n", "routing.infer_steps", "infer_steps", "expected a list, got 'tool'"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Routing, PolicyRoutingError, ::testing::ValuesIn(kRoutingCases),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(PolicyRouting, EveryRoutingErrorIsCollectedInLineOrder) {
  std::string yaml = testing::replaced(std::string{kRoutingPolicy}, "lambda: 2.5", "lambda: -2");
  yaml = testing::replaced(yaml, "min_tier: cheap", "min_tier: ''");
  yaml = testing::replaced(yaml, "step: plan}", "step: think}");
  const PolicyLoadResult result = load_routing(yaml);
  std::vector<std::pair<int, std::string>> got;
  for (const ConfigError& e : result.errors) {
    got.emplace_back(e.line, e.field);
  }
  const std::vector<std::pair<int, std::string>> expected = {
      {5, "routing.lambda"},
      {10, "routing.steps.act.min_tier"},
      {16, "routing.infer_steps[1].step"},
  };
  EXPECT_EQ(got, expected) << dump(result.errors);
}

// --- step rules against the config's tiers -----------------------------------------------

GatewayConfig three_tiers() {
  GatewayConfig config;
  config.source = "gateway.yaml";
  config.tiers = {{"cheap", {"small"}}, {"mid", {"medium"}}, {"premium", {"large"}}};
  return config;
}

std::vector<ConfigError> check(const GatewayConfig& config, const std::string& yaml) {
  const PolicyLoadResult result = load_routing(yaml);
  EXPECT_NE(result.policies, nullptr) << dump(result.errors);
  if (result.policies == nullptr) {
    return {};
  }
  return check_policies_against_config(config, *result.policies);
}

TEST(PolicyRoutingTiers, KnownTiersInOrderHaveNoErrors) {
  EXPECT_EQ(check(three_tiers(), std::string{kRoutingPolicy}), std::vector<ConfigError>{});
  // Equal min and max is a pin to one tier, not an inversion.
  EXPECT_EQ(check(three_tiers(),
                  "name: p\nrouting:\n  steps:\n    act: {min_tier: mid, "
                  "max_tier: mid}\n"),
            std::vector<ConfigError>{});
}

TEST(PolicyRoutingTiers, UnknownTierIsNamedAtItsField) {
  const std::string yaml =
      testing::replaced(std::string{kRoutingPolicy}, "{min_tier: premium}", "{min_tier: premuim}");
  const std::vector<ConfigError> errors = check(three_tiers(), yaml);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].to_string(),
            "policies/p.yaml:8: routing.steps.plan.min_tier: tier 'premuim' is not defined "
            "(defined: cheap, mid, premium); did you mean 'premium'?");
}

TEST(PolicyRoutingTiers, UnknownMaxTierAloneIsOneError) {
  const std::string yaml =
      testing::replaced(std::string{kRoutingPolicy}, "max_tier: mid", "max_tier: top");
  const std::vector<ConfigError> errors = check(three_tiers(), yaml);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].field, "routing.steps.act.max_tier");
  EXPECT_EQ(errors[0].line, testing::line_containing(yaml, "max_tier: top"));
  EXPECT_NE(errors[0].message.find("tier 'top' is not defined"), std::string::npos);
}

TEST(PolicyRoutingTiers, MinAboveMaxIsAnError) {
  std::string yaml =
      testing::replaced(std::string{kRoutingPolicy}, "min_tier: cheap", "min_tier: premium");
  yaml = testing::replaced(yaml, "max_tier: mid", "max_tier: cheap");
  const std::vector<ConfigError> errors = check(three_tiers(), yaml);
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].to_string(),
            "policies/p.yaml:10: routing.steps.act.min_tier: min_tier 'premium' is above "
            "max_tier 'cheap' (tiers are ordered cheapest first)");
}

TEST(PolicyRoutingTiers, ConfigWithoutThoseTiersSaysWhatItHas) {
  GatewayConfig config = three_tiers();
  config.tiers.erase(config.tiers.begin() + 2);  // no premium
  const std::vector<ConfigError> errors = check(config, std::string{kRoutingPolicy});
  ASSERT_EQ(errors.size(), 1u) << dump(errors);
  EXPECT_EQ(errors[0].field, "routing.steps.plan.min_tier");
  EXPECT_EQ(errors[0].message, "tier 'premium' is not defined (defined: cheap, mid)");
}

}  // namespace
}  // namespace governor::config
