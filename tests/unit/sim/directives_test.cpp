#include "sim/directives.hpp"

#include <gtest/gtest.h>

namespace governor::sim {
namespace {

TEST(Directives, ParsesEveryKey) {
  Directive d;
  ASSERT_FALSE(parse_directive(
      "status=429 retry_after=3 fail_times=2 only_model=m delay_ms=10 ttft_ms=20 tps=7.5 "
      "tokens=9 reasoning_tokens=11 stall_after=1 stall_ms=30 reset_after=4 malformed=1 "
      "close_after_response=true "
      "no_usage=0 success=0.25",
      d));
  EXPECT_EQ(d.status, 429U);
  EXPECT_EQ(d.retry_after_s, 3U);
  EXPECT_EQ(d.fail_times, 2U);
  EXPECT_EQ(d.only_model, "m");
  EXPECT_EQ(d.delay_ms, 10U);
  EXPECT_EQ(d.ttft_ms, 20U);
  EXPECT_EQ(d.tps, 7.5);
  EXPECT_EQ(d.tokens, 9U);
  EXPECT_EQ(d.reasoning_tokens, 11U);
  EXPECT_EQ(d.stall_after, 1U);
  EXPECT_EQ(d.stall_ms, 30U);
  EXPECT_EQ(d.reset_after, 4U);
  EXPECT_EQ(d.malformed, true);
  EXPECT_EQ(d.close_after_response, true);
  EXPECT_EQ(d.no_usage, false);
  EXPECT_EQ(d.success, 0.25);
}

TEST(Directives, RejectsUnknownKeysAndBadValuesNamingThem) {
  Directive d;
  const auto unknown = parse_directive("statsu=500", d);
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->message.find("'statsu'"), std::string::npos);
  for (const char* bad :
       {"status=99", "status=600", "status=5x", "tps=-1", "malformed=yes", "tokens=", "=3",
        "status", "success=1.5", "success=-0.1", "success=nan"}) {
    Directive ignored;
    EXPECT_TRUE(parse_directive(bad, ignored)) << bad;
  }
}

TEST(Directives, ScansAllBlocksAndSkipsLookalikes) {
  std::vector<Directive> found;
  ASSERT_FALSE(
      scan_directives("a [[sim status=500]] b [[simulate]] c [[sim]] d [[sim\ttokens=2 ]]", found));
  ASSERT_EQ(found.size(), 3U);
  EXPECT_EQ(found[0].status, 500U);
  EXPECT_EQ(found[1], Directive{});
  EXPECT_EQ(found[2].tokens, 2U);
  std::vector<Directive> unterminated;
  EXPECT_TRUE(scan_directives("[[sim status=500", unterminated));
}

TEST(Directives, SuccessIsPerModelAndNotAFault) {
  std::vector<Directive> directives(2);
  directives[0].success = 0.2;
  directives[0].only_model = "sim-small";
  directives[1].success = 0.9;
  directives[1].only_model = "sim-large";
  FaultPlan small;
  ASSERT_FALSE(plan_faults(directives, "sim-small", small));
  EXPECT_EQ(small.success, 0.2);
  EXPECT_FALSE(small.has_faults());
  small.clear_faults();
  EXPECT_EQ(small.success, 0.2);
  FaultPlan large;
  ASSERT_FALSE(plan_faults(directives, "sim-large", large));
  EXPECT_EQ(large.success, 0.9);
  FaultPlan other;
  ASSERT_FALSE(plan_faults(directives, "sim-medium", other));
  EXPECT_FALSE(other.success);
}

TEST(Directives, PlanMergesDirectivesForTheModel) {
  std::vector<Directive> directives(3);
  directives[0].status = 500;
  directives[0].only_model = "a";
  directives[1].tokens = 4;
  directives[2].status = 503;
  directives[2].only_model = "b";
  FaultPlan plan;
  ASSERT_FALSE(plan_faults(directives, "a", plan));
  EXPECT_EQ(plan.status, 500U);
  EXPECT_EQ(plan.tokens, 4U);
  ASSERT_FALSE(plan_faults(directives, "c", plan));
  EXPECT_FALSE(plan.status);
  EXPECT_FALSE(plan.has_faults());
  ASSERT_FALSE(plan_faults(directives, "b", plan));
  EXPECT_EQ(plan.status, 503U);
  plan.clear_faults();
  EXPECT_FALSE(plan.has_faults());
  EXPECT_EQ(plan.tokens, 4U) << "pacing overrides survive clear_faults";
}

TEST(Directives, PlanChecksCombinations) {
  std::vector<Directive> directives(1);
  directives[0].retry_after_s = 1;
  FaultPlan plan;
  EXPECT_TRUE(plan_faults(directives, "m", plan));
  directives[0] = Directive{};
  directives[0].stall_ms = 10;
  EXPECT_TRUE(plan_faults(directives, "m", plan));
}

}  // namespace
}  // namespace governor::sim
