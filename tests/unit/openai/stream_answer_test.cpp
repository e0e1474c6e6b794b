#include "governor/openai/stream_answer.hpp"

#include <gtest/gtest.h>

namespace governor::openai {
namespace {

using nlohmann::json;

json chunk_with(json delta, json finish = nullptr, json logprobs = nullptr) {
  return {{"id", "c1"},
          {"object", "chat.completion.chunk"},
          {"choices",
           {{{"index", 0},
             {"delta", std::move(delta)},
             {"finish_reason", std::move(finish)},
             {"logprobs", std::move(logprobs)}}}}};
}

TEST(StreamedAnswer, ConcatenatesContentAndKeepsTheFinishReason) {
  StreamedAnswer answer;
  answer.add_chunk(chunk_with({{"role", "assistant"}, {"content", ""}}));
  answer.add_chunk(chunk_with({{"content", "Hello"}}));
  answer.add_chunk(chunk_with({{"content", " world"}}));
  answer.add_chunk(chunk_with(json::object(), "stop"));
  answer.add_chunk({{"choices", json::array()}, {"usage", {{"prompt_tokens", 3}}}});
  const json choice = answer.choice();
  EXPECT_EQ(choice["message"]["content"], "Hello world");
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_TRUE(choice["message"]["refusal"].is_null());
  EXPECT_FALSE(choice["message"].contains("tool_calls"));
}

TEST(StreamedAnswer, GathersToolCallArgumentsByIndex) {
  StreamedAnswer answer;
  answer.add_chunk(chunk_with({{"tool_calls",
                                {{{"index", 0},
                                  {"id", "call_a"},
                                  {"type", "function"},
                                  {"function", {{"name", "get_weather"}, {"arguments", ""}}}}}}}));
  answer.add_chunk(
      chunk_with({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{\"city\":"}}}}}}}));
  answer.add_chunk(chunk_with({{"tool_calls",
                                {{{"index", 1},
                                  {"id", "call_b"},
                                  {"function", {{"name", "now"}, {"arguments", "{}"}}}}}}}));
  answer.add_chunk(
      chunk_with({{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "\"Oslo\"}"}}}}}}}));
  answer.add_chunk(chunk_with(json::object(), "tool_calls"));
  const json calls = answer.choice()["message"]["tool_calls"];
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["id"], "call_a");
  EXPECT_EQ(calls[0]["function"]["name"], "get_weather");
  EXPECT_EQ(calls[0]["function"]["arguments"], "{\"city\":\"Oslo\"}");
  EXPECT_EQ(calls[1]["function"]["name"], "now");
  EXPECT_TRUE(answer.choice()["message"]["content"].is_null());
}

TEST(StreamedAnswer, AppendsLogprobEntriesInOrder) {
  StreamedAnswer answer;
  answer.add_chunk(chunk_with({{"content", "a"}}, nullptr,
                              {{"content", {{{"token", "a"}, {"logprob", -0.1}}}}}));
  answer.add_chunk(chunk_with({{"content", "b"}}, nullptr,
                              {{"content", {{{"token", "b"}, {"logprob", -0.2}}}}}));
  const json logprobs = answer.choice()["logprobs"]["content"];
  ASSERT_EQ(logprobs.size(), 2u);
  EXPECT_EQ(logprobs[1]["token"], "b");
}

TEST(StreamedAnswer, IgnoresOtherChoicesAndMalformedDeltas) {
  StreamedAnswer answer;
  json other = chunk_with({{"content", "second choice"}});
  other["choices"][0]["index"] = 1;
  answer.add_chunk(other);
  answer.add_chunk(chunk_with({{"content", 42}}));
  answer.add_chunk(chunk_with({{"tool_calls", {{{"index", -1}, {"function", {{"name", "x"}}}}}}}));
  answer.add_chunk(json::array());
  answer.add_chunk(chunk_with({{"refusal", "I can't help with that."}}));
  const json choice = answer.choice();
  EXPECT_TRUE(choice["message"]["content"].is_null());
  EXPECT_EQ(choice["message"]["refusal"], "I can't help with that.");
  EXPECT_FALSE(choice["message"].contains("tool_calls"));
}

TEST(StripLogprobs, NullsEveryChoicesLogprobsAndSaysWhetherItChanged) {
  json completion = {{"choices",
                      {{{"index", 0}, {"logprobs", {{"content", json::array()}}}},
                       {{"index", 1}, {"logprobs", nullptr}}}}};
  EXPECT_TRUE(strip_logprobs(completion));
  EXPECT_TRUE(completion["choices"][0]["logprobs"].is_null());
  EXPECT_FALSE(strip_logprobs(completion));
  json not_a_completion = json::array();
  EXPECT_FALSE(strip_logprobs(not_a_completion));
}

}  // namespace
}  // namespace governor::openai
