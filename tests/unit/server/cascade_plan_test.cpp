// Which calls cascade and up which tiers, on a three-tier config.
#include "cascade_plan.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

config::UpstreamConfig cascade_upstream(const std::string& name, std::int64_t context) {
  config::UpstreamConfig up;
  up.name = name;
  up.model = name;
  up.context_window = context;
  return up;
}

config::GatewayConfig cascade_tiers() {
  config::GatewayConfig cfg;
  cfg.upstreams = {cascade_upstream("small", 16'000), cascade_upstream("medium", 128'000),
                   cascade_upstream("large", 200'000)};
  cfg.tiers = {{"cheap", {"small"}}, {"mid", {"medium"}}, {"premium", {"large"}}};
  return cfg;
}

config::Policy cascading(StepType step, const std::string& max_tier = "") {
  config::Policy policy;
  policy.name = "p";
  auto& rule = policy.routing.steps[static_cast<std::size_t>(step)];
  rule.cascade = true;
  rule.max_tier = max_tier;
  rule.accept.max_uncertainty = 0.3;
  return policy;
}

std::vector<std::string> rung_tiers(const std::optional<CascadePlan>& plan) {
  std::vector<std::string> tiers;
  if (plan) {
    for (const CascadeRung& rung : plan->rungs) {
      tiers.push_back(rung.tier);
    }
  }
  return tiers;
}

TEST(PlanCascade, ClimbsEveryTierAboveTheFirstAttempt) {
  const auto cfg = cascade_tiers();
  const auto policy = cascading(StepType::act);
  const auto plan = plan_cascade({cfg, &policy, StepType::act, false, false, 0, 1000});
  ASSERT_TRUE(plan);
  EXPECT_EQ(rung_tiers(plan), (std::vector<std::string>{"mid", "premium"}));
  EXPECT_EQ(plan->rungs[1].rank, 2u);
  EXPECT_EQ(plan->rungs[1].upstream->name, "large");
  EXPECT_EQ(plan->rule.max_uncertainty, 0.3);
  EXPECT_EQ(rung_tiers(plan_cascade({cfg, &policy, StepType::act, false, false, 1, 1000})),
            (std::vector<std::string>{"premium"}));
}

TEST(PlanCascade, StopsAtTheStepsMaxTier) {
  const auto cfg = cascade_tiers();
  const auto policy = cascading(StepType::act, "mid");
  EXPECT_EQ(rung_tiers(plan_cascade({cfg, &policy, StepType::act, false, false, 0, 1000})),
            (std::vector<std::string>{"mid"}));
  EXPECT_FALSE(plan_cascade({cfg, &policy, StepType::act, false, false, 1, 1000}))
      << "already at the step's max tier: nothing to escalate to";
}

TEST(PlanCascade, SkipsATierWhoseContextCannotHoldTheRequest) {
  auto cfg = cascade_tiers();
  cfg.upstreams[1].context_window = 8'000;
  const auto policy = cascading(StepType::act);
  EXPECT_EQ(rung_tiers(plan_cascade({cfg, &policy, StepType::act, false, false, 0, 10'000})),
            (std::vector<std::string>{"premium"}));
}

TEST(PlanCascade, NoCascadeForOtherStepsPinnedCallsTheTopTierOrNoPolicy) {
  const auto cfg = cascade_tiers();
  const auto policy = cascading(StepType::act);
  EXPECT_FALSE(plan_cascade({cfg, &policy, StepType::plan, false, false, 0, 1000}));
  EXPECT_FALSE(plan_cascade({cfg, &policy, StepType::act, true, false, 0, 1000}));
  EXPECT_FALSE(plan_cascade({cfg, &policy, StepType::act, false, false, 2, 1000}));
  EXPECT_FALSE(plan_cascade({cfg, nullptr, StepType::act, false, false, 0, 1000}));
}

TEST(PlanCascade, StreamsCascadeUnlessThePolicyKeepsThemOut) {
  const auto cfg = cascade_tiers();
  auto policy = cascading(StepType::act);
  EXPECT_TRUE(plan_cascade({cfg, &policy, StepType::act, false, true, 0, 1000}));
  policy.routing.cascade_streams = false;
  EXPECT_FALSE(plan_cascade({cfg, &policy, StepType::act, false, true, 0, 1000}));
  EXPECT_TRUE(plan_cascade({cfg, &policy, StepType::act, false, false, 0, 1000}));
}

}  // namespace
}  // namespace governor::server
