#include "governor/openai/usage.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "governor/openai/sse.hpp"
#include "testdata.hpp"

namespace governor::openai {
namespace {

struct UsageCase {
  std::string name;
  std::string body;
  std::optional<TokenUsage> usage;
};

std::ostream& operator<<(std::ostream& os, const UsageCase& c) {
  return os << c.name;
}

class UsageFromCompletion : public ::testing::TestWithParam<UsageCase> {};

TEST_P(UsageFromCompletion, ReadsPromptAndCompletionTokens) {
  EXPECT_EQ(usage_from_completion(GetParam().body), GetParam().usage);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, UsageFromCompletion,
    ::testing::Values(
        UsageCase{
            "openai_completion",
            R"({"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",
                      "choices":[{"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},
                      "logprobs":null,"finish_reason":"stop"}],
                      "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
                      "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
                      "system_fingerprint":"fp_1"})",
            TokenUsage{19, 10}},
        UsageCase{"usage_first",
                  R"({"usage":{"completion_tokens":0,"prompt_tokens":7},"choices":[]})",
                  TokenUsage{7, 0}},
        UsageCase{"integral_floats", R"({"usage":{"prompt_tokens":7.0,"completion_tokens":3.0}})",
                  TokenUsage{7, 3}},
        UsageCase{"no_usage", R"({"choices":[]})", std::nullopt},
        UsageCase{"null_usage", R"({"usage":null})", std::nullopt},
        UsageCase{"usage_not_object", R"({"usage":12})", std::nullopt},
        UsageCase{"missing_completion_tokens", R"({"usage":{"prompt_tokens":7}})", std::nullopt},
        UsageCase{"negative", R"({"usage":{"prompt_tokens":-1,"completion_tokens":3}})",
                  std::nullopt},
        UsageCase{"fractional", R"({"usage":{"prompt_tokens":1.5,"completion_tokens":3}})",
                  std::nullopt},
        UsageCase{"string_counts", R"({"usage":{"prompt_tokens":"7","completion_tokens":"3"}})",
                  std::nullopt},
        UsageCase{"beyond_int64",
                  R"({"usage":{"prompt_tokens":18446744073709551615,"completion_tokens":3}})",
                  std::nullopt},
        UsageCase{"nested_not_top_level",
                  R"({"choices":[{"usage":{"prompt_tokens":7,"completion_tokens":3}}]})",
                  std::nullopt},
        UsageCase{"not_json", "<html>502 Bad Gateway</html>", std::nullopt},
        UsageCase{"truncated", R"({"usage":{"prompt_tokens":7,"completion_tokens":3})",
                  std::nullopt},
        UsageCase{"empty", "", std::nullopt}),
    [](const auto& info) { return info.param.name; });

struct ChunkCase {
  std::string name;
  std::string data;
  ChunkInfo info;
};

std::ostream& operator<<(std::ostream& os, const ChunkCase& c) {
  return os << c.name;
}

class InspectChunk : public ::testing::TestWithParam<ChunkCase> {};

TEST_P(InspectChunk, ReportsWhatTheRelayNeeds) {
  const ChunkInfo got = inspect_chunk(GetParam().data);
  const ChunkInfo& want = GetParam().info;
  EXPECT_EQ(got.done, want.done);
  EXPECT_EQ(got.valid_json, want.valid_json);
  EXPECT_EQ(got.usage_only, want.usage_only);
  EXPECT_EQ(got.is_error, want.is_error);
  EXPECT_EQ(got.usage, want.usage);
  EXPECT_EQ(got.output_chars, want.output_chars);
}

constexpr auto kHead =
    R"("id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",)";

std::string chunk(const std::string& rest) {
  return std::string{"{"} + kHead + rest + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Chunks, InspectChunk,
    ::testing::Values(
        ChunkCase{"done", "[DONE]", {.done = true}},
        ChunkCase{"done_with_whitespace", " [DONE]\r\n", {.done = true}},
        ChunkCase{
            "role",
            chunk(
                R"("choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null)"),
            {.valid_json = true}},
        ChunkCase{
            "content",
            chunk(
                R"("choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null)"),
            {.valid_json = true, .output_chars = 5}},
        ChunkCase{"content_utf8_bytes",
                  chunk(R"("choices":[{"index":0,"delta":{"content":"é\u00e9☕"}}])"),
                  {.valid_json = true, .output_chars = 7}},
        ChunkCase{
            "two_choices",
            chunk(
                R"("choices":[{"index":0,"delta":{"content":"ab"}},{"index":1,"delta":{"content":"cde"}}])"),
            {.valid_json = true, .output_chars = 5}},
        ChunkCase{"refusal",
                  chunk(R"("choices":[{"index":0,"delta":{"refusal":"I can't"}}])"),
                  {.valid_json = true, .output_chars = 7}},
        ChunkCase{
            "tool_call_start",
            chunk(
                R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]}}])"),
            {.valid_json = true, .output_chars = 11}},
        ChunkCase{
            "tool_call_arguments",
            chunk(
                R"("choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}},{"index":1,"function":{"arguments":"{}"}}]}}])"),
            {.valid_json = true, .output_chars = 10}},
        ChunkCase{
            "finish",
            chunk(
                R"("choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null)"),
            {.valid_json = true}},
        ChunkCase{
            "usage_only",
            chunk(
                R"("choices":[],"usage":{"prompt_tokens":24,"completion_tokens":26,"total_tokens":50,"completion_tokens_details":{"reasoning_tokens":0}})"),
            {.valid_json = true, .usage_only = true, .usage = TokenUsage{24, 26}}},
        ChunkCase{"usage_without_choices",
                  chunk(R"("usage":{"prompt_tokens":24,"completion_tokens":26})"),
                  {.valid_json = true, .usage_only = true, .usage = TokenUsage{24, 26}}},
        ChunkCase{
            "usage_with_content",
            chunk(
                R"("choices":[{"index":0,"delta":{"content":"x"}}],"usage":{"prompt_tokens":1,"completion_tokens":2})"),
            {.valid_json = true, .usage = TokenUsage{1, 2}, .output_chars = 1}},
        ChunkCase{
            "error",
            R"({"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}})",
            {.valid_json = true, .is_error = true}},
        ChunkCase{
            "error_string", R"({"error":"overloaded"})", {.valid_json = true, .is_error = true}},
        ChunkCase{"error_null", chunk(R"("error":null,"choices":[])"), {.valid_json = true}},
        ChunkCase{
            "text_outside_delta_not_counted",
            chunk(
                R"("choices":[{"index":0,"message":{"content":"xyz"},"delta":{"x":{"content":"abc"}}}],"content":"q")"),
            {.valid_json = true}},
        ChunkCase{"content_not_string",
                  chunk(R"("choices":[{"index":0,"delta":{"content":["abc"],"refusal":5}}])"),
                  {.valid_json = true}},
        ChunkCase{"not_json", "data: oops", {}},
        ChunkCase{"truncated", R"({"choices":[{"delta":{"content":"abc"})", {}},
        ChunkCase{"empty", "", {}},
        ChunkCase{"array",
                  R"([{"usage":{"prompt_tokens":1,"completion_tokens":1}}])",
                  {.valid_json = true}},
        // Strict JSON, as the upstream must send: anything else is not JSON at all.
        ChunkCase{"invalid_utf8", chunk("\"choices\":[{\"delta\":{\"content\":\"a\xff\"}}]"), {}},
        ChunkCase{"trailing_garbage", R"({"choices":[]} x)", {}},
        ChunkCase{"nul_inside", std::string("{\"choices\":[]}\0{}", 17), {}},
        ChunkCase{"trailing_comma", R"({"choices":[],})", {}},
        ChunkCase{"comment", R"({"choices":[] /* no */})", {}},
        ChunkCase{"nan", R"({"usage":{"prompt_tokens":NaN,"completion_tokens":1}})", {}},
        ChunkCase{"unescaped_control_character", "{\"choices\":\"a\tb\"}", {}},
        ChunkCase{"escapes_count_decoded",
                  chunk(R"("choices":[{"delta":{"content":"a\nb\u0041"}}])"),
                  {.valid_json = true, .output_chars = 4}},
        ChunkCase{"deeply_nested",
                  std::string(100'000, '[') + std::string(100'000, ']'),
                  {.valid_json = true}},
        // Past the recursive parse's depth the chunk is read again iteratively, all of it.
        ChunkCase{"deep_member_with_usage",
                  chunk(R"("x":)" + std::string(300, '[') + std::string(300, ']') +
                        R"(,"choices":[{"delta":{"content":"abc"}}],)"
                        R"("usage":{"prompt_tokens":5,"completion_tokens":2})"),
                  {.valid_json = true, .usage = TokenUsage{5, 2}, .output_chars = 3}},
        ChunkCase{"deep_and_invalid", std::string(300, '[') + "1," + std::string(300, ']'), {}},
        ChunkCase{"at_the_recursive_depth",
                  std::string(256, '[') + std::string(256, ']'),
                  {.valid_json = true}},
        ChunkCase{"one_past_the_recursive_depth",
                  std::string(257, '[') + std::string(257, ']'),
                  {.valid_json = true}}),
    [](const auto& info) { return info.param.name; });

TEST(InspectChunk, AddsUpTheRecordedStream) {
  SseDecoder decoder;
  std::int64_t chars = 0;
  int usage_chunks = 0;
  bool done = false;
  decoder.feed(testing::read_testdata("sse/openai_stream.txt"), [&](const SseEvent& e) {
    ASSERT_FALSE(done) << "event after [DONE]";
    const ChunkInfo info = inspect_chunk(e.data);
    if (info.done) {
      done = true;
      return;
    }
    EXPECT_TRUE(info.valid_json);
    EXPECT_FALSE(info.is_error);
    chars += info.output_chars;
    if (info.usage) {
      ++usage_chunks;
      EXPECT_TRUE(info.usage_only);
      EXPECT_EQ(*info.usage, (TokenUsage{24, 26}));
    }
  });
  EXPECT_TRUE(done);
  EXPECT_EQ(usage_chunks, 1);
  EXPECT_EQ(chars, 90);  // UTF-8 bytes of the streamed text
}

TEST(EstimateTokens, IsCharsOverFourRoundedUp) {
  EXPECT_EQ(estimate_tokens(0), 0);
  EXPECT_EQ(estimate_tokens(-5), 0);
  EXPECT_EQ(estimate_tokens(1), 1);
  EXPECT_EQ(estimate_tokens(4), 1);
  EXPECT_EQ(estimate_tokens(5), 2);
  EXPECT_EQ(estimate_tokens(8), 2);
  EXPECT_EQ(estimate_tokens(90), 23);
  EXPECT_EQ(estimate_tokens(std::numeric_limits<std::int64_t>::max()), 2305843009213693952);
}

}  // namespace
}  // namespace governor::openai
