#include "task_lengths.hpp"

#include <algorithm>
#include <cmath>

namespace governor::server {

std::uint32_t refined_expected_steps(std::uint32_t prior, std::uint64_t finished_tasks,
                                     double finished_steps, double prior_weight) {
  const double mean = (prior_weight * static_cast<double>(prior) + finished_steps) /
                      (prior_weight + static_cast<double>(finished_tasks));
  return static_cast<std::uint32_t>(std::max(1.0, std::round(mean)));
}

void TaskLengths::record_finished(std::string_view task_class, std::uint32_t steps) {
  const std::lock_guard lock(mutex_);
  auto it = by_class_.find(std::string{task_class});
  if (it == by_class_.end()) {
    it = by_class_.emplace(std::string{task_class}, Lengths{}).first;
  }
  ++it->second.tasks;
  it->second.steps += steps;
}

std::uint32_t TaskLengths::expected_steps(std::string_view task_class, std::uint32_t prior) const {
  Lengths lengths;
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = by_class_.find(std::string{task_class}); it != by_class_.end()) {
      lengths = it->second;
    }
  }
  return refined_expected_steps(prior, lengths.tasks, lengths.steps);
}

}  // namespace governor::server
