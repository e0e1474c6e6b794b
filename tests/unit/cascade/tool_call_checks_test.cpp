#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::cascade {
namespace {

using nlohmann::json;

const json kTools = json::parse(R"([
  {"type":"function","function":{"name":"get_weather","parameters":{
    "type":"object",
    "properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":7},
                  "unit":{"enum":["c","f"]}},
    "required":["city"],"additionalProperties":false}}},
  {"type":"function","function":{"name":"free_form"}}
])");

json tool_call(const std::string& name, const std::string& arguments) {
  return {{"id", "call_1"},
          {"type", "function"},
          {"function", {{"name", name}, {"arguments", arguments}}}};
}

ToolCallCheck check_call(const std::string& name, const std::string& arguments) {
  const auto checks = check_tool_calls(json::array({tool_call(name, arguments)}), kTools);
  EXPECT_EQ(checks.size(), 1u);
  return checks.at(0);
}

TEST(ToolCallChecks, ValidArgumentsPass) {
  EXPECT_EQ(check_call("get_weather", R"({"city":"Oslo","days":3,"unit":"c"})").problem,
            ToolCallProblem::none);
  EXPECT_EQ(check_call("free_form", R"({"anything":[1,2]})").problem, ToolCallProblem::none);
}

TEST(ToolCallChecks, EachProblemIsNamed) {
  struct Case {
    const char* name;
    const char* tool;
    const char* arguments;
    ToolCallProblem problem;
    const char* detail;  ///< a substring of the detail
  };
  const Case cases[] = {
      {"truncated JSON", "get_weather", R"({"city":"Os)", ToolCallProblem::not_json, "not a JSON"},
      {"partial object", "get_weather", R"({"city":)", ToolCallProblem::not_json, "not a JSON"},
      {"empty", "get_weather", "", ToolCallProblem::not_json, "not a JSON"},
      {"an array", "get_weather", "[1]", ToolCallProblem::not_json, "not a JSON"},
      {"missing required", "get_weather", R"({"days":2})", ToolCallProblem::schema_violation,
       "city"},
      {"wrong type", "get_weather", R"({"city":7})", ToolCallProblem::schema_violation, "city"},
      {"out of range", "get_weather", R"({"city":"Oslo","days":9})",
       ToolCallProblem::schema_violation, "days"},
      {"not in enum", "get_weather", R"({"city":"Oslo","unit":"k"})",
       ToolCallProblem::schema_violation, "unit"},
      {"extra property", "get_weather", R"({"city":"Oslo","wind":true})",
       ToolCallProblem::schema_violation, ""},
      {"unknown tool", "get_time", R"({})", ToolCallProblem::unknown_tool, "get_time"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto result = check_call(c.tool, c.arguments);
    EXPECT_EQ(to_string(result.problem), to_string(c.problem)) << result.detail;
    EXPECT_NE(result.detail.find(c.detail), std::string::npos) << result.detail;
  }
}

TEST(ToolCallChecks, NoToolsOfferedMeansEveryCallIsUnknown) {
  const auto checks = check_tool_calls(json::array({tool_call("get_weather", "{}")}), json());
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].problem, ToolCallProblem::unknown_tool);
  EXPECT_TRUE(check_tool_calls(json(nullptr), kTools).empty());
}

TEST(ToolCallChecks, AnUnreadableSchemaIsReportedNotFatal) {
  const json tools = json::parse(
      R"([{"type":"function","function":{"name":"odd","parameters":{"type":"object",
          "properties":{"a":{"$ref":"#/definitions/missing"}}}}}])");
  const auto checks = check_tool_calls(json::array({tool_call("odd", R"({"a":1})")}), tools);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].problem, ToolCallProblem::schema_violation);
  EXPECT_NE(checks[0].detail.find("schema"), std::string::npos) << checks[0].detail;
}

TEST(ReadSignals, AMalformedToolCallIsFlagged) {
  const json request = {{"tools", kTools}};
  json choice = {{"message", {{"content", nullptr}, {"tool_calls", json::array()}}},
                 {"finish_reason", "tool_calls"}};
  choice["message"]["tool_calls"].push_back(tool_call("get_weather", R"({"city":"Oslo"})"));
  EXPECT_FALSE(read_signals(choice, request).malformed_tool_call());
  EXPECT_FALSE(read_signals(choice, request).empty);
  choice["message"]["tool_calls"].push_back(tool_call("get_weather", R"({"city":)"));
  const auto s = read_signals(choice, request);
  EXPECT_TRUE(s.malformed_tool_call());
  ASSERT_EQ(s.tool_calls.size(), 2u);
  EXPECT_EQ(s.tool_calls[1].problem, ToolCallProblem::not_json);
}

}  // namespace
}  // namespace governor::cascade
