// Deterministic mutations of valid inputs: nothing malformed may throw or crash, and what is
// accepted stays acceptable after a trip through upstream_body.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/error_body.hpp"
#include "governor/openai/sse.hpp"
#include "governor/openai/usage.hpp"
#include "testdata.hpp"
#include "text_mutation.hpp"

namespace governor::openai {
namespace {

const std::vector<std::string> kSeeds = {
    R"({"model":"auto","messages":[{"role":"user","content":"Hello!"}]})",
    R"({"model":"auto","stream":true,"stream_options":{"include_usage":true},"max_tokens":100,"temperature":0.5,"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"Café ☕"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]})",
    R"({"model":"auto","messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],"tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"}}},"stop":["\n"],"metadata":{"task":"t"},"logprobs":true,"top_logprobs":2})",
};

using testing::mutate;

TEST(Robustness, MutatedRequestsAreRefusedOrRoundTrip) {
  std::mt19937 rng(20240601);
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string body = mutate(kSeeds[i % kSeeds.size()], rng);
    ChatRequestResult result = RequestError{};
    ASSERT_NO_THROW(result = parse_chat_request(body)) << body;
    if (!result) {
      ASSERT_FALSE(result.error().message.empty());
      ASSERT_TRUE(nlohmann::json::accept(error_body_json(
          make_api_error(result.error().code, result.error().message, result.error().param))));
      continue;
    }
    ++accepted;
    std::string upstream;
    ASSERT_NO_THROW(upstream = upstream_body(*result, "gpt-4o-mini"));
    const auto again = parse_chat_request(upstream);
    ASSERT_TRUE(again.has_value()) << body << "\n" << upstream << "\n" << again.error().message;
    EXPECT_EQ(again->model, "gpt-4o-mini");
  }
  EXPECT_GT(accepted, 100);  // the mutations also exercise the accepting paths
}

TEST(Robustness, MutatedStreamsDecodeWithoutThrowing) {
  const std::string stream = testing::read_testdata("sse/openai_stream.txt");
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    const std::string bytes = mutate(mutate(stream, rng), rng);
    SseDecoder decoder;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
      const std::size_t size = 1 + rng() % 200;
      ASSERT_NO_THROW(decoder.feed(std::string_view{bytes}.substr(offset, size),
                                   [](const SseEvent& e) { (void)inspect_chunk(e.data); }));
      offset += size;
    }
    ASSERT_LE(decoder.pending_bytes(), bytes.size());
  }
}

TEST(Robustness, MutatedCompletionsNeverThrow) {
  const std::string completion =
      R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}})";
  std::mt19937 rng(11);
  for (int i = 0; i < 5'000; ++i) {
    const std::string body = mutate(completion, rng);
    ASSERT_NO_THROW((void)usage_from_completion(body)) << body;
    ASSERT_NO_THROW((void)inspect_chunk(body)) << body;
  }
}

}  // namespace
}  // namespace governor::openai
