#pragma once

// Private to telemetry: children of a prometheus-cpp family found by their label values.

#include <prometheus/family.h>

#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace governor::telemetry::detail {

/** The empty label value is rendered as this (an empty label equals an absent one in
 *  Prometheus, which makes queries on it awkward). */
inline constexpr std::string_view kNoLabel = "none";

inline std::string_view label_or_none(std::string_view value) {
  return value.empty() ? kNoLabel : value;
}

/** The children of one family by label values. Family::Add builds a std::map of labels, locks
 *  the family and hashes the map on every call; this keeps one flat string key per label set, so
 *  a repeated label set costs a short lock and one hash of a reused buffer.
 *  @par Thread safety get() may be called from any thread. */
template <class Metric>
class LabelCache {
 public:
  LabelCache(prometheus::Family<Metric>& family, std::vector<std::string> names)
      : family_(family), names_(std::move(names)) {}

  /** The child with these values (in the order of the names given at construction); made on
   *  first use with `args` (histogram buckets). */
  template <class... Args>
  Metric& get(std::initializer_list<std::string_view> values, const Args&... args) {
    // One buffer per thread: no allocation once it has grown to the longest key.
    thread_local std::string key;
    key.clear();
    for (const std::string_view v : values) {
      key.append(label_or_none(v));
      key.push_back('\x1f');  // not allowed in our label values (config names, enums)
    }
    const std::lock_guard lock(mutex_);
    if (const auto it = children_.find(key); it != children_.end()) {
      return *it->second;
    }
    prometheus::Labels labels;
    auto name = names_.begin();
    for (const std::string_view v : values) {
      labels.emplace(*name++, std::string(label_or_none(v)));
    }
    Metric& child = family_.Add(labels, args...);
    children_.emplace(key, &child);
    return child;
  }

 private:
  prometheus::Family<Metric>& family_;
  const std::vector<std::string> names_;
  std::mutex mutex_;
  std::unordered_map<std::string, Metric*> children_;
};

}  // namespace governor::telemetry::detail
