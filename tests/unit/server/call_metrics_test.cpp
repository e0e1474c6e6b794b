// What the server tells the metrics about a call: the CallRecord -> CallOutcome mapping, the
// forward log's retries, fallbacks and errors, and the ledger's refusals and clamps.
#include "call_metrics.hpp"

#include <gtest/gtest.h>

#include "governor/ledger/ledger.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "governor/upstream/forward.hpp"
#include "support/metrics_text.hpp"

namespace governor::server {
namespace {

using governor::testing::metric_sum;
using governor::testing::metric_value;

class CallMetricsTest : public ::testing::Test {
 protected:
  static CallRecord answered(std::string step) {
    CallRecord r;
    r.tenant = "acme";
    r.route = "auto";
    r.tier = "cheap";
    r.upstream = "small";
    r.step = std::move(step);
    r.usage = {10, 20};
    r.cost = MicroUsd{300};
    r.task_spent = MicroUsd{900};
    r.total = std::chrono::microseconds{1000};
    r.upstream_wait = std::chrono::microseconds{900};
    r.upstream_latency = std::chrono::microseconds{900};
    return r;
  }

  telemetry::GatewayMetrics metrics{telemetry::MetricsOptions{true, "test", {"small", "large"}}};
};

TEST_F(CallMetricsTest, RecordBecomesOneRequestWithItsLabels) {
  record_call_metrics(metrics, answered("act"), false);
  const std::string t = metrics.render();
  EXPECT_EQ(metric_value(t, "governor_requests_total",
                         {{"route", "auto"},
                          {"tier", "cheap"},
                          {"model", "small"},
                          {"step", "act"},
                          {"outcome", "ok"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_output_tokens_total", {{"model", "small"}}), 20);
  EXPECT_EQ(metric_value(t, "governor_decision_seconds_count"), 1);
  // An `act` step of a longer task does not end it: no task spend yet.
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_count"), 0);
}

TEST_F(CallMetricsTest, TaskSpendOnlyWhenTheCallEndsItsTask) {
  record_call_metrics(metrics, answered("act"), true);         // one-step
  record_call_metrics(metrics, answered("summarize"), false);  // final synthesis
  record_call_metrics(metrics, answered("handoff"), false);    // human handoff
  record_call_metrics(metrics, answered("tool"), false);
  const std::string t = metrics.render();
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_count"), 3);
  EXPECT_DOUBLE_EQ(*metric_value(t, "governor_task_spend_usd_sum"), 0.0027);
}

TEST_F(CallMetricsTest, NoDecisionBeforeTheTargetResolved) {
  CallRecord r;
  r.outcome = "client_error";
  record_call_metrics(metrics, r, true);
  EXPECT_EQ(metric_value(metrics.render(), "governor_decision_seconds_count"), 0);
}

TEST_F(CallMetricsTest, ForwardLogRetriesFallbacksAndErrorsButNotCancellation) {
  config::UpstreamConfig large;
  large.name = "large";
  config::UpstreamConfig small;
  small.name = "small";
  upstream::ForwardLog log;
  log.retried = {{&large, 1, true}, {&small, 2, false}};
  upstream::Failure f;
  f.upstream = "large";
  f.kind = upstream::FailureKind::http_status;
  log.failures = {f, f};
  f.upstream = "small";
  f.kind = upstream::FailureKind::connect;
  log.failures.push_back(f);
  f.kind = upstream::FailureKind::cancelled;
  log.failures.push_back(f);
  record_forward_metrics(metrics, log);
  const std::string t = metrics.render();
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "large"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "small"}}), 2);
  EXPECT_EQ(metric_value(t, "governor_upstream_fallbacks_total", {{"upstream", "large"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "large"}, {"kind", "http_status"}}),
            2);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "small"}, {"kind", "connect"}}),
            1);
  EXPECT_EQ(metric_sum(t, "governor_upstream_errors_total", {{"kind", "cancelled"}}), 0);
}

TEST_F(CallMetricsTest, RefusalAndClampsByScope) {
  ledger::Refusal refusal;
  refusal.reason = ledger::Refusal::Reason::retry_limit;
  refusal.scope = ledger::Scope::task;
  record_refusal_metrics(metrics, refusal);
  ledger::Grant grant;
  record_grant_metrics(metrics, grant);  // neither clamped nor degraded: nothing
  grant.clamped = true;
  grant.candidate = 1;
  grant.binding = ledger::Scope::tenant_day;
  record_grant_metrics(metrics, grant);
  const std::string t = metrics.render();
  EXPECT_EQ(metric_value(t, "governor_budget_refusals_total",
                         {{"scope", "task"}, {"reason", "retry_limit"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_budget_clamps_total",
                         {{"scope", "tenant_day"}, {"reason", "max_tokens"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_budget_clamps_total",
                         {{"scope", "tenant_day"}, {"reason", "degraded"}}),
            1);
  EXPECT_EQ(metric_sum(t, "governor_budget_clamps_total"), 2);
}

}  // namespace
}  // namespace governor::server
