#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_text.hpp"

namespace governor::openai {
namespace {

// The fields parse_chat_request extracts, for one table row.
struct Expected {
  std::string model = "auto";
  bool stream = false;
  bool include_usage = false;
  std::optional<std::int64_t> max_tokens;
  bool has_tools = false;
  bool wants_logprobs = false;
  std::size_t message_count = 1;
};

struct ValidCase {
  std::string name;
  std::string body;
  Expected expected;
};

std::ostream& operator<<(std::ostream& os, const ValidCase& c) {
  return os << c.name;
}

class Accepted : public ::testing::TestWithParam<ValidCase> {};

TEST_P(Accepted, WithTheFieldsExtracted) {
  const ValidCase& c = GetParam();
  const auto result = parse_chat_request(c.body);
  ASSERT_TRUE(result.has_value()) << result.error().message;
  const ChatRequest& r = *result;
  EXPECT_EQ(r.model, c.expected.model);
  EXPECT_EQ(r.stream, c.expected.stream);
  EXPECT_EQ(r.include_usage, c.expected.include_usage);
  EXPECT_EQ(r.max_tokens, c.expected.max_tokens);
  EXPECT_EQ(r.has_tools, c.expected.has_tools);
  EXPECT_EQ(r.wants_logprobs, c.expected.wants_logprobs);
  EXPECT_EQ(r.message_count, c.expected.message_count);
  // The whole document is kept, unknown fields included.
  EXPECT_EQ(nlohmann::json::parse(json_text(r.body.root())), nlohmann::json::parse(c.body));
}

const ValidCase kValidCases[] = {
    {"plain", R"({"model":"auto","messages":[{"role":"user","content":"Hello!"}]})", {}},
    {"stream_with_usage",
     R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"max_tokens":100,
         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]})",
     {.model = "gpt-4o-mini",
      .stream = true,
      .include_usage = true,
      .max_tokens = 100,
      .message_count = 2}},
    {"stream_without_usage",
     R"({"model":"auto","stream":true,"stream_options":{},"messages":[{"role":"user","content":"x"}]})",
     {.stream = true}},
    {"stream_false",
     R"({"model":"auto","stream":false,"messages":[{"role":"user","content":"x"}]})",
     {}},
    {"max_completion_tokens_wins",
     R"({"model":"auto","max_tokens":100,"max_completion_tokens":50,"messages":[{"role":"user","content":"x"}]})",
     {.max_tokens = 50}},
    {"integral_float_is_an_integer",
     R"({"model":"auto","max_tokens":256.0,"n":2.0,"messages":[{"role":"user","content":"x"}]})",
     {.max_tokens = 256}},
    {"tools_and_tool_choice",
     R"({"model":"auto","messages":[{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},
                   "strict":true}},
                  {"type":"function","function":{"name":"get-time_2"}}],
         "tool_choice":{"type":"function","function":{"name":"get_weather"}},
         "parallel_tool_calls":false,"logprobs":true,"top_logprobs":5})",
     {.has_tools = true, .wants_logprobs = true}},
    {"tool_choice_modes",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],
         "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"})",
     {.has_tools = true}},
    {"tool_choice_auto_without_tools",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"tool_choice":"auto"})",
     {}},
    {"empty_tools",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"tools":[]})",
     {}},
    {"custom_tool",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],
         "tools":[{"type":"custom","custom":{"name":"code_exec","description":"Runs Python"}}],
         "tool_choice":{"type":"custom","custom":{"name":"code_exec"}}})",
     {.has_tools = true}},
    {"multimodal_parts",
     R"({"model":"auto","messages":[
         {"role":"developer","content":[{"type":"text","text":"Describe images."}]},
         {"role":"user","content":[
           {"type":"text","text":"What is in this image?"},
           {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
           {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
           {"type":"file","file":{"file_id":"file-abc"}}]}]})",
     {.message_count = 2}},
    {"tool_call_round_trip",
     R"({"model":"auto","messages":[
         {"role":"user","content":"Weather in Paris and Rome?"},
         {"role":"assistant","content":null,"tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
           {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"18C, sunny"},
         {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"22C"}]},
         {"role":"assistant","content":"Paris 18C, Rome 22C."},
         {"role":"user","content":"Thanks"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})",
     {.has_tools = true, .message_count = 6}},
    {"assistant_refusal_and_function_call",
     R"({"model":"auto","messages":[
         {"role":"user","content":"x"},
         {"role":"assistant","refusal":"I can't help with that."},
         {"role":"assistant","function_call":{"name":"f","arguments":"{}"}},
         {"role":"function","name":"f","content":null},
         {"role":"assistant","content":[{"type":"text","text":"a"},{"type":"refusal","refusal":"b"}]}]})",
     {.message_count = 5}},
    {"response_format_json_schema",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"answer","strict":true,
           "schema":{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],
                     "additionalProperties":false}}}})",
     {}},
    {"response_format_json_object",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}})",
     {}},
    {"explicit_nulls_are_absent",
     R"({"model":"auto","messages":[{"role":"user","content":"x","name":null}],"temperature":null,
         "max_tokens":null,"stream":null,"stream_options":null,"tools":null,"tool_choice":null,
         "stop":null,"seed":null,"user":null,"metadata":null,"response_format":null,"logprobs":null})",
     {}},
    {"edges_of_every_range",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"temperature":0,"top_p":1,
         "n":128,"presence_penalty":-2,"frequency_penalty":2.0,"logprobs":true,"top_logprobs":0,
         "seed":-9223372036854775808,"max_tokens":9223372036854775807,"stop":["a","b","c","d"],
         "user":"u-1","metadata":{"task":"t-1","X-Governor-Step":"plan"}})",
     {.max_tokens = 9223372036854775807, .wants_logprobs = true}},
    {"stop_string",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"stop":"\n"})",
     {}},
    {"unknown_fields_pass_through",
     R"({"model":"auto","messages":[{"role":"user","content":"x","future_field":[1]}],
         "reasoning_effort":"low","modalities":["text"],"prediction":{"type":"content","content":"x"},
         "some_new_option":{"deep":[{"x":null}]}})",
     {}},
    {"non_ascii",
     R"({"model":"auto","messages":[{"role":"user","content":"Café ☕ 日本語 \u00e9"}]})",
     {}},
    {"brackets_inside_strings_do_not_nest",
     // The brackets follow an escaped quote: a scan that took \" for the string's end would
     // count them and refuse the body as too deep.
     R"({"model":"auto","messages":[{"role":"user","content":"\")" + std::string(1000, '[') +
         R"(\\"}]})",
     {}},
    {"depth_128",
     R"({"model":"auto","messages":[{"role":"user","content":"x"}],"x":)" + std::string(127, '[') +
         std::string(127, ']') + "}",
     {}},
};

INSTANTIATE_TEST_SUITE_P(Examples, Accepted, ::testing::ValuesIn(kValidCases),
                         [](const auto& info) { return info.param.name; });

TEST(ParseChatRequest, HandlesManyMessages) {
  std::string body = R"({"model":"auto","messages":[)";
  for (int i = 0; i < 5000; ++i) {
    body += R"({"role":"user","content":"message"},)";
  }
  body += R"({"role":"user","content":"last"}]})";
  const auto result = parse_chat_request(body);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->message_count, 5001u);
}

TEST(ParseChatRequest, RefusesMoreThanTheMessageLimit) {
  std::string body = R"({"model":"auto","messages":[)";
  for (int i = 0; i < 100'000; ++i) {
    body += "{},";
  }
  body += "{}]}";
  const auto result = parse_chat_request(body);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().param, "messages");
}

}  // namespace
}  // namespace governor::openai
