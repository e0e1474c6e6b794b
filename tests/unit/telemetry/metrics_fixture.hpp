#pragma once

#include <gtest/gtest.h>

#include "governor/telemetry/gateway_metrics.hpp"
#include "support/metrics_text.hpp"

namespace governor::telemetry {

using governor::testing::metric_sum;
using governor::testing::metric_value;
using std::chrono::microseconds;

/** Metrics for a config with two upstreams, and the calls tests make against them. */
class MetricsTest : public ::testing::Test {
 protected:
  static MetricsOptions options(bool tenant_label = true) {
    MetricsOptions o;
    o.tenant_label = tenant_label;
    o.version = "1.2.3";
    o.io_backend = "io_uring";
    o.upstreams = {"cheap-up", "strong-up"};
    return o;
  }

  /** A routed call answered by cheap-up: 100 in, 40 out, $0.001250, 80 ms total of which 75 ms
   *  upstream, 3 us of decision. */
  static CallOutcome ok_call() {
    CallOutcome c;
    c.route = "auto";
    c.tier = "cheap";
    c.model = "cheap-up";
    c.step = "act";
    c.outcome = "ok";
    c.tenant = "acme";
    c.input_tokens = 100;
    c.output_tokens = 40;
    c.cost = MicroUsd{1250};
    c.total = microseconds{80'000};
    c.upstream_wait = microseconds{75'000};
    c.upstream_latency = microseconds{75'000};
    c.decision = microseconds{3};
    return c;
  }

  std::string text() const { return metrics.render(); }

  GatewayMetrics metrics{options()};
};

}  // namespace governor::telemetry
