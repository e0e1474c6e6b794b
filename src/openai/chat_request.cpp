#include "governor/openai/chat_request.hpp"

#include <boost/system/system_error.hpp>
#include <boost/throw_exception.hpp>
#include <nlohmann/json.hpp>
#include <utility>

#include "json_parse.hpp"
#include "request_rules.hpp"

namespace governor::openai {
namespace {

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

rules::MaybeError check_model(const JsonDocument& body) {
  if (auto e = rules::required_string(body, FieldPath{}, "model")) {
    return e;
  }
  if (member(body, "model")->GetStringLength() == 0) {
    return rules::bad_field(FieldPath{"model"}, "must not be empty");
  }
  return std::nullopt;
}

rules::MaybeError check_body(const JsonDocument& body) {
  for (const auto check :
       {check_model, rules::check_messages, rules::check_stream, rules::check_sampling,
        rules::check_tools, rules::check_output_options}) {
    if (auto e = check(body)) {
      return e;
    }
  }
  return std::nullopt;
}

bool is_true(const JsonValue* value) {
  return value != nullptr && value->IsTrue();
}

std::optional<std::int64_t> token_limit(const JsonDocument& body) {
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (const JsonValue* value = member(body, key)) {
      return rules::integer_value(*value);
    }
  }
  return std::nullopt;
}

}  // namespace

ChatRequestResult parse_chat_request(std::string_view body) {
  // One parse, no exceptions, the nesting bounded as it is read. The document is then only read.
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
  if (!parsed.doc->root().IsObject()) {
    return invalid_json(kNotObject);
  }
  if (auto e = check_body(*parsed.doc)) {
    return std::move(*e);
  }

  ChatRequest request{
      .body = std::move(*parsed.doc), .text = std::string(body), .members = std::move(members)};
  const JsonDocument& root = request.body;
  request.model = string_of(*member(root, "model"));
  request.stream = is_true(member(root, "stream"));
  if (const JsonValue* options = member(root, "stream_options")) {
    request.include_usage = is_true(member(*options, "include_usage"));
  }
  request.max_tokens = token_limit(root);
  const JsonValue* tools = member(root, "tools");
  request.has_tools = tools != nullptr && !tools->Empty();
  request.wants_logprobs = is_true(member(root, "logprobs"));
  request.message_count = member(root, "messages")->Size();
  return request;
}

std::string_view raw_member(const ChatRequest& request, std::string_view key) {
  for (const RawMember& m : request.members) {
    if (m.key == key) {
      return std::string_view{request.text}.substr(m.value_begin, m.value_end - m.value_begin);
    }
  }
  return {};
}

nlohmann::json members_as_nlohmann(const ChatRequest& request,
                                   std::initializer_list<std::string_view> keys) {
  nlohmann::json out = nlohmann::json::object();
  for (const std::string_view key : keys) {
    if (const std::string_view text = raw_member(request, key); !text.empty()) {
      // Validated JSON: the parse cannot fail.
      out[std::string(key)] = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    }
  }
  return out;
}

void throw_exception_from_error(const RequestError& e, const boost::source_location& loc) {
  boost::throw_exception(boost::system::system_error(make_error_code(e.code), e.message), loc);
}

}  // namespace governor::openai
