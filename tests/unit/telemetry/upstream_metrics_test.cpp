// Retries, fallbacks and errors per upstream.
#include "metrics_fixture.hpp"

namespace governor::telemetry {
namespace {

TEST_F(MetricsTest, RetriesAndFallbacksPerUpstream) {
  metrics.on_forward({UpstreamTry{"cheap-up", 2, true}, UpstreamTry{"strong-up", 1, false}});
  metrics.on_forward({UpstreamTry{"cheap-up", 1, false}});
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "cheap-up"}}), 3);
  EXPECT_EQ(metric_value(t, "governor_upstream_retries_total", {{"upstream", "strong-up"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_fallbacks_total", {{"upstream", "cheap-up"}}), 1);
  EXPECT_EQ(metric_value(t, "governor_upstream_fallbacks_total", {{"upstream", "strong-up"}}), 0);
}

TEST_F(MetricsTest, ErrorsByUpstreamAndKind) {
  metrics.on_upstream_error("cheap-up", "http_status");
  metrics.on_upstream_error("cheap-up", "http_status");
  metrics.on_upstream_error("cheap-up", "connect");
  metrics.on_upstream_error("strong-up", "stream_broken");
  const std::string t = text();
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "cheap-up"}, {"kind", "http_status"}}),
            2);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "cheap-up"}, {"kind", "connect"}}),
            1);
  EXPECT_EQ(metric_value(t, "governor_upstream_errors_total",
                         {{"upstream", "strong-up"}, {"kind", "stream_broken"}}),
            1);
}

}  // namespace
}  // namespace governor::telemetry
