#include "task_memory.hpp"

#include <algorithm>
#include <functional>

namespace governor::server {

TaskMemory::TaskMemory(std::size_t capacity)
    : shard_capacity_(std::max<std::size_t>(1, capacity / kShards)) {}

std::string TaskMemory::key_of(std::string_view tenant, std::string_view task) {
  // Ids cannot contain '\n' (core/ids.hpp), so the key is unambiguous.
  std::string key;
  key.reserve(tenant.size() + task.size() + 1);
  key.append(tenant).push_back('\n');
  key.append(task);
  return key;
}

TaskMemory::Shard& TaskMemory::shard_of(const std::string& key) const {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

std::optional<TaskBrief> TaskMemory::find(std::string_view tenant, std::string_view task) const {
  const std::string key = key_of(tenant, task);
  const Shard& shard = shard_of(key);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.tasks.find(key);
  if (it == shard.tasks.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::size_t TaskMemory::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    const std::lock_guard lock(shard.mutex);
    total += shard.tasks.size();
  }
  return total;
}

void learn_from_call(TaskBrief& brief, const CallLesson& lesson) {
  ++brief.calls;
  brief.failures += lesson.failed || lesson.escalated ? 1 : 0;
  if (lesson.retries) {
    brief.retries = *lesson.retries;
  }
  brief.last_rank = lesson.rank;
  brief.last_failed = lesson.failed;
  if (lesson.budget_left) {
    brief.budget_left = lesson.budget_left;
  }
  brief.last_messages_hash = lesson.messages_hash;
}

}  // namespace governor::server
