// The lock-free histograms: buckets as Prometheus defines them (upper bounds inclusive, counts
// cumulative, +Inf last and equal to the count), label sets, and observations from many threads.
#include "atomic_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace governor::telemetry::detail {
namespace {

std::vector<std::uint64_t> cumulative_counts(const prometheus::ClientMetric& m) {
  std::vector<std::uint64_t> out;
  for (const auto& b : m.histogram.bucket) {
    out.push_back(b.cumulative_count);
  }
  return out;
}

TEST(AtomicHistogram, BoundsAreInclusiveCountsCumulativeAndInfinityLast) {
  AtomicHistogram h({1.0, 2.0, 5.0});
  for (const double v : {0.5, 1.0, 1.5, 2.0, 4.0, 5.0, 7.0, 100.0}) {
    h.observe(v);
  }
  const prometheus::ClientMetric m = h.collect();
  ASSERT_EQ(m.histogram.bucket.size(), 4u);
  EXPECT_EQ(cumulative_counts(m), (std::vector<std::uint64_t>{2, 4, 6, 8}));
  EXPECT_EQ(m.histogram.bucket[0].upper_bound, 1.0);
  EXPECT_EQ(m.histogram.bucket[2].upper_bound, 5.0);
  EXPECT_TRUE(std::isinf(m.histogram.bucket[3].upper_bound));
  EXPECT_EQ(m.histogram.sample_count, 8u);
  EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 0.5 + 1 + 1.5 + 2 + 4 + 5 + 7 + 100);
}

TEST(AtomicHistogram, ManyThreadsLoseNoObservation) {
  AtomicHistogram h({0.5});
  constexpr int kThreads = 4;
  constexpr int kEach = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < kEach; ++i) {
        h.observe(t % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const prometheus::ClientMetric m = h.collect();
  EXPECT_EQ(cumulative_counts(m), (std::vector<std::uint64_t>{2 * kEach, 4 * kEach}));
  EXPECT_DOUBLE_EQ(m.histogram.sample_sum, 2 * kEach * 0.25 + 2 * kEach * 1.0);
}

TEST(AtomicHistogramFamily, OneSeriesPerLabelSetEmptyValuesNamedNone) {
  AtomicHistogramFamily family("governor_test_seconds", "help text", {"upstream"}, {1.0});
  AtomicHistogram& a = family.get({"a"});
  EXPECT_EQ(&a, &family.get({"a"}));
  a.observe(0.5);
  family.get({""}).observe(2.0);
  const prometheus::MetricFamily f = family.collect();
  EXPECT_EQ(f.name, "governor_test_seconds");
  EXPECT_EQ(f.help, "help text");
  EXPECT_EQ(f.type, prometheus::MetricType::Histogram);
  ASSERT_EQ(f.metric.size(), 2u);
  ASSERT_EQ(f.metric[0].label.size(), 1u);
  EXPECT_EQ(f.metric[0].label[0].name, "upstream");
  EXPECT_EQ(f.metric[0].label[0].value, "a");
  EXPECT_EQ(cumulative_counts(f.metric[0]), (std::vector<std::uint64_t>{1, 1}));
  EXPECT_EQ(f.metric[1].label[0].value, "none");
  EXPECT_EQ(cumulative_counts(f.metric[1]), (std::vector<std::uint64_t>{0, 1}));
}

TEST(AtomicHistogramFamily, AFamilyWithoutLabelsHasOneUnlabelledSeries) {
  AtomicHistogramFamily family("governor_x", "h", {}, {1.0});
  family.get().observe(0.1);
  EXPECT_EQ(&family.get(), &family.get({}));
  const prometheus::MetricFamily f = family.collect();
  ASSERT_EQ(f.metric.size(), 1u);
  EXPECT_TRUE(f.metric[0].label.empty());
  EXPECT_EQ(f.metric[0].histogram.sample_count, 1u);
}

}  // namespace
}  // namespace governor::telemetry::detail
