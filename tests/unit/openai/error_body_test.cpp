#include "governor/openai/error_body.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "governor/openai/json_text.hpp"

namespace governor::openai {
namespace {

struct MappingCase {
  errc code;
  unsigned status;
  const char* type;
  const char* api_code;
};

class ErrcMapping : public ::testing::TestWithParam<MappingCase> {};

TEST_P(ErrcMapping, GivesStatusTypeAndCode) {
  const auto& c = GetParam();
  const ApiError e = make_api_error(c.code, "m", "p");
  EXPECT_EQ(e.status, c.status);
  EXPECT_EQ(e.type, c.type);
  EXPECT_EQ(e.code, c.api_code);
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.param, "p");
}

INSTANTIATE_TEST_SUITE_P(
    EveryErrc, ErrcMapping,
    ::testing::Values(
        MappingCase{errc::invalid_json, 400, "invalid_request_error", "invalid_json"},
        MappingCase{errc::invalid_request, 400, "invalid_request_error", "invalid_value"},
        MappingCase{errc::unauthenticated, 401, "invalid_request_error", "invalid_api_key"},
        MappingCase{errc::permission_denied, 403, "permission_denied", "permission_denied"},
        MappingCase{errc::task_exists, 409, "invalid_request_error", "task_exists"},
        MappingCase{errc::retry_limit, 402, "insufficient_quota", "retry_limit"},
        MappingCase{errc::model_not_found, 404, "invalid_request_error", "model_not_found"},
        MappingCase{errc::not_found, 404, "invalid_request_error", "not_found"},
        MappingCase{errc::method_not_allowed, 405, "invalid_request_error", "method_not_allowed"},
        MappingCase{errc::body_too_large, 413, "invalid_request_error", "request_too_large"},
        MappingCase{errc::budget_exhausted, 402, "insufficient_quota", "budget_exhausted"},
        MappingCase{errc::upstream_unavailable, 502, "api_error", "upstream_unavailable"},
        MappingCase{errc::upstream_bad_response, 502, "api_error", "upstream_bad_response"},
        MappingCase{errc::upstream_timeout, 504, "api_error", "upstream_timeout"},
        MappingCase{errc::shutting_down, 503, "api_error", "shutting_down"},
        MappingCase{errc::ledger_unavailable, 503, "api_error", "ledger_unavailable"},
        MappingCase{errc::internal, 500, "api_error", "internal_error"}));

TEST(MakeApiError, DefaultsTheMessageToTheErrcMessage) {
  EXPECT_EQ(make_api_error(errc::budget_exhausted).message, "budget exhausted");
  EXPECT_EQ(make_api_error(errc::upstream_timeout).message, "upstream timed out");
  EXPECT_EQ(make_api_error(errc::model_not_found).param, "");
}

struct BodyCase {
  ApiError error;
  std::string json;
};

void PrintTo(const BodyCase& c, std::ostream* os) {
  *os << c.json;
}

class ErrorBody : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ErrorBody, IsExactlyOpenAiShaped) {
  EXPECT_EQ(error_body_json(GetParam().error), GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ErrorBody,
    ::testing::Values(
        BodyCase{
            make_api_error(errc::budget_exhausted, "Task t-1 has spent its budget."),
            R"({"error":{"message":"Task t-1 has spent its budget.","type":"insufficient_quota","param":null,"code":"budget_exhausted"}})"},
        BodyCase{
            make_api_error(errc::invalid_request, "temperature must be between 0 and 2; got 2.5",
                           "temperature"),
            R"({"error":{"message":"temperature must be between 0 and 2; got 2.5","type":"invalid_request_error","param":"temperature","code":"invalid_value"}})"},
        BodyCase{
            make_api_error(errc::invalid_json),
            R"({"error":{"message":"request body is not valid JSON","type":"invalid_request_error","param":null,"code":"invalid_json"}})"},
        BodyCase{
            make_api_error(errc::upstream_timeout),
            R"({"error":{"message":"upstream timed out","type":"api_error","param":null,"code":"upstream_timeout"}})"},
        BodyCase{
            make_api_error(errc::model_not_found, "The model 'gpt-9' does not exist", "model"),
            R"({"error":{"message":"The model 'gpt-9' does not exist","type":"invalid_request_error","param":"model","code":"model_not_found"}})"},
        BodyCase{
            ApiError{401, "invalid_request_error", "", "no key", ""},
            R"({"error":{"message":"no key","type":"invalid_request_error","param":null,"code":null}})"}),
    [](const ::testing::TestParamInfo<BodyCase>& info) {
      // Readable ctest names: the case's index and error code (no byte dumps).
      std::string code = info.param.error.code.empty() ? "no_code" : info.param.error.code;
      return "case" + std::to_string(info.index) + "_" + code;
    });

TEST(ErrorBody, EscapesQuotesBackslashesNewlinesAndControlCharacters) {
  const ApiError e =
      make_api_error(errc::invalid_request, "a \"b\" \\ c\nd\te\x01\x1f", "metadata.\"k\"");
  EXPECT_EQ(
      error_body_json(e),
      R"({"error":{"message":"a \"b\" \\ c\nd\te\u0001\u001f","type":"invalid_request_error","param":"metadata.\"k\"","code":"invalid_value"}})");
  const auto parsed = nlohmann::json::parse(error_body_json(e));
  EXPECT_EQ(parsed["error"]["message"], e.message);
  EXPECT_EQ(parsed["error"]["param"], e.param);
}

TEST(ErrorBody, KeepsUtf8AndReplacesInvalidBytesInsteadOfThrowing) {
  EXPECT_EQ(
      error_body_json(make_api_error(errc::internal, "café ☕")),
      R"({"error":{"message":"café ☕","type":"api_error","param":null,"code":"internal_error"}})");
  std::string body;
  EXPECT_NO_THROW(body = error_body_json(make_api_error(errc::internal, "bad \xff\xfe byte")));
  EXPECT_TRUE(nlohmann::json::accept(body));
  EXPECT_NE(body.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

TEST(QuoteJson, EqualsTheDocumentsDumpWithOrWithoutTheFastPath) {
  const std::vector<std::string> texts = {"",
                                          "gpt-4o-mini",
                                          "with space ~!",
                                          "quote\"d",
                                          "back\\slash",
                                          "tab\tnew\nline",
                                          std::string("nul\0byte", 8),
                                          "caf\xC3\xA9",
                                          "bad \xFE utf8",
                                          "\x7F del"};
  for (const std::string& text : texts) {
    const std::string want =
        nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    EXPECT_EQ(quote_json(text), want) << text;
    std::string appended = "x";
    append_quoted_json(appended, text);
    EXPECT_EQ(appended, "x" + want) << text;
  }
}

}  // namespace
}  // namespace governor::openai
