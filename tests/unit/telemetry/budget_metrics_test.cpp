// Budget refusals and clamps by scope and reason; escalations (none until cascades land).
#include "metrics_fixture.hpp"

namespace governor::telemetry {
namespace {

TEST_F(MetricsTest, RefusalsByScopeAndReason) {
  metrics.on_budget_refusal("task", "budget_exhausted");
  metrics.on_budget_refusal("task", "budget_exhausted");
  metrics.on_budget_refusal("tenant_day", "budget_exhausted");
  metrics.on_budget_refusal("task", "retry_limit");
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_budget_refusals_total",
                         {{"scope", "task"}, {"reason", "budget_exhausted"}}),
            2);
  EXPECT_EQ(metric_value(t, "governor_budget_refusals_total",
                         {{"scope", "tenant_day"}, {"reason", "budget_exhausted"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_budget_refusals_total",
                         {{"scope", "task"}, {"reason", "retry_limit"}}),
            1);
}

TEST_F(MetricsTest, ClampsByScopeAndReason) {
  metrics.on_budget_clamp("session", "max_tokens");
  metrics.on_budget_clamp("task", "degraded");
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_budget_clamps_total",
                         {{"scope", "session"}, {"reason", "max_tokens"}}),
            1);
  EXPECT_EQ(
      metric_value(t, "governor_budget_clamps_total", {{"scope", "task"}, {"reason", "degraded"}}),
      1);
  EXPECT_EQ(metric_sum(t, "governor_budget_refusals_total"), 0);
}

TEST_F(MetricsTest, EscalationsAreDeclaredBeforeAnyHappen) {
  const std::string before = text();
  EXPECT_NE(before.find("# TYPE governor_escalations_total counter"), std::string::npos);
  for (const std::string_view reason : kEscalationReasons) {
    EXPECT_EQ(metric_value(before, "governor_escalations_total", {{"reason", std::string(reason)}}),
              0)
        << reason;
  }
  metrics.on_escalation("malformed_tool_call");
  EXPECT_EQ(metric_value(text(), "governor_escalations_total", {{"reason", "malformed_tool_call"}}),
            1);
}

}  // namespace
}  // namespace governor::telemetry
