#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace governor::server {

/** What routing remembers of a task between its calls. */
struct TaskBrief {
  std::uint32_t calls = 0;     ///< calls settled so far
  std::uint32_t failures = 0;  ///< calls that failed (upstream error, broken stream, ...)
  std::uint32_t retries = 0;
  std::optional<std::size_t> last_rank;  ///< tier rank of the last call (none: pinned off-ladder)
  bool last_failed = false;
  std::optional<double> budget_left;     ///< task dollars left after the last call, as settled
  std::uint64_t last_messages_hash = 0;  ///< the same conversation again is a retry
};

/** What one settled call tells its task's brief. */
struct CallLesson {
  /// the answer failed: an upstream error, a broken stream, a malformed tool call, or a cascaded
  /// answer served although its signals failed (the budget could not afford escalation)
  bool failed = false;
  bool escalated = false;           ///< a cascade escalated it and the stronger answer was served
  std::optional<std::size_t> rank;  ///< the tier that served (none: pinned off the ladder)
  std::optional<std::uint32_t> retries;  ///< the ledger's retry count, when it reserved
  std::optional<double> budget_left;     ///< task dollars left after the settle
  std::uint64_t messages_hash = 0;
};

/** Folds a call into its task's brief. A failure or an escalation counts in `failures` (the
 *  router's history feature); a failure also sets recovery pressure (the next call goes a tier
 *  above this one). An escalation does not: it already was this step's recovery, and pushing
 *  the next step up too doubled the premium calls of the agent-episodes benchmark for no gain
 *  in success (docs/routing.md, "Cascade"). Pure. */
void learn_from_call(TaskBrief& brief, const CallLesson& lesson);

/** A bounded, thread-safe map (tenant, task) -> TaskBrief that every worker shares. It feeds
 *  routing only (step index, recovery pressure, pacing); budgets are enforced by the ledger,
 *  exactly, whatever this remembers. Forgetting (eviction, restart) makes a task look fresh to
 *  the router, never lets it overspend.
 *  @par Thread safety all members may be called from any thread. */
class TaskMemory {
 public:
  /** Holds at most about `capacity` tasks: a full shard is cleared whole (cheap, and the tasks
   *  that matter are the ones calling again soon, which refill it). */
  explicit TaskMemory(std::size_t capacity = 200'000);

  std::optional<TaskBrief> find(std::string_view tenant, std::string_view task) const;
  /** Applies `update` to the task's brief (a default one when new) under the shard's lock. */
  template <class Update>
  void update(std::string_view tenant, std::string_view task, Update&& update);

  std::size_t size() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, TaskBrief> tasks;
  };
  static std::string key_of(std::string_view tenant, std::string_view task);
  Shard& shard_of(const std::string& key) const;

  std::size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

template <class Update>
void TaskMemory::update(std::string_view tenant, std::string_view task, Update&& update) {
  const std::string key = key_of(tenant, task);
  Shard& shard = shard_of(key);
  const std::lock_guard lock(shard.mutex);
  auto it = shard.tasks.find(key);
  if (it == shard.tasks.end()) {
    if (shard.tasks.size() >= shard_capacity_) {
      shard.tasks.clear();
    }
    it = shard.tasks.emplace(key, TaskBrief{}).first;
  }
  update(it->second);
}

}  // namespace governor::server
