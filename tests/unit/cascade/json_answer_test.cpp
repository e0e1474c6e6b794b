#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::cascade {
namespace {

using nlohmann::json;

const json kSchemaFormat = json::parse(R"({"type":"json_schema","json_schema":{"name":"r",
  "schema":{"type":"object","properties":{"answer":{"type":"string"},
  "confidence":{"type":"number","minimum":0,"maximum":1}},"required":["answer","confidence"]}}})");

JsonAnswerProblem check_answer(std::string_view content, const json& format) {
  std::string detail;
  return check_json_answer(content, format, detail);
}

TEST(JsonAnswer, TextModeIsNeverChecked) {
  EXPECT_EQ(check_answer("not json", json(nullptr)), JsonAnswerProblem::none);
  EXPECT_EQ(check_answer("not json", json::parse(R"({"type":"text"})")), JsonAnswerProblem::none);
}

TEST(JsonAnswer, JsonObjectModeNeedsAnObject) {
  const json format = json::parse(R"({"type":"json_object"})");
  EXPECT_EQ(check_answer(R"({"a":1})", format), JsonAnswerProblem::none);
  EXPECT_EQ(check_answer(R"({"a":)", format), JsonAnswerProblem::not_json);
  EXPECT_EQ(check_answer(R"([1,2])", format), JsonAnswerProblem::not_json);
  EXPECT_EQ(check_answer("", format), JsonAnswerProblem::not_json);
}

TEST(JsonAnswer, JsonSchemaModeValidates) {
  EXPECT_EQ(check_answer(R"({"answer":"4","confidence":0.9})", kSchemaFormat),
            JsonAnswerProblem::none);
  std::string detail;
  EXPECT_EQ(check_json_answer(R"({"answer":"4"})", kSchemaFormat, detail),
            JsonAnswerProblem::schema_violation);
  EXPECT_NE(detail.find("confidence"), std::string::npos) << detail;
  EXPECT_EQ(check_answer(R"({"answer":"4","confidence":3})", kSchemaFormat),
            JsonAnswerProblem::schema_violation);
  EXPECT_EQ(check_answer(R"({"answer":"4","confidence":)", kSchemaFormat),
            JsonAnswerProblem::not_json);
}

TEST(ReadSignals, JsonModeAnswersAreChecked) {
  const json request = {{"response_format", kSchemaFormat}};
  const auto bad = read_signals(
      json::parse(
          R"({"message":{"content":"{\"answer\":1,\"confidence\":0.5}"},"finish_reason":"stop"})"),
      request);
  EXPECT_EQ(bad.json_answer, JsonAnswerProblem::schema_violation);
  EXPECT_NE(bad.json_detail.find("answer"), std::string::npos) << bad.json_detail;
}

}  // namespace
}  // namespace governor::cascade
