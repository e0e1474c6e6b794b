#pragma once

// Private to telemetry: children of a prometheus-cpp family found by their label values.

#include <prometheus/family.h>

#include <array>
#include <atomic>
#include <cstdint>
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
 *  a repeated label set costs a short lock and one hash of a reused buffer. Each thread also
 *  remembers the last few label sets it asked any cache of this metric type for, so the one a
 *  worker repeats call after call (its route, tier and model) is found without the lock or the
 *  hash: those were about 700 instructions of a proxied call.
 *  @par Thread safety get() may be called from any thread. */
template <class Metric>
class LabelCache {
 public:
  LabelCache(prometheus::Family<Metric>& family, std::vector<std::string> names)
      : family_(family), names_(std::move(names)) {}
  LabelCache(const LabelCache&) = delete;
  LabelCache& operator=(const LabelCache&) = delete;

  /** The child with these values (in the order of the names given at construction); made on
   *  first use with `args` (histogram buckets). */
  template <class... Args>
  Metric& get(std::initializer_list<std::string_view> values, const Args&... args) {
    for (const Recent& r : recent_) {
      if (r.cache == id_ && is_key_of(r.key, values)) {
        return *r.child;
      }
    }
    // One buffer per thread: no allocation once it has grown to the longest key.
    thread_local std::string key;
    key.clear();
    for (const std::string_view v : values) {
      key.append(label_or_none(v));
      key.push_back(kSeparator);
    }
    Metric* child = nullptr;
    {
      const std::lock_guard lock(mutex_);
      if (const auto it = children_.find(key); it != children_.end()) {
        child = it->second;
      } else {
        prometheus::Labels labels;
        auto name = names_.begin();
        for (const std::string_view v : values) {
          labels.emplace(*name++, std::string(label_or_none(v)));
        }
        child = &family_.Add(labels, args...);
        children_.emplace(key, child);
      }
    }
    Recent& slot = recent_[next_recent_++ % recent_.size()];
    slot.cache = id_;
    slot.key = key;
    slot.child = child;
    return *child;
  }

 private:
  /** A label set this thread found lately. `cache` is the id of the cache it came from: ids are
   *  never reused, so an entry of a cache that is gone (a test's metrics) never matches. A
   *  child lives as long as its family, which outlives its cache. */
  struct Recent {
    std::uint64_t cache = 0;
    std::string key;
    Metric* child = nullptr;
  };
  static constexpr char kSeparator = '\x1f';  // not allowed in our label values (names, enums)

  /** True when `key` is the key of `values`, compared in place (building the key was most of
   *  the cost of a lookup). */
  static bool is_key_of(std::string_view key, std::initializer_list<std::string_view> values) {
    for (const std::string_view v : values) {
      const std::string_view value = label_or_none(v);
      if (key.size() <= value.size() || key[value.size()] != kSeparator ||
          key.substr(0, value.size()) != value) {
        return false;
      }
      key.remove_prefix(value.size() + 1);
    }
    return key.empty();
  }

  static inline std::atomic<std::uint64_t> next_id_{1};
  static inline thread_local std::array<Recent, 8> recent_{};
  static inline thread_local std::size_t next_recent_ = 0;

  const std::uint64_t id_ = next_id_.fetch_add(1, std::memory_order_relaxed);
  prometheus::Family<Metric>& family_;
  const std::vector<std::string> names_;
  std::mutex mutex_;
  std::unordered_map<std::string, Metric*> children_;
};

}  // namespace governor::telemetry::detail
