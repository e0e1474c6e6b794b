#pragma once

#include <mutex>
#include <utility>

namespace governor::server {

/** A shared pointer that one thread replaces whole while others take copies of it, each copy a
 *  snapshot its holder keeps for as long as it needs.
 *
 *  Not std::atomic<std::shared_ptr>: libstdc++ 12 releases that one's internal lock after a load
 *  with a relaxed store, so a load and a later store of the pointer are not ordered, and
 *  ThreadSanitizer reports them as a race (seen in the gateway's policy-reload tests). An
 *  uncontended mutex costs about the same as that lock.
 *  @par Thread safety Every member may be called from any thread. */
template <class Ptr>
class SharedSnapshot {
 public:
  Ptr load() const {
    const std::lock_guard lock(mutex_);
    return value_;
  }
  /** The previous value is released after the lock, with the parameter it is swapped into. */
  void store(Ptr value) {
    const std::lock_guard lock(mutex_);
    value_.swap(value);
  }

 private:
  mutable std::mutex mutex_;
  Ptr value_;  // guarded by mutex_
};

}  // namespace governor::server
