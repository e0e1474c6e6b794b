#pragma once

// Private to telemetry: histograms the call path observes without taking a lock.

#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace governor::telemetry::detail {

/** One histogram series: a relaxed atomic count per bucket and an atomic sum, so an observation
 *  is a bucket search and two atomic adds, where prometheus::Histogram locks a mutex for each
 *  (with the label caches, seven lock pairs a proxied call). Collected as prometheus-cpp
 *  collects its own: cumulative buckets ending at +Inf, and a count equal to the +Inf bucket.
 *  A scrape racing an observation may see its bucket before its sum, never a count that
 *  disagrees with the buckets.
 *  @par Thread safety observe() and collect() may be called from any thread. */
class AtomicHistogram {
 public:
  /** `bounds`: the buckets' upper bounds (inclusive), ascending. */
  explicit AtomicHistogram(std::vector<double> bounds);

  void observe(double value);
  prometheus::ClientMetric collect() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  ///< one per bound, then +Inf
  std::atomic<double> sum_{0.0};
};

/** A named family of AtomicHistogram series by label values. A series is made under a lock on
 *  first use and lives as long as the family, so the call path resolves its series once and
 *  then observes without locking. */
class AtomicHistogramFamily {
 public:
  AtomicHistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                        std::vector<double> bounds);

  /** The series with these label values (in the order of the names), made on first use. */
  AtomicHistogram& get(std::initializer_list<std::string_view> values);
  /** The series of a family without labels. */
  AtomicHistogram& get() { return get({}); }

  /** Every series, labelled, in label order. */
  prometheus::MetricFamily collect() const;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<AtomicHistogram>, std::less<>> series_;
};

}  // namespace governor::telemetry::detail
