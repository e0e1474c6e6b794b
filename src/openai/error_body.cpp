#include "governor/openai/error_body.hpp"

#include "governor/openai/json_text.hpp"

namespace governor::openai {
namespace {

struct Mapping {
  unsigned status;
  std::string_view type;
  std::string_view code;
};

// The one errc -> (HTTP status, OpenAI type, code) table. OpenAI's SDKs retry 408/409/429/5xx and
// never 4xx otherwise, which is why budget exhaustion is 402: an agent must not hammer a spent
// budget. "insufficient_quota" is the type OpenAI uses for its own quota refusals.
Mapping mapping_of(errc code) {
  switch (code) {
    case errc::invalid_json:
      return {400, "invalid_request_error", "invalid_json"};
    case errc::invalid_request:
      return {400, "invalid_request_error", "invalid_value"};
    case errc::unauthenticated:
      return {401, "invalid_request_error", "invalid_api_key"};
    case errc::permission_denied:
      return {403, "permission_denied", "permission_denied"};
    case errc::model_not_found:
      return {404, "invalid_request_error", "model_not_found"};
    case errc::not_found:
      return {404, "invalid_request_error", "not_found"};
    case errc::method_not_allowed:
      return {405, "invalid_request_error", "method_not_allowed"};
    case errc::body_too_large:
      return {413, "invalid_request_error", "request_too_large"};
    case errc::task_exists:
      return {409, "invalid_request_error", "task_exists"};
    case errc::budget_exhausted:
      return {402, "insufficient_quota", "budget_exhausted"};
    case errc::retry_limit:
      return {402, "insufficient_quota", "retry_limit"};
    case errc::upstream_unavailable:
      return {502, "api_error", "upstream_unavailable"};
    case errc::upstream_bad_response:
      return {502, "api_error", "upstream_bad_response"};
    case errc::upstream_timeout:
      return {504, "api_error", "upstream_timeout"};
    case errc::shutting_down:
      return {503, "api_error", "shutting_down"};
    case errc::ledger_unavailable:
      return {503, "api_error", "ledger_unavailable"};
    case errc::ok:  // not an error: reaching here is a bug in the caller
    case errc::internal:
      break;
  }
  return {500, "api_error", "internal_error"};
}

// An empty code or param is rendered as null, as OpenAI does.
std::string string_or_null(const std::string& text) {
  return text.empty() ? std::string{"null"} : quote_json(text);
}

}  // namespace

ApiError make_api_error(errc code, std::string message, std::string param) {
  const Mapping m = mapping_of(code);
  if (message.empty()) {
    message = make_error_code(code).message();
  }
  return {m.status, std::string{m.type}, std::string{m.code}, std::move(message), std::move(param)};
}

std::string error_body_json(const ApiError& error) {
  std::string out = R"({"error":{"message":)";
  out += quote_json(error.message);
  out += R"(,"type":)";
  out += quote_json(error.type);
  out += R"(,"param":)";
  out += string_or_null(error.param);
  out += R"(,"code":)";
  out += string_or_null(error.code);
  out += "}}";
  return out;
}

}  // namespace governor::openai
