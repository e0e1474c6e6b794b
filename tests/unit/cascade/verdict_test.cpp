#include "governor/cascade/verdict.hpp"

#include <gtest/gtest.h>

namespace governor::cascade {
namespace {

using config::AcceptRule;
using config::EscalationSignal;

AnswerSignals confident_answer(double uncertainty, std::optional<double> entropy) {
  AnswerSignals s;
  s.confidence = TokenConfidence{10, uncertainty, entropy};
  return s;
}

AcceptRule thresholds(std::optional<double> max_uncertainty, std::optional<double> max_entropy) {
  AcceptRule rule;
  rule.max_uncertainty = max_uncertainty;
  rule.max_entropy = max_entropy;
  return rule;
}

TEST(CascadeVerdict, AcceptsAnAnswerWithinBothThresholds) {
  EXPECT_EQ(judge(confident_answer(0.10, 0.5), thresholds(0.2, 1.0)), Verdict{});
}

TEST(CascadeVerdict, UncertaintyAboveItsThresholdEscalates) {
  const Verdict v = judge(confident_answer(0.25, 0.5), thresholds(0.2, 1.0));
  EXPECT_FALSE(v.accept);
  EXPECT_EQ(v.reason, EscalationSignal::uncertainty);
}

TEST(CascadeVerdict, EntropyAboveItsThresholdEscalates) {
  const Verdict v = judge(confident_answer(0.1, 1.5), thresholds(0.2, 1.0));
  EXPECT_FALSE(v.accept);
  EXPECT_EQ(v.reason, EscalationSignal::entropy);
}

TEST(CascadeVerdict, AThresholdAtTheValueStillAccepts) {
  EXPECT_TRUE(judge(confident_answer(0.2, 1.0), thresholds(0.2, 1.0)).accept);
}

TEST(CascadeVerdict, WithoutLogprobsOnlyStructuralSignalsJudge) {
  AnswerSignals s;  // no confidence: a tool call, or an upstream without logprobs
  EXPECT_TRUE(judge(s, thresholds(0.0, 0.0)).accept);
  s.truncated = true;
  EXPECT_EQ(judge(s, thresholds(0.0, 0.0)).reason, EscalationSignal::truncated);
}

TEST(CascadeVerdict, StructuralSignalsComeBeforeThresholds) {
  AnswerSignals s = confident_answer(0.9, 3.0);
  s.refusal = true;
  EXPECT_EQ(judge(s, thresholds(0.1, 0.1)).reason, EscalationSignal::refusal);
  s.stream_broken = true;
  EXPECT_EQ(judge(s, thresholds(0.1, 0.1)).reason, EscalationSignal::stream_broken);
}

TEST(CascadeVerdict, EachStructuralSignalEscalatesWithItsOwnReason) {
  struct Case {
    void (*set)(AnswerSignals&);
    EscalationSignal expected;
  };
  const Case cases[] = {
      {[](AnswerSignals& s) { s.stream_broken = true; }, EscalationSignal::stream_broken},
      {[](AnswerSignals& s) {
         s.tool_calls.push_back({"f", ToolCallProblem::not_json, "x"});
       },
       EscalationSignal::malformed_tool_call},
      {[](AnswerSignals& s) { s.json_answer = JsonAnswerProblem::schema_violation; },
       EscalationSignal::invalid_json},
      {[](AnswerSignals& s) { s.truncated = true; }, EscalationSignal::truncated},
      {[](AnswerSignals& s) { s.content_filtered = true; }, EscalationSignal::content_filter},
      {[](AnswerSignals& s) { s.refusal = true; }, EscalationSignal::refusal},
      {[](AnswerSignals& s) { s.empty = true; }, EscalationSignal::empty},
  };
  for (const Case& c : cases) {
    AnswerSignals s;
    c.set(s);
    const Verdict v = judge(s, AcceptRule{});
    EXPECT_FALSE(v.accept) << to_string(c.expected);
    EXPECT_EQ(v.reason, c.expected);
  }
}

TEST(CascadeVerdict, SignalsLeftOutOfEscalateOnAreIgnored) {
  AcceptRule rule = thresholds(0.1, std::nullopt);
  rule.escalate_on.fill(false);
  rule.escalate_on[static_cast<std::size_t>(EscalationSignal::empty)] = true;
  AnswerSignals s = confident_answer(0.9, std::nullopt);
  s.truncated = true;
  EXPECT_TRUE(judge(s, rule).accept) << "neither truncation nor uncertainty is listed";
  EXPECT_FALSE(rule.needs_logprobs());
  s.empty = true;
  EXPECT_EQ(judge(s, rule).reason, EscalationSignal::empty);
}

TEST(CascadeVerdict, LogprobsAreNeededOnlyForASetThreshold) {
  EXPECT_FALSE(AcceptRule{}.needs_logprobs());
  EXPECT_TRUE(thresholds(0.2, std::nullopt).needs_logprobs());
  EXPECT_TRUE(thresholds(std::nullopt, 1.0).needs_logprobs());
}

}  // namespace
}  // namespace governor::cascade
