#include "governor/openai/chat_request.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <utility>

#include "json_parse.hpp"
#include "request_rules.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;
using rules::member;

constexpr std::string_view kNotJson =
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The API expects a JSON object as the payload, but what was sent "
    "was not valid JSON.)";
constexpr std::string_view kNotObject =
    "We could not parse the JSON body of your request. (HINT: The API expects a JSON object as "
    "the payload, but what was sent was a JSON value of another type.)";

RequestError invalid_json(std::string_view message) {
  return {errc::invalid_json, std::string{message}, {}};
}

rules::MaybeError check_model(const json& body) {
  if (auto e = rules::required_string(body, FieldPath{}, "model")) {
    return e;
  }
  if (member(body, "model")->get_ref<const std::string&>().empty()) {
    return rules::bad_field(FieldPath{"model"}, "must not be empty");
  }
  return std::nullopt;
}

rules::MaybeError check_body(const json& body) {
  for (const auto check :
       {check_model, rules::check_messages, rules::check_stream, rules::check_sampling,
        rules::check_tools, rules::check_output_options}) {
    if (auto e = check(body)) {
      return e;
    }
  }
  return std::nullopt;
}

bool is_true(const json* value) {
  return value != nullptr && value->is_boolean() && *value;
}

std::optional<std::int64_t> token_limit(const json& body) {
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (const json* value = member(body, key)) {
      return rules::integer_value(*value);
    }
  }
  return std::nullopt;
}

}  // namespace

ChatRequestResult parse_chat_request(std::string_view body) {
  // One parse, no exceptions, the nesting bounded as it is read. The document is then only read
  // until it is moved into the result.
  std::vector<RawMember> members;
  ParsedJson parsed = parse_json(body, members, kMaxNestingDepth);
  if (parsed.too_deep) {
    return invalid_json(
        "We could not parse the JSON body of your request: it is nested more than " +
        std::to_string(kMaxNestingDepth) + " levels deep.");
  }
  if (!parsed.doc) {
    return invalid_json(kNotJson);
  }
  json doc = std::move(*parsed.doc);
  if (!doc.is_object()) {
    return invalid_json(kNotObject);
  }
  if (auto e = check_body(doc)) {
    return std::move(*e);
  }

  ChatRequest request;
  request.model = member(doc, "model")->get<std::string>();
  request.stream = is_true(member(doc, "stream"));
  if (const json* options = member(doc, "stream_options")) {
    request.include_usage = is_true(member(*options, "include_usage"));
  }
  request.max_tokens = token_limit(doc);
  const json* tools = member(doc, "tools");
  request.has_tools = tools != nullptr && !tools->empty();
  request.wants_logprobs = is_true(member(doc, "logprobs"));
  request.message_count = member(doc, "messages")->size();
  request.body = std::move(doc);
  request.text = std::string(body);
  request.members = std::move(members);
  return request;
}

void throw_exception_from_error(const RequestError& e, const boost::source_location& loc) {
  boost::throw_exception(boost::system::system_error(make_error_code(e.code), e.message), loc);
}

}  // namespace governor::openai
