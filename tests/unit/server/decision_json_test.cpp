#include "decision_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace governor::server {
namespace {

using nlohmann::json;

routing::Decision two_tier_decision() {
  routing::Decision d;
  routing::CandidateScore cheap;
  cheap.rank = 0;
  cheap.tier = "cheap";
  cheap.p_success = 0.6;
  cheap.est_cost = 0.001;
  cheap.worst_cost = 0.004;
  cheap.utility = 0.57;
  cheap.allowed = true;
  routing::CandidateScore premium = cheap;
  premium.rank = 1;
  premium.tier = "premium";
  premium.p_success = 0.8;
  premium.est_cost = 0.03;
  premium.utility = -0.1;
  premium.allowed = false;
  d.candidates = {cheap, premium};
  d.chosen = 0;
  d.lambda = 30.0;
  d.allowance = 0.002;
  d.reasons[static_cast<std::size_t>(routing::Reason::utility)] = true;
  return d;
}

TEST(DecisionTrace, KeepsCandidatesLambdaPredictionAndBudget) {
  CallRecord record;
  record.decision = two_tier_decision();
  record.prediction = routing::SuccessPrediction{0.6, 0.8};
  record.budget_before = 0.25;
  const json trace = json::parse(decision_trace_text(record));
  EXPECT_EQ(trace["chosen"], "cheap");
  EXPECT_EQ(trace["lambda"], 30.0);
  EXPECT_EQ(trace["allowance_usd"], 0.002);
  EXPECT_EQ(trace["reasons"], "utility");
  ASSERT_EQ(trace["candidates"].size(), 2u);
  EXPECT_EQ(trace["candidates"][1]["tier"], "premium");
  EXPECT_EQ(trace["candidates"][1]["p_success"], 0.8);
  EXPECT_EQ(trace["candidates"][1]["allowed"], false);
  EXPECT_EQ(trace["prediction"]["strong"], 0.8);
  EXPECT_EQ(trace["budget_before_usd"], 0.25);
}

TEST(DecisionTrace, APinnedCallKeepsNothing) {
  EXPECT_EQ(decision_trace_text(CallRecord{}), "");
}

}  // namespace
}  // namespace governor::server
