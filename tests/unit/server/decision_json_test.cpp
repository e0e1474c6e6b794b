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
  const json trace = json::parse(decision_trace_json(decision_trace_bytes(record)));
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

/** The trace as a DOM, built the way it was before it was written out by hand. */
json trace_dom(const CallRecord& record) {
  json trace = decision_json(*record.decision);
  if (record.cascade) {
    trace["cascade"] = cascade_json(*record.cascade);
  }
  if (record.prediction) {
    trace["prediction"] = {{"weak", record.prediction->weak},
                           {"strong", record.prediction->strong}};
  }
  trace["budget_before_usd"] = record.budget_before ? json(*record.budget_before) : json(nullptr);
  return trace;
}

TEST(DecisionTrace, TheStoredBytesReadBackAsTheDomsDumpByteForByte) {
  std::vector<CallRecord> records(5);
  records[0].decision = two_tier_decision();
  records[1].decision = two_tier_decision();
  records[1].decision->allowance.reset();
  records[1].decision->lambda = 0.0;
  records[1].decision->candidates[0].p_success = 1.0 / 3.0;
  records[1].decision->candidates[1].worst_cost = 1e-9;
  records[1].decision->candidates[1].tier = "tier \"quoted\" \\ caf\xC3\xA9";
  records[1].prediction = routing::SuccessPrediction{0.25, 1.0};
  records[1].budget_before = 12345.678;
  records[2].decision = two_tier_decision();
  records[2].decision->reasons[static_cast<std::size_t>(routing::Reason::utility)] = false;
  records[2].decision->chosen = 7;  // out of range: the chosen tier is ""
  records[3].decision = two_tier_decision();
  records[3].decision->candidates.clear();
  records[3].decision->candidates.shrink_to_fit();
  records[4].decision = two_tier_decision();
  records[4].decision->candidates[0].utility = -0.0;
  records[4].decision->candidates[1].est_cost = 1e300;
  CascadeRecord cascade;
  cascade.outcome = CascadeOutcome::escalated;
  records[4].cascade = cascade;
  for (const CallRecord& record : records) {
    EXPECT_EQ(decision_trace_json(decision_trace_bytes(record)),
              trace_dom(record).dump(-1, ' ', false, json::error_handler_t::replace));
  }
}

TEST(DecisionTrace, JsonTextFromAnOlderLedgerIsReadAsItIs) {
  const std::string old = R"({"chosen":"cheap","lambda":0.0})";
  EXPECT_EQ(decision_trace_json(old), old);
}

TEST(DecisionTrace, BytesOfAnotherShapeReadAsNone) {
  CallRecord record;
  record.decision = two_tier_decision();
  record.prediction = routing::SuccessPrediction{0.25, 1.0};
  const std::string bytes = decision_trace_bytes(record);
  EXPECT_LT(bytes.size(), decision_trace_json(bytes).size() / 2) << "compact";
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
    EXPECT_EQ(decision_trace_json(bytes.substr(0, cut)), "") << "cut at " << cut;
  }
  EXPECT_EQ(decision_trace_json(bytes + 'x'), "");
  std::string version = bytes;
  version[0] = 2;
  EXPECT_EQ(decision_trace_json(version), "");
}

TEST(DecisionTrace, APinnedCallKeepsNothing) {
  EXPECT_EQ(decision_trace_bytes(CallRecord{}), "");
  EXPECT_EQ(decision_trace_json(""), "");
}

}  // namespace
}  // namespace governor::server
