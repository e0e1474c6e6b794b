#include "sim/grading.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/generator.hpp"

namespace governor::sim {
namespace {

using nlohmann::json;

TEST(Grading, PassRateFollowsTheSuccessProbability) {
  for (const double success : {0.0, 0.2, 0.5, 0.9, 1.0}) {
    int passed = 0;
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) {
      passed += grade_attempt(success, static_cast<std::uint64_t>(i), "sim-small", 1).passed;
    }
    EXPECT_NEAR(static_cast<double>(passed) / kDraws, success, 0.015) << success;
  }
}

TEST(Grading, IsReproducibleButEachAttemptAndModelDrawsAfresh) {
  EXPECT_EQ(grade_attempt(0.5, 42, "sim-small", 1), grade_attempt(0.5, 42, "sim-small", 1));
  int differ_by_attempt = 0;
  int differ_by_model = 0;
  for (std::uint64_t key = 0; key < 400; ++key) {
    differ_by_attempt += grade_attempt(0.5, key, "sim-small", 1).passed !=
                         grade_attempt(0.5, key, "sim-small", 2).passed;
    differ_by_model += grade_attempt(0.5, key, "sim-small", 1).passed !=
                       grade_attempt(0.5, key, "sim-large", 1).passed;
  }
  // Independent fair draws disagree about half the time.
  EXPECT_NEAR(differ_by_attempt, 200, 40);
  EXPECT_NEAR(differ_by_model, 200, 40);
}

TEST(Grading, QualityIsInformativeButNoisy) {
  double pass_sum = 0;
  double fail_sum = 0;
  int passes = 0;
  int fails = 0;
  bool overlap = false;
  for (std::uint64_t key = 0; key < 2000; ++key) {
    const auto grade = grade_attempt(0.5, key, "m", 1);
    ASSERT_GT(grade.quality, 0.0);
    ASSERT_LE(grade.quality, 1.0);
    if (grade.passed) {
      pass_sum += grade.quality;
      ++passes;
      EXPECT_GE(grade.quality, 0.6);
    } else {
      fail_sum += grade.quality;
      ++fails;
      EXPECT_LE(grade.quality, 0.7);
      overlap = overlap || grade.quality > 0.6;
    }
  }
  EXPECT_GT(pass_sum / passes, fail_sum / fails + 0.3);
  EXPECT_TRUE(overlap) << "some wrong answers sound as sure as right ones";
}

SimRequest graded_request(bool with_tool) {
  json body = {{"model", "sim-small"},
               {"messages", json::array({{{"role", "user"}, {"content", "solve it"}}})},
               {"logprobs", true}};
  if (with_tool) {
    body["tools"] = json::array(
        {{{"type", "function"},
          {"function",
           {{"name", "lookup"},
            {"parameters",
             {{"type", "object"},
              {"properties", {{"query", {{"type", "string"}}}, {"limit", {{"type", "integer"}}}}},
              {"required", json::array({"query", "limit"})}}}}}}});
  }
  SimRequest request;
  EXPECT_FALSE(parse_chat_request(body, request));
  return request;
}

TEST(Grading, AFailedToolCallHasArgumentsThatAreNotJson) {
  const auto request = graded_request(true);
  const auto passed = generate_answer(request, std::nullopt, Grade{true, 0.9});
  const auto failed = generate_answer(request, std::nullopt, Grade{false, 0.3});
  ASSERT_TRUE(passed.tool_call && failed.tool_call);
  EXPECT_FALSE(json::parse(passed.tool_call->arguments, nullptr, false).is_discarded());
  EXPECT_TRUE(json::parse(failed.tool_call->arguments, nullptr, false).is_discarded());
  EXPECT_EQ(failed.finish_reason, "tool_calls");
}

TEST(Grading, AProseAnswerEndsWithItsVerdictAndSoundsAsSureAsItsQuality) {
  const auto request = graded_request(false);
  const auto passed = generate_answer(request, 40U, Grade{true, 1.0});
  const auto failed = generate_answer(request, 40U, Grade{false, 0.2});
  EXPECT_EQ(passed.pieces.back(), " [pass]");
  EXPECT_EQ(failed.pieces.back(), " [fail]");
  EXPECT_EQ(generate_answer(request, 40U).pieces.size(), 40U) << "ungraded: no verdict";
  const auto mean = [](const Answer& answer) {
    double sum = 0;
    for (const auto& entry : answer.logprobs) {
      sum += entry.logprob;
    }
    return sum / static_cast<double>(answer.logprobs.size());
  };
  EXPECT_LT(mean(failed), mean(passed));
}

}  // namespace
}  // namespace governor::sim
