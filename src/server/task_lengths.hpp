#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace governor::server {

/** The pacer's expected step count refined by history: the policy's `expected_steps` counts as
 *  `prior_weight` tasks, blended with the mean length of the tasks of this class that finished.
 *  Rounded, at least 1. Pure. */
std::uint32_t refined_expected_steps(std::uint32_t prior, std::uint64_t finished_tasks,
                                     double finished_steps, double prior_weight = 10.0);

/** How many steps the tasks of each class take, learned from the ones that finished. A task's
 *  class is its policy; a task finishes with a `summarize` or `handoff` step that succeeded.
 *  Bounded by the number of policy names seen.
 *  @par Thread safety all members may be called from any thread. */
class TaskLengths {
 public:
  void record_finished(std::string_view task_class, std::uint32_t steps);
  /** `prior` (the policy's expected_steps) refined by what this class's tasks did. */
  std::uint32_t expected_steps(std::string_view task_class, std::uint32_t prior) const;

 private:
  struct Lengths {
    std::uint64_t tasks = 0;
    double steps = 0;  ///< summed over the tasks
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Lengths> by_class_;
};

}  // namespace governor::server
