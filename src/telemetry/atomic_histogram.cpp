#include "atomic_histogram.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "label_cache.hpp"

namespace governor::telemetry::detail {

AtomicHistogram::AtomicHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void AtomicHistogram::observe(double value) {
  // The first bucket whose upper bound holds the value; past the last bound, +Inf.
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

prometheus::ClientMetric AtomicHistogram::collect() const {
  prometheus::ClientMetric metric;
  auto& h = metric.histogram;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    h.bucket.push_back(
        {cumulative, i < bounds_.size() ? bounds_[i] : std::numeric_limits<double>::infinity()});
  }
  h.sample_count = cumulative;
  h.sample_sum = sum_.load(std::memory_order_relaxed);
  return metric;
}

AtomicHistogramFamily::AtomicHistogramFamily(std::string name, std::string help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

AtomicHistogram& AtomicHistogramFamily::get(std::initializer_list<std::string_view> values) {
  std::vector<std::string> key;
  for (const std::string_view v : values) {
    key.emplace_back(label_or_none(v));
  }
  key.resize(label_names_.size(), std::string(kNoLabel));
  const std::lock_guard lock(mutex_);
  auto& series = series_[std::move(key)];
  if (!series) {
    series = std::make_unique<AtomicHistogram>(bounds_);
  }
  return *series;
}

prometheus::MetricFamily AtomicHistogramFamily::collect() const {
  prometheus::MetricFamily family{name_, help_, prometheus::MetricType::Histogram, {}};
  const std::lock_guard lock(mutex_);
  for (const auto& [values, series] : series_) {
    prometheus::ClientMetric metric = series->collect();
    for (std::size_t i = 0; i < label_names_.size(); ++i) {
      metric.label.push_back({label_names_[i], values[i]});
    }
    std::sort(metric.label.begin(), metric.label.end());
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace governor::telemetry::detail
