// GET /metrics on the admin listener after real calls of each kind: the values, not only names.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "budget_fixture.hpp"
#include "governor/server/io_backend.hpp"
#include "support/metrics_text.hpp"

namespace governor::testing {
namespace {

using nlohmann::json;

class MetricsEndpointTest : public BudgetTest {
 protected:
  /** Policies: `default` without limits, `tight` that refuses every call. Retries are fast. */
  void start_with_policies(const std::string& sections = "") {
    write_policy("default", "name: default\n");
    write_policy("tight", "name: tight\ntask: {total_dollars: 0.000001}\n");
    GatewayOptions o;
    o.upstream_extra = "    retry: {max_attempts: 2, backoff_ms: 1, max_backoff_ms: 100}\n";
    start_budgeted(sections, o);
  }

  std::string scrape() {
    TestClient admin(admin_port());
    const auto r = admin.request("GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  /** A scrape once `calls` chat calls have finished: a call is counted just after its response
   *  is written, so the client can be a moment ahead of the metrics. */
  std::string scrape_after(double calls) {
    std::string t;
    EXPECT_TRUE(eventually([&] {
      t = scrape();
      return metric_sum(t, "governor_requests_total") == calls &&
             metric_value(t, "governor_in_flight_requests") == 0;
    })) << t;
    return t;
  }
};

TEST_F(MetricsEndpointTest, RealCallsOfEachKindMoveTheirMetrics) {
  start_with_policies();
  auto c = client();
  std::vector<HttpResult> answered;
  answered.push_back(c.post_json("/v1/chat/completions", chat_body("auto", "plain call")));
  ASSERT_EQ(answered.back().status, 200) << answered.back().body;
  answered.push_back(
      c.post_json("/v1/chat/completions", chat_body("auto", "streamed call", R"("stream":true)")));
  ASSERT_EQ(answered.back().status, 200) << answered.back().body;
  const auto refused = c.post_json("/v1/chat/completions", chat_body("auto", "too dear"),
                                   {{"X-Governor-Policy", "tight"}});
  ASSERT_EQ(refused.status, 402) << refused.body;
  // sim-large fails twice, falls back to sim-small, which fails twice: 502.
  const auto failed =
      c.post_json("/v1/chat/completions", chat_body("sim-large", "all down [[sim status=502]]"));
  ASSERT_EQ(failed.status, 502) << failed.body;
  const MicroUsd spent = sum_costs(answered);
  ASSERT_GT(spent.micros(), 0);

  const std::string t = scrape_after(4);
  // Requests by route and outcome (the step is whatever the policy inferred: summed over).
  EXPECT_EQ(
      metric_sum(t, "governor_requests_total",
                 {{"route", "auto"}, {"tier", "cheap"}, {"model", "sim-small"}, {"outcome", "ok"}}),
      2)
      << t;
  EXPECT_EQ(metric_sum(t, "governor_requests_total",
                       {{"route", "auto"}, {"model", "none"}, {"outcome", "budget_refused"}}),
            1);
  EXPECT_EQ(metric_sum(t, "governor_requests_total",
                       {{"route", "sim-large"}, {"outcome", "upstream_error"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_budget_refusals_total",
                         {{"scope", "task"}, {"reason", "budget_exhausted"}}),
            1);
  // Spend equals what the clients were told they paid; tokens were counted.
  EXPECT_NEAR(
      *metric_value(t, "governor_spend_usd_total", {{"tenant", "default"}, {"model", "sim-small"}}),
      static_cast<double>(spent.micros()) / 1e6, 1e-9);
  EXPECT_GT(*metric_value(t, "governor_input_tokens_total", {{"model", "sim-small"}}), 0);
  EXPECT_GT(*metric_value(t, "governor_output_tokens_total", {{"model", "sim-small"}}), 0);
  EXPECT_EQ(metric_value(t, "governor_input_tokens_total", {{"model", "sim-large"}}), 0);
  // Retries, fallback and errors of the failed call.
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "sim-large"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "sim-small"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_fallbacks_total", {{"upstream", "sim-large"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "sim-large"}, {"kind", "http_status"}}),
            2);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "sim-small"}, {"kind", "http_status"}}),
            2);
  // Timings: every call has an overhead; the two answered ones an upstream latency; the stream a
  // first token; three made a routing decision (the refused one too), the ledger committed.
  EXPECT_EQ(metric_value(t, "governor_gateway_overhead_seconds_count"), 4);
  EXPECT_EQ(metric_value(t, "governor_upstream_latency_seconds_count", {{"upstream", "sim-small"}}),
            2);
  EXPECT_EQ(
      metric_value(t, "governor_time_to_first_token_seconds_count", {{"upstream", "sim-small"}}),
      1);
  EXPECT_EQ(metric_value(t, "governor_decision_seconds_count"), 4);
  EXPECT_GE(*metric_value(t, "governor_ledger_commit_seconds_count"), 1);
  // Three one-step tasks settled (the 502 at zero); the refused one never reserved.
  EXPECT_EQ(metric_value(t, "governor_task_spend_usd_count"), 3);
  EXPECT_NEAR(*metric_value(t, "governor_task_spend_usd_sum"),
              static_cast<double>(spent.micros()) / 1e6, 1e-9);
  // Process gauges: the client's connection is open, and this scrape's own (earlier scrapes'
  // connections may still be closing).
  EXPECT_EQ(metric_value(t, "governor_open_connections", {{"listener", "data"}}), 1);
  EXPECT_GE(*metric_value(t, "governor_open_connections", {{"listener", "admin"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_policy_reloads_total", {{"result", "success"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_build_info",
                         {{"version", "0.1.0"}, {"io", std::string(server::io_backend_name())}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_ledger_queue_depth"), 0);
  // A few calls write far less than the 1000 log pages that start a checkpoint.
  EXPECT_EQ(metric_value(t, "governor_ledger_checkpoints_total"), 0);
  // Every answer came within the bound reserved for it.
  EXPECT_EQ(metric_value(t, "governor_ledger_overruns_total"), 0);
  EXPECT_EQ(metric_value(t, "governor_ledger_overrun_usd_total"), 0);
  // One-step tasks leave the book when they settle; their tenant's day and month stay (a
  // session-less call counts in no session), and nothing has been idle for ten minutes.
  EXPECT_EQ(metric_value(t, "governor_ledger_cached", {{"kind", "task"}}), 0);
  EXPECT_EQ(metric_value(t, "governor_ledger_cached", {{"kind", "window"}}), 2);
  EXPECT_EQ(metric_value(t, "governor_ledger_evictions_total", {{"kind", "task"}}), 0);
}

// An upstream that bills past the bound reserved for the call (a reasoning model's hidden
// tokens, here the simulator's reasoning_tokens): the real cost is charged, and the overrun is
// counted on /metrics and /admin/status with how much it came to.
TEST_F(MetricsEndpointTest, AnUpstreamBillingPastItsReservationIsChargedAndCounted) {
  start_with_policies();
  auto c = client();
  const auto r = c.post_json(
      "/v1/chat/completions",
      chat_body("auto", "think hard [[sim reasoning_tokens=4000]]", R"("max_tokens":5)"),
      {{"X-Governor-Task", "deep-thought"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const MicroUsd cost = sum_costs({r});

  TestClient reader(port());
  const auto card = reader.request("GET", "/v1/tasks/deep-thought");
  ASSERT_EQ(card.status, 200) << card.body;
  const json step = json::parse(card.body)["steps"][0];
  const double reserved = step["reserved_usd"].get<double>();
  const int billed = json::parse(r.body)["usage"]["completion_tokens"].get<int>();
  EXPECT_GT(billed, 4000) << "the answer's tokens and the 4000 hidden ones";
  EXPECT_EQ(step["output_tokens"], billed);
  EXPECT_GT(step["cost_usd"].get<double>(), reserved) << card.body;
  EXPECT_NEAR(step["cost_usd"].get<double>(), static_cast<double>(cost.micros()) / 1e6, 1e-9);
  EXPECT_NEAR(json::parse(card.body)["spent_usd"].get<double>(),
              static_cast<double>(cost.micros()) / 1e6, 1e-9)
      << "charged in full";

  const std::string t = scrape_after(1);
  EXPECT_EQ(metric_value(t, "governor_ledger_overruns_total"), 1) << t;
  EXPECT_NEAR(*metric_value(t, "governor_ledger_overrun_usd_total"),
              static_cast<double>(cost.micros()) / 1e6 - reserved, 1e-9);
  TestClient admin(admin_port());
  const auto status = admin.request("GET", "/admin/status");
  ASSERT_EQ(status.status, 200) << status.body;
  const json ledger = json::parse(status.body)["ledger"];
  EXPECT_EQ(ledger["overruns"], 1);
  EXPECT_NEAR(ledger["overrun_usd"].get<double>(),
              static_cast<double>(cost.micros()) / 1e6 - reserved, 1e-9);
}

TEST_F(MetricsEndpointTest, NoTenantLabelWhenSwitchedOff) {
  start_with_policies("metrics: {tenant_label: false}\n");
  auto c = client();
  const auto r = c.post_json("/v1/chat/completions", chat_body("auto", "hello"));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string t = scrape_after(1);
  EXPECT_NEAR(*metric_value(t, "governor_spend_usd_total", {{"model", "sim-small"}}),
              static_cast<double>(sum_costs({r}).micros()) / 1e6, 1e-9);
  EXPECT_EQ(t.find("tenant="), std::string::npos);
}

TEST_F(MetricsEndpointTest, FailedReloadIsCounted) {
  start_with_policies();
  write_policy("broken", "name: [not a name\n");
  EXPECT_FALSE(gateway().reload_policies().empty());
  EXPECT_EQ(metric_value(scrape(), "governor_policy_reloads_total", {{"result", "failure"}}), 1);
}

TEST_F(MetricsEndpointTest, OffMeansNotFoundAndNothingCounted) {
  start_with_policies("metrics: {enabled: false}\n");
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/chat/completions", chat_body("auto", "hello")).status, 200);
  TestClient admin(admin_port());
  EXPECT_EQ(admin.request("GET", "/metrics").status, 404);
}

TEST_F(MetricsEndpointTest, OnlyOnTheAdminListener) {
  start_with_policies();
  auto c = client();
  EXPECT_EQ(c.request("GET", "/metrics").status, 404);
  TestClient admin(admin_port());
  EXPECT_EQ(admin.request("POST", "/metrics", "{}").status, 405);
}

}  // namespace
}  // namespace governor::testing
