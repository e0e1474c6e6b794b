#include "sim/wire.hpp"

#include <gtest/gtest.h>

namespace governor::sim {
namespace {

using nlohmann::json;

Answer three_tokens() {
  Answer answer;
  answer.pieces = {"Hi", " there", "."};
  answer.finish_reason = "stop";
  answer.prompt_tokens = 9;
  return answer;
}

ResponseMeta meta() {
  ResponseMeta meta;
  meta.id = "chatcmpl-x";
  meta.created = 1;
  meta.model = "m";
  return meta;
}

TEST(Wire, StreamEventsInOrder) {
  auto m = meta();
  m.include_usage = true;
  const auto events = stream_events(m, three_tokens(), {.usage_chunk = true});
  ASSERT_EQ(events.size(), 7U);  // role, 3 pieces, finish, usage, [DONE]
  EXPECT_FALSE(events[0].content);
  EXPECT_TRUE(events[1].content && events[2].content && events[3].content);
  EXPECT_EQ(events.back().data, "data: [DONE]\n\n");
  const auto usage = json::parse(events[5].data.substr(6));
  EXPECT_EQ(usage["choices"], json::array());
  EXPECT_EQ(usage["usage"]["total_tokens"], 12);
  const auto piece = json::parse(events[2].data.substr(6));
  EXPECT_EQ(piece["choices"][0]["delta"]["content"], " there");
  EXPECT_TRUE(piece["usage"].is_null());
}

TEST(Wire, MalformedEventFollowsTheFirstPiece) {
  const auto events = stream_events(meta(), three_tokens(), {.malformed = true});
  ASSERT_EQ(events.size(), 7U);  // role, piece, bad, 2 pieces, finish, [DONE]
  EXPECT_FALSE(events[2].content);
  EXPECT_TRUE(json::parse(events[2].data.substr(6), nullptr, false).is_discarded());
}

TEST(Wire, CompletionKeepsOpenAiKeyOrder) {
  const auto body = completion_json(meta(), three_tokens()).dump();
  EXPECT_TRUE(body.starts_with(R"({"id":"chatcmpl-x","object":"chat.completion","created":1,)"))
      << body;
  EXPECT_NE(body.find(R"("message":{"role":"assistant","content":"Hi there.","refusal":null})"),
            std::string::npos)
      << body;
}

TEST(Wire, ReasoningTokensAreBilledButNeverSent) {
  Answer answer = three_tokens();
  answer.reasoning_tokens = 40;
  const auto usage = usage_json(answer);
  EXPECT_EQ(usage["completion_tokens"], 43);
  EXPECT_EQ(usage["total_tokens"], 52);
  EXPECT_EQ(usage["completion_tokens_details"]["reasoning_tokens"], 40);
  const auto body = completion_json(meta(), answer);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hi there.");
  EXPECT_EQ(body["usage"]["completion_tokens"], 43);
}

}  // namespace
}  // namespace governor::sim
