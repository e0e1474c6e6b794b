#include "task_lengths.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace governor::server {
namespace {

TEST(RefinedExpectedSteps, BlendsThePolicyWithWhatTasksDid) {
  struct Case {
    std::uint32_t prior;
    std::uint64_t tasks;
    double steps;
    std::uint32_t expected;
  };
  const std::vector<Case> cases{
      {8, 0, 0, 8},        // nothing finished: the policy's number
      {8, 10, 40, 6},      // (80 + 40) / 20 = 6
      {8, 1000, 3000, 3},  // history outweighs the prior: (80 + 3000) / 1010 = 3.05
      {2, 10, 200, 11},    // longer tasks than the policy thought: (20 + 200) / 20 = 11
      {1, 5, 0, 1},        // never below one step
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.prior) + " " + std::to_string(c.tasks));
    EXPECT_EQ(refined_expected_steps(c.prior, c.tasks, c.steps), c.expected);
  }
}

TEST(TaskLengths, LearnsPerClassAndIsSafeAcrossThreads) {
  TaskLengths lengths;
  EXPECT_EQ(lengths.expected_steps("a", 8), 8u);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&lengths] {
      for (int i = 0; i < 25; ++i) {
        lengths.record_finished("a", 3);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  // (10 * 8 + 100 * 3) / 110 = 3.45 -> 3.
  EXPECT_EQ(lengths.expected_steps("a", 8), 3u);
  EXPECT_EQ(lengths.expected_steps("b", 8), 8u);
}

}  // namespace
}  // namespace governor::server
