#include <gtest/gtest.h>

#include <string>

#include "governor/openai/chat_request.hpp"

namespace governor::openai {
namespace {

// A valid request with `extra` members appended.
std::string with(const std::string& extra) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}],)" + extra + "}";
}

// A request with these messages.
std::string messages(const std::string& list) {
  return R"({"model":"m","messages":[)" + list + "]}";
}

const std::string kUser = R"({"role":"user","content":"hi"})";
const std::string kCall =
    R"({"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}})";

struct InvalidCase {
  std::string name;
  std::string body;
  errc code;
  std::string param;
};

std::ostream& operator<<(std::ostream& os, const InvalidCase& c) {
  return os << c.name;
}

class Refused : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(Refused, WithTheFieldNamed) {
  const InvalidCase& c = GetParam();
  const auto result = parse_chat_request(c.body);
  ASSERT_FALSE(result.has_value()) << c.body;
  EXPECT_EQ(result.error().code, c.code) << result.error().message;
  EXPECT_EQ(result.error().param, c.param) << result.error().message;
  EXPECT_FALSE(result.error().message.empty());
  // The message names the field too, so a human reading only the message knows what to fix.
  EXPECT_NE(result.error().message.find(c.param), std::string::npos) << result.error().message;
}

const InvalidCase kJsonCases[] = {
    {"empty", "", errc::invalid_json, ""},
    {"truncated", R"({"model":"m")", errc::invalid_json, ""},
    {"trailing_garbage", with(R"("x":1)") + "x", errc::invalid_json, ""},
    {"array", R"([{"model":"m"}])", errc::invalid_json, ""},
    {"string", R"("hello")", errc::invalid_json, ""},
    {"null", "null", errc::invalid_json, ""},
    {"number", "42", errc::invalid_json, ""},
    {"single_quotes", "{'model':'m'}", errc::invalid_json, ""},
    {"invalid_utf8_byte", with("\"user\":\"a\xff\""), errc::invalid_json, ""},
    {"truncated_utf8", with("\"user\":\"caf\xc3\""), errc::invalid_json, ""},
    {"overlong_utf8", with("\"user\":\"\xc0\xaf\""), errc::invalid_json, ""},
    {"utf8_surrogate", with("\"user\":\"\xed\xa0\x80\""), errc::invalid_json, ""},
    {"lone_surrogate_escape", with(R"("user":"\ud800")"), errc::invalid_json, ""},
    {"deep_arrays", std::string(100'000, '['), errc::invalid_json, ""},
    // Well-formed but 100001 levels deep: nlohmann would parse it, and dump() would then
    // overflow the stack.
    {"deep_arrays_closed", with(R"("x":)" + std::string(100'000, '[') + std::string(100'000, ']')),
     errc::invalid_json, ""},
    {"deep_objects",
     [] {
       std::string s;
       for (int i = 0; i < 50'000; ++i) {
         s += R"({"a":)";
       }
       return s;
     }(),
     errc::invalid_json, ""},
    {"depth_129", with(R"("x":)" + std::string(128, '[') + std::string(128, ']')),
     errc::invalid_json, ""},
};

const InvalidCase kModelAndMessageCases[] = {
    {"model_missing", R"({"messages":[{"role":"user","content":"hi"}]})", errc::invalid_request,
     "model"},
    {"model_null", R"({"model":null,"messages":[{"role":"user","content":"hi"}]})",
     errc::invalid_request, "model"},
    {"model_number", R"({"model":4,"messages":[{"role":"user","content":"hi"}]})",
     errc::invalid_request, "model"},
    {"model_empty", R"({"model":"","messages":[{"role":"user","content":"hi"}]})",
     errc::invalid_request, "model"},
    {"messages_missing", R"({"model":"m"})", errc::invalid_request, "messages"},
    {"messages_object", R"({"model":"m","messages":{"role":"user"}})", errc::invalid_request,
     "messages"},
    {"messages_empty", R"({"model":"m","messages":[]})", errc::invalid_request, "messages"},
    {"message_string", messages(R"("hi")"), errc::invalid_request, "messages[0]"},
    {"role_missing", messages(R"({"content":"hi"})"), errc::invalid_request, "messages[0].role"},
    {"role_unknown", messages(kUser + R"(,{"role":"robot","content":"hi"})"), errc::invalid_request,
     "messages[1].role"},
    {"role_number", messages(R"({"role":1,"content":"hi"})"), errc::invalid_request,
     "messages[0].role"},
    {"name_number", messages(R"({"role":"user","content":"hi","name":1})"), errc::invalid_request,
     "messages[0].name"},
    {"user_content_missing", messages(R"({"role":"user"})"), errc::invalid_request,
     "messages[0].content"},
    {"user_content_null", messages(R"({"role":"user","content":null})"), errc::invalid_request,
     "messages[0].content"},
    {"user_content_number", messages(R"({"role":"user","content":5})"), errc::invalid_request,
     "messages[0].content"},
    {"system_content_object", messages(R"({"role":"system","content":{"text":"x"}})"),
     errc::invalid_request, "messages[0].content"},
    {"developer_content_missing", messages(R"({"role":"developer"})"), errc::invalid_request,
     "messages[0].content"},
    {"part_not_object", messages(R"({"role":"user","content":["hi"]})"), errc::invalid_request,
     "messages[0].content[0]"},
    {"part_type_missing", messages(R"({"role":"user","content":[{"text":"hi"}]})"),
     errc::invalid_request, "messages[0].content[0].type"},
    {"part_type_number", messages(R"({"role":"user","content":[{"type":1}]})"),
     errc::invalid_request, "messages[0].content[0].type"},
    {"text_part_without_text",
     messages(R"({"role":"user","content":[{"type":"text","text":"a"},{"type":"text"}]})"),
     errc::invalid_request, "messages[0].content[1].text"},
    {"text_part_text_number", messages(R"({"role":"user","content":[{"type":"text","text":1}]})"),
     errc::invalid_request, "messages[0].content[0].text"},
    {"image_part_url_string",
     messages(R"({"role":"user","content":[{"type":"image_url","image_url":"http://x/a.png"}]})"),
     errc::invalid_request, "messages[0].content[0].image_url"},
    {"image_part_without_url",
     messages(R"({"role":"user","content":[{"type":"image_url","image_url":{"detail":"low"}}]})"),
     errc::invalid_request, "messages[0].content[0].image_url.url"},
    {"assistant_without_content", messages(kUser + R"(,{"role":"assistant"})"),
     errc::invalid_request, "messages[1].content"},
    {"assistant_null_content_empty_tool_calls",
     messages(kUser + R"(,{"role":"assistant","content":null,"tool_calls":[]})"),
     errc::invalid_request, "messages[1].content"},
    {"assistant_content_number",
     messages(kUser + R"(,{"role":"assistant","content":1,"tool_calls":[)" + kCall + "]}"),
     errc::invalid_request, "messages[1].content"},
    {"tool_calls_object", messages(kUser + R"(,{"role":"assistant","tool_calls":{}})"),
     errc::invalid_request, "messages[1].tool_calls"},
    {"tool_call_string", messages(kUser + R"(,{"role":"assistant","tool_calls":["x"]})"),
     errc::invalid_request, "messages[1].tool_calls[0]"},
    {"tool_call_without_id",
     messages(
         kUser +
         R"(,{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]})"),
     errc::invalid_request, "messages[1].tool_calls[0].id"},
    {"tool_call_bad_type",
     messages(
         kUser +
         R"(,{"role":"assistant","tool_calls":[{"id":"c","type":"fn","function":{"name":"f","arguments":"{}"}}]})"),
     errc::invalid_request, "messages[1].tool_calls[0].type"},
    {"tool_call_without_function",
     messages(kUser + R"(,{"role":"assistant","tool_calls":[{"id":"c","type":"function"}]})"),
     errc::invalid_request, "messages[1].tool_calls[0].function"},
    {"tool_call_without_name",
     messages(
         kUser +
         R"(,{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"arguments":"{}"}}]})"),
     errc::invalid_request, "messages[1].tool_calls[0].function.name"},
    {"tool_call_arguments_object",
     messages(kUser + R"(,{"role":"assistant","tool_calls":[)" + kCall +
              R"(,{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]})"),
     errc::invalid_request, "messages[1].tool_calls[1].function.arguments"},
    {"function_call_string", messages(kUser + R"(,{"role":"assistant","function_call":"f"})"),
     errc::invalid_request, "messages[1].function_call"},
    {"function_call_without_arguments",
     messages(kUser + R"(,{"role":"assistant","function_call":{"name":"f"}})"),
     errc::invalid_request, "messages[1].function_call.arguments"},
    {"refusal_number", messages(kUser + R"(,{"role":"assistant","refusal":1})"),
     errc::invalid_request, "messages[1].refusal"},
    {"tool_without_tool_call_id", messages(kUser + R"(,{"role":"tool","content":"42"})"),
     errc::invalid_request, "messages[1].tool_call_id"},
    {"tool_call_id_number", messages(kUser + R"(,{"role":"tool","tool_call_id":7,"content":"42"})"),
     errc::invalid_request, "messages[1].tool_call_id"},
    {"tool_without_content", messages(kUser + R"(,{"role":"tool","tool_call_id":"c"})"),
     errc::invalid_request, "messages[1].content"},
    {"function_without_name", messages(R"({"role":"function","content":"42"})"),
     errc::invalid_request, "messages[0].name"},
    {"function_content_array",
     messages(R"({"role":"function","name":"f","content":[{"type":"text","text":"x"}]})"),
     errc::invalid_request, "messages[0].content"},
};

const InvalidCase kParameterCases[] = {
    {"stream_string", with(R"("stream":"yes")"), errc::invalid_request, "stream"},
    {"stream_number", with(R"("stream":1)"), errc::invalid_request, "stream"},
    {"stream_options_without_stream", with(R"("stream_options":{"include_usage":true})"),
     errc::invalid_request, "stream_options"},
    {"stream_options_stream_false",
     with(R"("stream":false,"stream_options":{"include_usage":true})"), errc::invalid_request,
     "stream_options"},
    {"stream_options_string", with(R"("stream":true,"stream_options":"usage")"),
     errc::invalid_request, "stream_options"},
    {"include_usage_string", with(R"("stream":true,"stream_options":{"include_usage":"true"})"),
     errc::invalid_request, "stream_options.include_usage"},
    {"max_tokens_zero", with(R"("max_tokens":0)"), errc::invalid_request, "max_tokens"},
    {"max_tokens_negative", with(R"("max_tokens":-5)"), errc::invalid_request, "max_tokens"},
    {"max_tokens_fraction", with(R"("max_tokens":1.5)"), errc::invalid_request, "max_tokens"},
    {"max_tokens_string", with(R"("max_tokens":"10")"), errc::invalid_request, "max_tokens"},
    {"max_tokens_bool", with(R"("max_tokens":true)"), errc::invalid_request, "max_tokens"},
    {"max_tokens_beyond_int64", with(R"("max_tokens":18446744073709551615)"), errc::invalid_request,
     "max_tokens"},
    {"max_tokens_huge_float", with(R"("max_tokens":1e300)"), errc::invalid_request, "max_tokens"},
    {"max_completion_tokens_zero", with(R"("max_tokens":5,"max_completion_tokens":0)"),
     errc::invalid_request, "max_completion_tokens"},
    {"temperature_high", with(R"("temperature":2.5)"), errc::invalid_request, "temperature"},
    {"temperature_negative", with(R"("temperature":-0.1)"), errc::invalid_request, "temperature"},
    {"temperature_string", with(R"("temperature":"1")"), errc::invalid_request, "temperature"},
    {"temperature_bool", with(R"("temperature":true)"), errc::invalid_request, "temperature"},
    {"top_p_high", with(R"("top_p":1.01)"), errc::invalid_request, "top_p"},
    {"n_zero", with(R"("n":0)"), errc::invalid_request, "n"},
    {"n_high", with(R"("n":129)"), errc::invalid_request, "n"},
    {"n_fraction", with(R"("n":2.5)"), errc::invalid_request, "n"},
    {"presence_penalty_high", with(R"("presence_penalty":3)"), errc::invalid_request,
     "presence_penalty"},
    {"frequency_penalty_low", with(R"("frequency_penalty":-2.5)"), errc::invalid_request,
     "frequency_penalty"},
    {"logprobs_string", with(R"("logprobs":"yes")"), errc::invalid_request, "logprobs"},
    {"top_logprobs_high", with(R"("logprobs":true,"top_logprobs":21)"), errc::invalid_request,
     "top_logprobs"},
    {"top_logprobs_negative", with(R"("logprobs":true,"top_logprobs":-1)"), errc::invalid_request,
     "top_logprobs"},
    {"top_logprobs_without_logprobs", with(R"("top_logprobs":5)"), errc::invalid_request,
     "top_logprobs"},
    {"top_logprobs_logprobs_false", with(R"("logprobs":false,"top_logprobs":5)"),
     errc::invalid_request, "top_logprobs"},
    {"seed_string", with(R"("seed":"42")"), errc::invalid_request, "seed"},
    {"seed_fraction", with(R"("seed":4.2)"), errc::invalid_request, "seed"},
    {"seed_beyond_int64", with(R"("seed":9223372036854775808)"), errc::invalid_request, "seed"},
    {"user_number", with(R"("user":42)"), errc::invalid_request, "user"},
    {"stop_number", with(R"("stop":5)"), errc::invalid_request, "stop"},
    {"stop_item_number", with(R"("stop":["a",1])"), errc::invalid_request, "stop[1]"},
    {"stop_five", with(R"("stop":["a","b","c","d","e"])"), errc::invalid_request, "stop"},
    {"metadata_string", with(R"("metadata":"x")"), errc::invalid_request, "metadata"},
    {"metadata_value_number", with(R"("metadata":{"a":"x","task":5})"), errc::invalid_request,
     "metadata.task"},
    {"response_format_string", with(R"("response_format":"json")"), errc::invalid_request,
     "response_format"},
    {"response_format_without_type", with(R"("response_format":{})"), errc::invalid_request,
     "response_format.type"},
    {"response_format_unknown_type", with(R"("response_format":{"type":"xml"})"),
     errc::invalid_request, "response_format.type"},
    {"json_schema_missing", with(R"("response_format":{"type":"json_schema"})"),
     errc::invalid_request, "response_format.json_schema"},
    {"json_schema_without_name",
     with(R"("response_format":{"type":"json_schema","json_schema":{"schema":{}}})"),
     errc::invalid_request, "response_format.json_schema.name"},
    {"json_schema_name_number",
     with(R"("response_format":{"type":"json_schema","json_schema":{"name":1}})"),
     errc::invalid_request, "response_format.json_schema.name"},
    {"json_schema_schema_string",
     with(R"("response_format":{"type":"json_schema","json_schema":{"name":"n","schema":"x"}})"),
     errc::invalid_request, "response_format.json_schema.schema"},
    {"json_schema_strict_string",
     with(R"("response_format":{"type":"json_schema","json_schema":{"name":"n","strict":"y"}})"),
     errc::invalid_request, "response_format.json_schema.strict"},
};

const std::string kTool = R"({"type":"function","function":{"name":"get_weather"}})";

const InvalidCase kToolCases[] = {
    {"tools_object", with(R"("tools":{})"), errc::invalid_request, "tools"},
    {"tool_string", with(R"("tools":["get_weather"])"), errc::invalid_request, "tools[0]"},
    {"tool_without_type", with(R"("tools":[{"function":{"name":"f"}}])"), errc::invalid_request,
     "tools[0].type"},
    {"tool_unknown_type", with(R"("tools":[{"type":"retrieval"}])"), errc::invalid_request,
     "tools[0].type"},
    {"tool_without_function", with(R"("tools":[{"type":"function"}])"), errc::invalid_request,
     "tools[0].function"},
    {"tool_function_string", with(R"("tools":[{"type":"function","function":"f"}])"),
     errc::invalid_request, "tools[0].function"},
    {"tool_without_name", with(R"("tools":[{"type":"function","function":{}}])"),
     errc::invalid_request, "tools[0].function.name"},
    {"tool_name_with_space", with(R"("tools":[{"type":"function","function":{"name":"my f"}}])"),
     errc::invalid_request, "tools[0].function.name"},
    {"tool_name_empty", with(R"("tools":[{"type":"function","function":{"name":""}}])"),
     errc::invalid_request, "tools[0].function.name"},
    {"tool_name_65_chars",
     with(R"("tools":[{"type":"function","function":{"name":")" + std::string(65, 'a') + R"("}}])"),
     errc::invalid_request, "tools[0].function.name"},
    {"tool_name_non_ascii", with(R"("tools":[{"type":"function","function":{"name":"météo"}}])"),
     errc::invalid_request, "tools[0].function.name"},
    {"tool_description_number",
     with(R"("tools":[)" + kTool +
          R"(,{"type":"function","function":{"name":"g","description":1}}])"),
     errc::invalid_request, "tools[1].function.description"},
    {"tool_parameters_string",
     with(R"("tools":[{"type":"function","function":{"name":"f","parameters":"{}"}}])"),
     errc::invalid_request, "tools[0].function.parameters"},
    {"tool_strict_string",
     with(R"("tools":[{"type":"function","function":{"name":"f","strict":"yes"}}])"),
     errc::invalid_request, "tools[0].function.strict"},
    {"custom_tool_without_custom", with(R"("tools":[{"type":"custom"}])"), errc::invalid_request,
     "tools[0].custom"},
    {"tool_choice_unknown_mode", with(R"("tools":[)" + kTool + R"(],"tool_choice":"sometimes")"),
     errc::invalid_request, "tool_choice"},
    {"tool_choice_number", with(R"("tools":[)" + kTool + R"(],"tool_choice":1)"),
     errc::invalid_request, "tool_choice"},
    {"tool_choice_required_without_tools", with(R"("tool_choice":"required")"),
     errc::invalid_request, "tool_choice"},
    {"tool_choice_without_type",
     with(R"("tools":[)" + kTool + R"(],"tool_choice":{"function":{"name":"get_weather"}})"),
     errc::invalid_request, "tool_choice.type"},
    {"tool_choice_without_function",
     with(R"("tools":[)" + kTool + R"(],"tool_choice":{"type":"function"})"), errc::invalid_request,
     "tool_choice.function"},
    {"tool_choice_without_name",
     with(R"("tools":[)" + kTool + R"(],"tool_choice":{"type":"function","function":{}})"),
     errc::invalid_request, "tool_choice.function.name"},
    {"tool_choice_names_unknown_tool",
     with(R"("tools":[)" + kTool +
          R"(],"tool_choice":{"type":"function","function":{"name":"get_time"}})"),
     errc::invalid_request, "tool_choice.function.name"},
    {"tool_choice_names_tool_without_tools",
     with(R"("tool_choice":{"type":"function","function":{"name":"get_weather"}})"),
     errc::invalid_request, "tool_choice.function.name"},
};

INSTANTIATE_TEST_SUITE_P(NotJson, Refused, ::testing::ValuesIn(kJsonCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(ModelAndMessages, Refused, ::testing::ValuesIn(kModelAndMessageCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Parameters, Refused, ::testing::ValuesIn(kParameterCases),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Tools, Refused, ::testing::ValuesIn(kToolCases),
                         [](const auto& info) { return info.param.name; });

struct MessageCase {
  std::string body;
  std::string message;
};

class RefusalMessage : public ::testing::TestWithParam<MessageCase> {};

TEST_P(RefusalMessage, ReadsLikeThis) {
  const auto result = parse_chat_request(GetParam().body);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Examples, RefusalMessage,
    ::testing::Values(
        MessageCase{R"({"model":"m"})", "'messages' is a required property"},
        MessageCase{messages(kUser + R"(,{"role":"robot","content":"hi"})"),
                    "messages[1].role must be one of system, developer, user, assistant, tool, "
                    "function; got 'robot'"},
        MessageCase{with(R"("temperature":2.5)"), "temperature must be between 0 and 2; got 2.5"},
        MessageCase{with(R"("max_tokens":0)"), "max_tokens must be at least 1; got 0"},
        MessageCase{with(R"("max_tokens":1.5)"), "max_tokens must be an integer; got number"},
        MessageCase{with(R"("n":"2")"), "n must be an integer; got string"},
        MessageCase{with(R"("stream_options":{"include_usage":true})"),
                    "stream_options is only allowed when stream is true"},
        MessageCase{messages(R"({"role":"user","content":[{"type":"text"}]})"),
                    "'messages[0].content[0].text' is a required property"},
        MessageCase{with(R"("tools":[{"type":"function","function":{"name":"a b"}}])"),
                    "tools[0].function.name must be 1 to 64 characters of a-z, A-Z, 0-9, "
                    "underscores and dashes; got 'a b'"},
        MessageCase{with(R"("seed":18446744073709551615)"),
                    "seed must be at most 9223372036854775807; got 18446744073709551615"},
        MessageCase{with(R"("seed":-1e19)"),
                    "seed must be at least -9223372036854775808; got -1e+19"},
        MessageCase{with(R"("max_tokens":1e30)"),
                    "max_tokens must be at most 9223372036854775807; got 1e+30"},
        MessageCase{with(R"("max_tokens":-1e30)"), "max_tokens must be at least 1; got -1e+30"},
        MessageCase{with(R"("n":1e30)"), "n must be between 1 and 128; got 1e+30"}));

TEST(RefusalMessage, CutsLongEchoedValuesShortAtACharacterBoundary) {
  const std::string role = "é" + std::string(200, 'x');
  const auto result = parse_chat_request(messages(R"({"role":")" + role + R"(","content":"x"})"));
  ASSERT_FALSE(result.has_value());
  const std::string& message = result.error().message;
  EXPECT_LT(message.size(), 200u);
  EXPECT_EQ(message.substr(message.size() - 4), "...'");
  EXPECT_NE(message.find("got 'é"), std::string::npos);
}

TEST(ResultValue, ThrowsTheRequestErrorMessage) {
  const auto result = parse_chat_request(R"({"model":"m"})");
  try {
    (void)result.value();
    FAIL() << "value() of an error did not throw";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string{e.what()}.find("'messages' is a required property"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace governor::openai
