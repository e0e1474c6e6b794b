// Task memory: what routing remembers of a task between calls, per tenant, bounded, and safe to
// update from every worker at once.
#include "task_memory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace governor::server {
namespace {

TEST(TaskMemory, UnknownTaskIsNotFound) {
  const TaskMemory memory;
  EXPECT_FALSE(memory.find("acme", "t-1"));
  EXPECT_EQ(0u, memory.size());
}

TEST(TaskMemory, UpdateCreatesThenMutates) {
  TaskMemory memory;
  memory.update("acme", "t-1", [](TaskBrief& brief) {
    EXPECT_EQ(0u, brief.calls);  // a new task starts from a default brief
    EXPECT_FALSE(brief.last_rank);
    ++brief.calls;
    brief.last_rank = 2;
    brief.budget_left = 0.75;
    brief.last_messages_hash = 42;
  });
  auto brief = memory.find("acme", "t-1");
  ASSERT_TRUE(brief);
  EXPECT_EQ(1u, brief->calls);
  EXPECT_EQ(std::optional<std::size_t>{2}, brief->last_rank);
  EXPECT_EQ(std::optional<double>{0.75}, brief->budget_left);
  EXPECT_EQ(42u, brief->last_messages_hash);

  memory.update("acme", "t-1", [](TaskBrief& b) {
    ++b.calls;
    ++b.failures;
    b.last_failed = true;
  });
  brief = memory.find("acme", "t-1");
  ASSERT_TRUE(brief);
  EXPECT_EQ(2u, brief->calls);
  EXPECT_EQ(1u, brief->failures);
  EXPECT_TRUE(brief->last_failed);
  EXPECT_EQ(std::optional<std::size_t>{2}, brief->last_rank);  // kept from the first update
  EXPECT_EQ(1u, memory.size());
}

TEST(TaskMemory, FindReturnsACopy) {
  TaskMemory memory;
  memory.update("acme", "t-1", [](TaskBrief& b) { b.calls = 1; });
  auto brief = memory.find("acme", "t-1");
  ASSERT_TRUE(brief);
  brief->calls = 99;
  EXPECT_EQ(1u, memory.find("acme", "t-1")->calls);
}

TEST(TaskMemory, TenantsAndTasksAreSeparate) {
  TaskMemory memory;
  memory.update("acme", "t-1", [](TaskBrief& b) { b.calls = 1; });
  memory.update("globex", "t-1", [](TaskBrief& b) { b.calls = 7; });
  memory.update("acme", "t-2", [](TaskBrief& b) { b.calls = 3; });
  EXPECT_EQ(1u, memory.find("acme", "t-1")->calls);
  EXPECT_EQ(7u, memory.find("globex", "t-1")->calls);
  EXPECT_EQ(3u, memory.find("acme", "t-2")->calls);
  EXPECT_FALSE(memory.find("globex", "t-2"));
  EXPECT_FALSE(memory.find("initech", "t-1"));
  // The key's separator cannot make two different pairs collide.
  EXPECT_FALSE(memory.find("acm", "et-1"));
  EXPECT_FALSE(memory.find("acmet-1", ""));
  EXPECT_EQ(3u, memory.size());
}

TEST(TaskMemory, StaysBounded) {
  struct Case {
    std::size_t capacity;
    std::size_t most;  ///< what size() may reach
  };
  const std::vector<Case> cases{
      // 16 shards of 2 and of 6: never above the capacity.
      {32, 32},
      {100, 100},
      // Below one task per shard, each shard still holds one.
      {1, 16},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.capacity);
    TaskMemory memory(c.capacity);
    constexpr int kTasks = 2'000;
    std::size_t peak = 0;
    for (int i = 0; i < kTasks; ++i) {
      const std::string task = "t-" + std::to_string(i);
      memory.update("acme", task, [](TaskBrief& b) { ++b.calls; });
      peak = std::max(peak, memory.size());
      // The task just written is always there: a full shard is cleared before the insert.
      ASSERT_TRUE(memory.find("acme", task)) << task;
    }
    EXPECT_LE(peak, c.most);
    EXPECT_GT(peak, 0u);
    std::size_t remembered = 0;
    for (int i = 0; i < kTasks; ++i) {
      remembered += memory.find("acme", "t-" + std::to_string(i)) ? 1 : 0;
    }
    EXPECT_EQ(memory.size(), remembered);
    EXPECT_LE(remembered, c.most);
  }
}

TEST(TaskMemory, ForgottenTasksStartAfresh) {
  TaskMemory memory(1);
  memory.update("acme", "old", [](TaskBrief& b) { b.calls = 5; });
  for (int i = 0; i < 1'000; ++i) {
    memory.update("acme", "t-" + std::to_string(i), [](TaskBrief& b) { ++b.calls; });
  }
  // "old" shared its shard with some later task and was cleared with it.
  EXPECT_FALSE(memory.find("acme", "old"));
  memory.update("acme", "old", [](TaskBrief& b) { ++b.calls; });
  EXPECT_EQ(1u, memory.find("acme", "old")->calls);
}

TEST(LearnFromCall, AFailureSetsRecoveryPressureAtTheTierThatServed) {
  TaskBrief brief;
  learn_from_call(brief, CallLesson{false, false, 0, 0, 0.5, 11});
  EXPECT_EQ(brief.calls, 1u);
  EXPECT_EQ(brief.failures, 0u);
  EXPECT_FALSE(brief.last_failed);
  EXPECT_EQ(brief.budget_left, 0.5);
  learn_from_call(brief, CallLesson{true, false, 1, 1, std::nullopt, 12});
  EXPECT_EQ(brief.calls, 2u);
  EXPECT_EQ(brief.failures, 1u);
  EXPECT_TRUE(brief.last_failed);
  EXPECT_EQ(brief.last_rank, 1u);
  EXPECT_EQ(brief.retries, 1u);
  EXPECT_EQ(brief.budget_left, 0.5) << "no figure from this call: the last one stays";
  EXPECT_EQ(brief.last_messages_hash, 12u);
}

TEST(LearnFromCall, AnEscalationCountsAsAFailureButWasItsOwnRecovery) {
  TaskBrief brief;
  learn_from_call(brief, CallLesson{false, true, 1, 0, 0.4, 13});
  EXPECT_EQ(brief.failures, 1u) << "the router's history sees the cheap tier fail";
  EXPECT_FALSE(brief.last_failed) << "the stronger answer was served: no forced upgrade";
  EXPECT_EQ(brief.last_rank, 1u) << "a retry of this step starts above the tier that served";
}

TEST(TaskMemory, ConcurrentUpdatesAreNotLost) {
  TaskMemory memory;
  constexpr int kThreads = 4;
  constexpr int kUpdates = 1'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&memory, t] {
      for (int i = 0; i < kUpdates; ++i) {
        memory.update("acme", "shared", [](TaskBrief& b) { ++b.calls; });
        // Other tasks and reads in between, so shards and the lock are exercised together.
        memory.update("acme", "own-" + std::to_string(t), [](TaskBrief& b) { ++b.retries; });
        (void)memory.find("acme", "shared");
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(static_cast<std::uint32_t>(kThreads * kUpdates), memory.find("acme", "shared")->calls);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(static_cast<std::uint32_t>(kUpdates),
              memory.find("acme", "own-" + std::to_string(t))->retries);
  }
  EXPECT_EQ(static_cast<std::size_t>(kThreads + 1), memory.size());
}

}  // namespace
}  // namespace governor::server
