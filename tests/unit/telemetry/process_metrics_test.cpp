// Gauges, reloads, the ledger, build info, the text format, and many threads at once.
#include <thread>
#include <vector>

#include "metrics_fixture.hpp"

namespace governor::telemetry {
namespace {

TEST_F(MetricsTest, InFlightAndConnectionsGoUpAndDown) {
  metrics.on_request_start();
  metrics.on_request_start();
  metrics.on_connection_open("data");
  metrics.on_connection_open("data");
  metrics.on_connection_open("admin");
  std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_in_flight_requests"), 2);
  EXPECT_EQ(metric_value(t, "governor_open_connections", {{"listener", "data"}}), 2);
  EXPECT_EQ(metric_value(t, "governor_open_connections", {{"listener", "admin"}}), 1);
  metrics.on_request_end();
  metrics.on_connection_close("data");
  metrics.on_connection_close("admin");
  t = text();
  EXPECT_EQ(metric_value(t, "governor_in_flight_requests"), 1);
  EXPECT_EQ(metric_value(t, "governor_open_connections", {{"listener", "data"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_open_connections", {{"listener", "admin"}}), 0);
}

TEST_F(MetricsTest, ReloadsBySuccessAndFailure) {
  metrics.on_reload(true);
  metrics.on_reload(false);
  metrics.on_reload(true);
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_policy_reloads_total", {{"result", "success"}}), 2);
  EXPECT_EQ(metric_value(t, "governor_policy_reloads_total", {{"result", "failure"}}), 1);
}

TEST_F(MetricsTest, LedgerCommitLatencyAndQueueDepth) {
  metrics.on_ledger_commit(microseconds{80});
  metrics.on_ledger_commit(microseconds{3'000});
  metrics.set_ledger_queue_depth(7);
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_ledger_commit_seconds_count"), 2);
  EXPECT_EQ(metric_value(t, "governor_ledger_commit_seconds_bucket", {{"le", "0.0001"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_ledger_commit_seconds_bucket", {{"le", "0.005"}}), 2);
  EXPECT_EQ(metric_value(t, "governor_ledger_queue_depth"), 7);
}

TEST_F(MetricsTest, LedgerCheckpointsFollowTheLedgersCountAndNeverGoBack) {
  metrics.set_ledger_checkpoints(3);
  EXPECT_EQ(metric_value(text(), "governor_ledger_checkpoints_total"), 3);
  metrics.set_ledger_checkpoints(2);  // a scrape that read the count before another's
  EXPECT_EQ(metric_value(text(), "governor_ledger_checkpoints_total"), 3);
  metrics.set_ledger_checkpoints(5);
  EXPECT_EQ(metric_value(text(), "governor_ledger_checkpoints_total"), 5);
}

TEST_F(MetricsTest, LedgerOverrunsFollowTheLedgerInDollars) {
  metrics.set_ledger_overruns(2, MicroUsd{1'250});
  std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_ledger_overruns_total"), 2);
  EXPECT_NEAR(*metric_value(t, "governor_ledger_overrun_usd_total"), 0.00125, 1e-12);
  metrics.set_ledger_overruns(1, MicroUsd{1'000});  // a scrape that lost a race
  metrics.set_ledger_overruns(3, MicroUsd{2'000'500});
  t = text();
  EXPECT_EQ(metric_value(t, "governor_ledger_overruns_total"), 3);
  EXPECT_NEAR(*metric_value(t, "governor_ledger_overrun_usd_total"), 2.0005, 1e-9);
}

TEST_F(MetricsTest, LedgerCacheGaugesAndEvictionsFollowTheLedger) {
  metrics.set_ledger_cache({12, 5, 40, 7});
  std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_ledger_cached", {{"kind", "task"}}), 12);
  EXPECT_EQ(metric_value(t, "governor_ledger_cached", {{"kind", "window"}}), 5);
  EXPECT_EQ(metric_value(t, "governor_ledger_evictions_total", {{"kind", "task"}}), 40);
  EXPECT_EQ(metric_value(t, "governor_ledger_evictions_total", {{"kind", "window"}}), 7);
  metrics.set_ledger_cache({3, 2, 38, 9});  // the task count from a scrape that lost a race
  t = text();
  EXPECT_EQ(metric_value(t, "governor_ledger_cached", {{"kind", "task"}}), 3);
  EXPECT_EQ(metric_value(t, "governor_ledger_evictions_total", {{"kind", "task"}}), 40);
  EXPECT_EQ(metric_value(t, "governor_ledger_evictions_total", {{"kind", "window"}}), 9);
}

TEST_F(MetricsTest, BuildInfoCarriesTheVersionAndIoBackend) {
  EXPECT_EQ(metric_value(text(), "governor_build_info", {{"version", "1.2.3"}, {"io", "io_uring"}}),
            1);
}

TEST_F(MetricsTest, FamiliesWithLabelsFromCallsAppearWithTheirFirstSeries) {
  // prometheus-cpp renders a family only once it has a series.
  const std::string before = text();
  for (const char* name :
       {"governor_requests_total", "governor_spend_usd_total", "governor_budget_refusals_total",
        "governor_budget_clamps_total", "governor_upstream_errors_total"}) {
    EXPECT_EQ(before.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
}

TEST_F(MetricsTest, EveryFamilyHasHelpAndType) {
  metrics.on_call_finished(ok_call());
  metrics.on_budget_refusal("task", "budget_exhausted");
  metrics.on_budget_clamp("task", "max_tokens");
  metrics.on_upstream_error("cheap-up", "connect");
  const std::string t = text();
  for (const char* name : {"governor_requests_total",
                           "governor_input_tokens_total",
                           "governor_output_tokens_total",
                           "governor_spend_usd_total",
                           "governor_budget_refusals_total",
                           "governor_budget_clamps_total",
                           "governor_escalations_total",
                           "governor_upstream_retries_total",
                           "governor_upstream_fallbacks_total",
                           "governor_upstream_errors_total",
                           "governor_policy_reloads_total",
                           "governor_gateway_overhead_seconds",
                           "governor_upstream_latency_seconds",
                           "governor_time_to_first_token_seconds",
                           "governor_decision_seconds",
                           "governor_call_spend_usd",
                           "governor_task_spend_usd",
                           "governor_ledger_commit_seconds",
                           "governor_in_flight_requests",
                           "governor_open_connections",
                           "governor_ledger_queue_depth",
                           "governor_ledger_checkpoints_total",
                           "governor_ledger_overruns_total",
                           "governor_ledger_overrun_usd_total",
                           "governor_ledger_cached",
                           "governor_ledger_evictions_total",
                           "governor_build_info"}) {
    EXPECT_NE(t.find(std::string("# HELP ") + name + " "), std::string::npos) << name;
    EXPECT_NE(t.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
}

TEST_F(MetricsTest, ManyThreadsLoseNoCount) {
  constexpr int kThreads = 4;
  constexpr int kCalls = 2'000;
  std::vector<std::thread> threads;
  for (int n = 0; n < kThreads; ++n) {
    threads.emplace_back([this, n] {
      CallOutcome c = ok_call();
      c.outcome = n % 2 == 0 ? "ok" : "upstream_client_error";  // two label sets, raced
      for (int i = 0; i < kCalls; ++i) {
        metrics.on_call_finished(c);
        metrics.on_forward({UpstreamTry{"cheap-up", 1, false}});
        metrics.on_upstream_error("strong-up", "read");
      }
    });
  }
  const std::string during = text();  // a scrape while they run must not crash or tear
  for (auto& t : threads) {
    t.join();
  }
  (void)during;
  const std::string t = text();
  EXPECT_EQ(metric_sum(t, "governor_requests_total"), kThreads * kCalls);
  EXPECT_EQ(metric_value(t, "governor_input_tokens_total", {{"model", "cheap-up"}}),
            100.0 * kThreads * kCalls);
  EXPECT_EQ(metric_value(t, "governor_gateway_overhead_seconds_count"), kThreads * kCalls);
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "cheap-up"}}),
            kThreads * kCalls);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "strong-up"}, {"kind", "read"}}),
            kThreads * kCalls);
}

}  // namespace
}  // namespace governor::telemetry
