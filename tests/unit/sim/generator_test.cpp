#include "sim/generator.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace governor::sim {
namespace {

using nlohmann::json;

SimRequest request_for(const std::string& content, const std::string& model = "sim-small") {
  SimRequest request;
  EXPECT_FALSE(parse_chat_request(
      {{"model", model}, {"messages", json::array({{{"role", "user"}, {"content", content}}})}},
      request));
  return request;
}

TEST(Generator, AnswersAreDeterministicSentences) {
  const auto a = generate_answer(request_for("hello"), std::nullopt);
  const auto b = generate_answer(request_for("hello"), std::nullopt);
  EXPECT_EQ(a.pieces, b.pieces);
  EXPECT_EQ(a.finish_reason, "stop");
  EXPECT_GE(a.completion_tokens(), 8U);
  EXPECT_EQ(a.pieces.back(), ".");
  EXPECT_TRUE(std::isupper(static_cast<unsigned char>(a.text().front())));
  EXPECT_NE(generate_answer(request_for("hello!"), std::nullopt).pieces, a.pieces);
}

TEST(Generator, ForcedAndMaxTokens) {
  auto request = request_for("hello");
  EXPECT_EQ(generate_answer(request, 13U).completion_tokens(), 13U);
  const auto full = generate_answer(request, std::nullopt);
  request.max_tokens = 3;
  const auto cut = generate_answer(request, std::nullopt);
  EXPECT_EQ(cut.finish_reason, "length");
  ASSERT_EQ(cut.pieces.size(), 3U);
  EXPECT_TRUE(std::equal(cut.pieces.begin(), cut.pieces.end(), full.pieces.begin()));
}

TEST(Generator, PromptTokensFollowTheDocumentedFormula) {
  auto request = request_for("12345678");  // 8 chars: 2 tokens
  EXPECT_EQ(count_prompt_tokens(request), 3U + 4U + 2U);
  request.messages.push_back({{"role", "assistant"}, {"content", "x"}});
  EXPECT_EQ(count_prompt_tokens(request), 3U + 4U + 2U + 4U + 1U);
}

TEST(Generator, SplitPiecesKeepsUtf8Whole) {
  const std::string text = "{\"k\":\"h\xc3\xa9llo \xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\"}";
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    std::string joined;
    for (const auto& piece : split_pieces(text, seed)) {
      ASSERT_FALSE(piece.empty());
      EXPECT_NE(static_cast<unsigned char>(piece.front()) & 0xC0, 0x80) << "starts mid-sequence";
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
}

TEST(Generator, LogprobsAreOnePerPieceWhenAsked) {
  auto request = request_for("hello");
  request.logprobs = true;
  request.top_logprobs = 4;
  const auto answer = generate_answer(request, 30U);
  ASSERT_EQ(answer.logprobs.size(), 30U);
  for (std::size_t i = 0; i < answer.pieces.size(); ++i) {
    EXPECT_EQ(answer.logprobs[i].token, answer.pieces[i]);
    EXPECT_EQ(answer.logprobs[i].top.size(), 4U);
  }
}

TEST(Confidence, LowerQualityMeansMoreUncertainTokens) {
  ConfidenceProfile good;
  ConfidenceProfile poor;
  poor.quality = 0.3;
  int good_uncertain = 0;
  int poor_uncertain = 0;
  for (std::size_t i = 0; i < 2000; ++i) {
    good_uncertain += token_logprob(42, i, good) < good.confident_floor ? 1 : 0;
    poor_uncertain += token_logprob(42, i, poor) < poor.confident_floor ? 1 : 0;
  }
  EXPECT_GT(poor_uncertain, 2 * good_uncertain);
  EXPECT_NEAR(good_uncertain / 2000.0, good.uncertain_rate, 0.04);
}

TEST(Confidence, TopLogprobsAreSortedAndHoldAtMostAllTheMass) {
  for (std::size_t i = 0; i < 200; ++i) {
    const auto entry = make_token_logprob(" word", 7, i, 20, ConfidenceProfile{});
    ASSERT_EQ(entry.top.size(), 20U);
    double mass = 0;
    bool has_token = false;
    for (std::size_t k = 0; k < entry.top.size(); ++k) {
      mass += std::exp(entry.top[k].logprob);
      has_token = has_token || entry.top[k].token == " word";
      if (k > 0) {
        EXPECT_GE(entry.top[k - 1].logprob, entry.top[k].logprob);
      }
    }
    EXPECT_LE(mass, 1.0 + 1e-9);
    EXPECT_TRUE(has_token);
  }
}

}  // namespace
}  // namespace governor::sim
