// Requests, tokens, spend and the latency histograms for each kind of call.
#include "metrics_fixture.hpp"

namespace governor::telemetry {
namespace {

TEST_F(MetricsTest, PlainCallCountsRequestTokensSpendAndTimings) {
  metrics.on_call_finished(ok_call());
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_requests_total",
                         {{"route", "auto"},
                          {"tier", "cheap"},
                          {"model", "cheap-up"},
                          {"step", "act"},
                          {"outcome", "ok"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_input_tokens_total", {{"model", "cheap-up"}}), 100);
  EXPECT_EQ(metric_value(t, "governor_output_tokens_total", {{"model", "cheap-up"}}), 40);
  EXPECT_DOUBLE_EQ(
      *metric_value(t, "governor_spend_usd_total", {{"tenant", "acme"}, {"model", "cheap-up"}}),
      0.00125);
  // Overhead is total minus the upstream wait: 5 ms, in the (0.0025, 0.005] bucket.
  EXPECT_EQ(metric_value(t, "governor_gateway_overhead_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_gateway_overhead_seconds_sum"), 0.005);
  EXPECT_EQ(metric_value(t, "governor_gateway_overhead_seconds_bucket", {{"le", "0.0025"}}), 0);
  EXPECT_EQ(metric_value(t, "governor_gateway_overhead_seconds_bucket", {{"le", "0.005"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_latency_seconds_bucket",
                         {{"upstream", "cheap-up"}, {"le", "0.05"}}),
            0);
  EXPECT_EQ(metric_value(t, "governor_upstream_latency_seconds_bucket",
                         {{"upstream", "cheap-up"}, {"le", "0.1"}}),
            1);
  EXPECT_DOUBLE_EQ(
      *metric_value(t, "governor_upstream_latency_seconds_sum", {{"upstream", "cheap-up"}}), 0.075);
  EXPECT_EQ(metric_value(t, "governor_decision_seconds_count"), 1);
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_decision_seconds_sum"), 0.000003);
  EXPECT_EQ(metric_value(t, "governor_call_spend_usd_count"), 1);
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_call_spend_usd_sum"), 0.00125);
  // Not a stream, not a task's last step.
  EXPECT_EQ(
      metric_value(t, "governor_time_to_first_token_seconds_count", {{"upstream", "cheap-up"}}), 0);
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_count"), 0);
  // The other upstream's series exist from the start, at zero.
  EXPECT_EQ(metric_value(t, "governor_input_tokens_total", {{"model", "strong-up"}}), 0);
}

TEST_F(MetricsTest, RepeatedCallsAddUp) {
  for (int n = 0; n < 3; ++n) {
    metrics.on_call_finished(ok_call());
  }
  const std::string t = text();
  EXPECT_EQ(metric_sum(t, "governor_requests_total"), 3);
  EXPECT_EQ(metric_value(t, "governor_input_tokens_total", {{"model", "cheap-up"}}), 300);
  EXPECT_DOUBLE_EQ(
      *metric_value(t, "governor_spend_usd_total", {{"tenant", "acme"}, {"model", "cheap-up"}}),
      0.00375);
}

TEST_F(MetricsTest, StreamedCallObservesTimeToFirstToken) {
  CallOutcome c = ok_call();
  c.first_token = microseconds{120'000};
  metrics.on_call_finished(c);
  const std::string t = text();
  EXPECT_EQ(
      metric_value(t, "governor_time_to_first_token_seconds_count", {{"upstream", "cheap-up"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_time_to_first_token_seconds_bucket",
                         {{"upstream", "cheap-up"}, {"le", "0.1"}}),
            0);
  EXPECT_EQ(metric_value(t, "governor_time_to_first_token_seconds_bucket",
                         {{"upstream", "cheap-up"}, {"le", "0.25"}}),
            1);
}

TEST_F(MetricsTest, TaskSpendIsObservedWhenGiven) {
  CallOutcome c = ok_call();
  c.step = "summarize";
  c.task_spent = MicroUsd{2'500'000};
  metrics.on_call_finished(c);
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_count"), 1);
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_task_spend_usd_sum"), 2.5);
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_bucket", {{"le", "1"}}), 0);
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_bucket", {{"le", "5"}}), 1);
}

TEST_F(MetricsTest, CallRefusedBeforeRoutingHasNoneLabelsAndNoSpend) {
  CallOutcome c;
  c.outcome = "auth_error";
  c.total = microseconds{40};
  metrics.on_call_finished(c);
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_requests_total",
                         {{"route", "none"},
                          {"tier", "none"},
                          {"model", "none"},
                          {"step", "none"},
                          {"outcome", "auth_error"}}),
            1);
  // All of it was Governor's own time; no decision was made, nothing was charged.
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_gateway_overhead_seconds_sum"), 0.00004);
  EXPECT_EQ(metric_value(t, "governor_decision_seconds_count"), 0);
  EXPECT_EQ(metric_value(t, "governor_call_spend_usd_count"), 0);
  EXPECT_EQ(metric_sum(t, "governor_spend_usd_total"), 0);
}

TEST_F(MetricsTest, UpstreamErrorCallCountsNoTokens) {
  CallOutcome c = ok_call();
  c.model = "";
  c.outcome = "upstream_error";
  c.input_tokens = 0;
  c.output_tokens = 0;
  c.cost = MicroUsd{0};
  c.upstream_latency.reset();
  metrics.on_call_finished(c);
  const std::string t = text();
  EXPECT_EQ(metric_sum(t, "governor_requests_total", {{"outcome", "upstream_error"}}), 1);
  EXPECT_EQ(metric_sum(t, "governor_input_tokens_total"), 0);
  EXPECT_EQ(metric_sum(t, "governor_upstream_latency_seconds_count"), 0);
  // It was forwarded, so reserved and settled: at zero.
  EXPECT_EQ(metric_value(t, "governor_call_spend_usd_count"), 1);
  EXPECT_EQ(metric_value(t, "governor_call_spend_usd_sum"), 0);
}

TEST_F(MetricsTest, OverheadNeverNegative) {
  CallOutcome c = ok_call();
  c.upstream_wait = c.total + microseconds{10};  // clocks read at slightly different points
  metrics.on_call_finished(c);
  EXPECT_EQ(metric_value(text(), "governor_gateway_overhead_seconds_sum"), 0);
}

TEST(MetricsTenantLabel, OffDropsTheTenantFromSpend) {
  MetricsOptions o;
  o.tenant_label = false;
  o.upstreams = {"cheap-up"};
  GatewayMetrics metrics(o);
  CallOutcome c;
  c.model = "cheap-up";
  c.tenant = "acme";
  c.outcome = "ok";
  c.cost = MicroUsd{500};
  metrics.on_call_finished(c);
  const std::string t = metrics.render();
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_spend_usd_total", {{"model", "cheap-up"}}), 0.0005);
  EXPECT_EQ(t.find("acme"), std::string::npos) << t;
}

TEST_F(MetricsTest, UpstreamOutsideTheConfigStillCounts) {
  CallOutcome c = ok_call();
  c.model = "added-later";
  metrics.on_call_finished(c);
  EXPECT_EQ(metric_value(text(), "governor_output_tokens_total", {{"model", "added-later"}}), 40);
}

}  // namespace
}  // namespace governor::telemetry
