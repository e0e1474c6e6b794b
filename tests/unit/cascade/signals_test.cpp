#include "governor/cascade/signals.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace governor::cascade {
namespace {

using nlohmann::json;

TEST(TokenConfidence, MeanUncertaintyIsOneMinusTheTokenProbability) {
  // p = 1, 0.5, 0.25: uncertainty (0 + 0.5 + 0.75) / 3.
  const json content = json::parse(R"([
    {"token":"a","logprob":0},
    {"token":"b","logprob":)" + std::to_string(std::log(0.5)) +
                                   R"(},
    {"token":"c","logprob":)" + std::to_string(std::log(0.25)) +
                                   R"(}])");
  const auto c = token_confidence(content);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tokens, 3u);
  EXPECT_NEAR(c->mean_uncertainty, 1.25 / 3, 1e-6);
  EXPECT_FALSE(c->mean_entropy) << "no top_logprobs: no entropy";
}

TEST(TokenConfidence, EntropyCountsTheLeftOutMassAsOneOutcome) {
  // Token 1: top {0.5, 0.25}, rest 0.25: H = 1.5 ln 2. Token 2: top {1.0}: H = 0.
  const double ln_half = std::log(0.5);
  const double ln_quarter = std::log(0.25);
  const json content = {
      {{"token", "x"},
       {"logprob", ln_half},
       {"top_logprobs",
        {{{"token", "x"}, {"logprob", ln_half}}, {{"token", "y"}, {"logprob", ln_quarter}}}}},
      {{"token", "z"}, {"logprob", 0.0}, {"top_logprobs", {{{"token", "z"}, {"logprob", 0.0}}}}}};
  const auto c = token_confidence(content);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->mean_entropy);
  EXPECT_NEAR(*c->mean_entropy, 1.5 * std::log(2.0) / 2, 1e-9);
  EXPECT_NEAR(c->mean_uncertainty, 0.25, 1e-9);
}

TEST(TokenConfidence, MissingOrMalformedLogprobsGiveNothing) {
  EXPECT_FALSE(token_confidence(json(nullptr)));
  EXPECT_FALSE(token_confidence(json::array()));
  EXPECT_FALSE(token_confidence(json::parse(R"([{"token":"a"}])")));
  EXPECT_FALSE(token_confidence(json::parse(R"([{"token":"a","logprob":"high"}])")));
  EXPECT_FALSE(token_confidence(json::parse(R"([7])")));
  // One token without top_logprobs: uncertainty yes, entropy no.
  const auto partial = token_confidence(json::parse(
      R"([{"token":"a","logprob":0,"top_logprobs":[{"token":"a","logprob":0}]},
          {"token":"b","logprob":0}])"));
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->mean_entropy);
}

TEST(ReadSignals, FinishReasonsEmptyAndRefusals) {
  const json request = {{"messages", json::array()}};
  const auto length = read_signals(
      json::parse(R"({"message":{"content":"half an ans"},"finish_reason":"length"})"), request);
  EXPECT_TRUE(length.truncated);
  EXPECT_FALSE(length.empty);
  const auto filtered = read_signals(
      json::parse(R"({"message":{"content":""},"finish_reason":"content_filter"})"), request);
  EXPECT_TRUE(filtered.content_filtered);
  EXPECT_TRUE(filtered.empty);
  EXPECT_TRUE(
      read_signals(json::parse(R"({"message":{"content":"  \n"},"finish_reason":"stop"})"), request)
          .empty);
  EXPECT_TRUE(
      read_signals(json::parse(R"({"message":{"content":null},"finish_reason":"stop"})"), request)
          .empty);
  const auto refused = read_signals(
      json::parse(
          R"({"message":{"content":null,"refusal":"I can't do that."},"finish_reason":"stop"})"),
      request);
  EXPECT_TRUE(refused.refusal);
  EXPECT_FALSE(refused.empty);
  EXPECT_TRUE(read_signals(json::parse("{\"message\":{\"content\":\"  I\xe2\x80\x99m sorry, but I "
                                       "can\xe2\x80\x99t help with that.\"}}"),
                           request)
                  .refusal);
  const auto fine =
      read_signals(json::parse(R"({"message":{"content":"I'm sorry to hear that; here is the fix."},
                      "finish_reason":"stop"})"),
                   request);
  EXPECT_FALSE(fine.refusal);
  EXPECT_FALSE(fine.empty);
  EXPECT_FALSE(fine.truncated);
  EXPECT_TRUE(read_signals(json::object(), request, true).stream_broken);
}

TEST(ReadSignals, ConfidenceComesFromTheChoicesLogprobs) {
  const auto s = read_signals(json::parse(R"({"message":{"content":"ok"},"finish_reason":"stop",
                      "logprobs":{"content":[{"token":"ok","logprob":0}],"refusal":null}})"),
                              json::object());
  ASSERT_TRUE(s.confidence);
  EXPECT_EQ(s.confidence->mean_uncertainty, 0.0);
  EXPECT_FALSE(
      read_signals(json::parse(R"({"message":{"content":"ok"},"logprobs":null})"), json::object())
          .confidence);
}

}  // namespace
}  // namespace governor::cascade
