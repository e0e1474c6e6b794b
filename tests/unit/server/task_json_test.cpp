#include "task_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace governor::server {
namespace {

using nlohmann::json;

config::TaskBudget policy_budget() {
  config::TaskBudget b;
  b.total_dollars = MicroUsd{1'000'000};
  b.max_output_tokens = 4096;
  b.reserve_for_final_synthesis = MicroUsd{50'000};
  b.hard_stop_after_retries = 3;
  return b;
}

TEST(Iso8601, RendersUtcWithMilliseconds) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc(1'795'364'675'007), "2026-11-22T16:24:35.007Z");
}

TEST(TaskJson, HasTheTraceCardFieldsWithExactDollars) {
  ledger::TaskView v;
  v.id = "t-1";
  v.session = "s-1";
  v.policy = "default";
  v.budget = policy_budget();
  v.task = {MicroUsd{1'000'000}, MicroUsd{123'456}, MicroUsd{7}, MicroUsd{876'537}};
  v.retries = 1;
  ledger::StepView step;
  step.time_unix_ms = 0;
  step.step = StepType::plan;
  step.model = "sim-small";
  step.tier = "cheap";
  step.usage = {10, 20};
  step.cost = MicroUsd{123'456};
  step.outcome = "ok";
  step.decision = R"({"chosen":"cheap","lambda":30.0,"candidates":[]})";
  v.steps.push_back(step);
  ledger::StepView pinned = step;
  pinned.decision.clear();
  pinned.cost = MicroUsd{0};
  v.steps.push_back(pinned);
  const json j = task_json(v);
  EXPECT_EQ(j["id"], "t-1");
  EXPECT_EQ(j["budget"]["total_dollars"].dump(), "1.0");
  EXPECT_EQ(j["budget"]["reserve_for_final_synthesis"].dump(), "0.05");
  EXPECT_EQ(j["budget"]["max_input_tokens"], nullptr);
  EXPECT_EQ(j["spent_usd"].dump(), "0.123456");
  EXPECT_EQ(j["reserved_usd"].dump(), "7e-06");
  EXPECT_EQ(j["remaining_usd"].dump(), "0.876537");
  EXPECT_EQ(j["scopes"]["session"]["limit_usd"], nullptr);
  ASSERT_EQ(j["steps"].size(), 2u);
  EXPECT_EQ(j["steps"][0]["decision"]["chosen"], "cheap");
  EXPECT_EQ(j["steps"][0]["decision"]["lambda"], 30.0);
  EXPECT_EQ(j["steps"][0]["cost_share"], 1.0);
  EXPECT_EQ(j["steps"][1]["decision"], nullptr);
  EXPECT_EQ(j["steps"][1]["cost_share"], 0.0);
  EXPECT_EQ(j["steps"][0]["step"], "plan");
  EXPECT_EQ(j["steps"][0]["model"], "sim-small");
  EXPECT_EQ(j["steps"][0]["output_tokens"], 20);
  EXPECT_EQ(j["steps"][0]["cost_usd"].dump(), "0.123456");
  EXPECT_EQ(j["steps"][0]["time"], "1970-01-01T00:00:00.000Z");
}

TEST(ParseTaskBudget, TighterFieldsReplaceThePolicys) {
  const auto b = parse_task_budget(json{{"total_dollars", 0.05}, {"max_output_tokens", 512}},
                                   policy_budget(), "default");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->total_dollars, MicroUsd{50'000});
  EXPECT_EQ(b->max_output_tokens, 512);
  EXPECT_EQ(b->reserve_for_final_synthesis, MicroUsd{50'000});  // kept from the policy
}

struct BadBudgetCase {
  std::string name;
  json budget;
  std::string param;
};

std::ostream& operator<<(std::ostream& os, const BadBudgetCase& c) {
  return os << c.name;
}

class ParseTaskBudgetRefuses : public ::testing::TestWithParam<BadBudgetCase> {};

TEST_P(ParseTaskBudgetRefuses, NamingTheField) {
  const auto& c = GetParam();
  const auto b = parse_task_budget(c.budget, policy_budget(), "default");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().status, 400u);
  EXPECT_EQ(b.error().param, c.param) << b.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseTaskBudgetRefuses,
    ::testing::Values(
        BadBudgetCase{"not_an_object", json::array(), "budget"},
        BadBudgetCase{"looser_total", json{{"total_dollars", 2}}, "budget.total_dollars"},
        BadBudgetCase{"negative_total", json{{"total_dollars", -1}}, "budget.total_dollars"},
        BadBudgetCase{"sub_micro_dollar", json{{"total_dollars", 0.0000001}},
                      "budget.total_dollars"},
        BadBudgetCase{"string_total", json{{"total_dollars", "0.1"}}, "budget.total_dollars"},
        BadBudgetCase{"looser_output", json{{"max_output_tokens", 10000}},
                      "budget.max_output_tokens"},
        BadBudgetCase{"zero_output", json{{"max_output_tokens", 0}}, "budget.max_output_tokens"},
        BadBudgetCase{"more_retries", json{{"hard_stop_after_retries", 9}},
                      "budget.hard_stop_after_retries"},
        BadBudgetCase{"unknown_field", json{{"dollars", 1}}, "budget.dollars"},
        BadBudgetCase{"reserves_exceed_total",
                      json{{"total_dollars", 0.06}, {"reserve_for_human_handoff", 0.02}},
                      "budget.reserve_for_human_handoff"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace governor::server
