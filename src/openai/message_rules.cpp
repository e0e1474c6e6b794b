#include <array>
#include <string>

#include "request_rules.hpp"

namespace governor::openai::rules {
namespace {

constexpr std::array<std::string_view, 6> kRoles = {"system",    "developer", "user",
                                                    "assistant", "tool",      "function"};
constexpr std::array<std::string_view, 2> kToolCallTypes = {"function", "custom"};

MaybeError check_content_part(const JsonValue& part, const FieldPath& path) {
  if (auto e = expect_object(part, path)) {
    return e;
  }
  if (auto e = required_string(part, path, "type")) {
    return e;
  }
  const std::string_view type = string_of(*member(part, "type"));
  if (type == "text" || type == "refusal") {
    return required_string(part, path, type);
  }
  if (type == "image_url") {
    const FieldPath image_path = path.child("image_url");
    const JsonValue* image = member(part, "image_url");
    if (image == nullptr) {
      return missing(image_path);
    }
    if (auto e = expect_object(*image, image_path)) {
      return e;
    }
    return required_string(*image, image_path, "url");
  }
  // input_audio, file and part types OpenAI adds later are the upstream's to judge.
  return std::nullopt;
}

MaybeError check_content(const JsonValue& content, const FieldPath& path) {
  if (content.IsString()) {
    return std::nullopt;
  }
  if (!content.IsArray()) {
    return wrong_type(path, "a string or an array of content parts", content);
  }
  for (rapidjson::SizeType i = 0; i < content.Size(); ++i) {
    if (auto e = check_content_part(content[i], path.at(i))) {
      return e;
    }
  }
  return std::nullopt;
}

MaybeError check_required_content(const JsonValue& message, const FieldPath& path) {
  const JsonValue* content = member(message, "content");
  if (content == nullptr) {
    return missing(path.child("content"));
  }
  return check_content(*content, path.child("content"));
}

MaybeError check_tool_call(const JsonValue& call, const FieldPath& path) {
  if (auto e = expect_object(call, path)) {
    return e;
  }
  if (auto e = required_string(call, path, "id")) {
    return e;
  }
  const JsonValue* type = member(call, "type");
  if (type == nullptr) {
    return missing(path.child("type"));
  }
  if (auto e = expect_one_of(*type, path.child("type"), kToolCallTypes)) {
    return e;
  }
  // {"type":"function","function":{"name","arguments"}} or, for custom tools,
  // {"type":"custom","custom":{"name","input"}}.
  const bool is_function = string_of(*type) == "function";
  const std::string_view key = is_function ? "function" : "custom";
  const FieldPath body_path = path.child(key);
  const JsonValue* body = member(call, key);
  if (body == nullptr) {
    return missing(body_path);
  }
  if (auto e = expect_object(*body, body_path)) {
    return e;
  }
  if (auto e = required_string(*body, body_path, "name")) {
    return e;
  }
  return required_string(*body, body_path, is_function ? "arguments" : "input");
}

MaybeError check_assistant(const JsonValue& message, const FieldPath& path) {
  const JsonValue* tool_calls = member(message, "tool_calls");
  if (tool_calls != nullptr) {
    const FieldPath calls_path = path.child("tool_calls");
    if (auto e = expect_array(*tool_calls, calls_path)) {
      return e;
    }
    for (rapidjson::SizeType i = 0; i < tool_calls->Size(); ++i) {
      if (auto e = check_tool_call((*tool_calls)[i], calls_path.at(i))) {
        return e;
      }
    }
  }
  const JsonValue* function_call = member(message, "function_call");
  if (function_call != nullptr) {
    const FieldPath call_path = path.child("function_call");
    if (auto e = expect_object(*function_call, call_path)) {
      return e;
    }
    if (auto e = required_string(*function_call, call_path, "name")) {
      return e;
    }
    if (auto e = required_string(*function_call, call_path, "arguments")) {
      return e;
    }
  }
  if (auto e = optional_string(message, path, "refusal")) {
    return e;
  }
  const JsonValue* content = member(message, "content");
  if (content != nullptr) {
    return check_content(*content, path.child("content"));
  }
  // A turn that only called tools (or refused) has no content; any other turn must have it.
  const bool has_tool_calls = tool_calls != nullptr && !tool_calls->Empty();
  if (!has_tool_calls && function_call == nullptr && member(message, "refusal") == nullptr) {
    return bad_field(path.child("content"),
                     "is required unless the assistant message has tool_calls, function_call or "
                     "refusal");
  }
  return std::nullopt;
}

MaybeError check_message(const JsonValue& message, const FieldPath& path) {
  if (auto e = expect_object(message, path)) {
    return e;
  }
  const JsonValue* role = member(message, "role");
  if (role == nullptr) {
    return missing(path.child("role"));
  }
  if (auto e = expect_one_of(*role, path.child("role"), kRoles)) {
    return e;
  }
  const std::string_view role_name = string_of(*role);
  if (role_name == "function") {
    // Deprecated function-calling result: a name and string (or null) content.
    if (auto e = required_string(message, path, "name")) {
      return e;
    }
    return optional_string(message, path, "content");
  }
  if (auto e = optional_string(message, path, "name")) {
    return e;
  }
  if (role_name == "assistant") {
    return check_assistant(message, path);
  }
  if (role_name == "tool") {
    if (auto e = required_string(message, path, "tool_call_id")) {
      return e;
    }
  }
  return check_required_content(message, path);
}

}  // namespace

MaybeError check_messages(const JsonDocument& body) {
  const FieldPath path{"messages"};
  const JsonValue* messages = member(body, "messages");
  if (messages == nullptr) {
    return missing(path);
  }
  if (auto e = expect_array(*messages, path)) {
    return e;
  }
  if (messages->Empty()) {
    return bad_field(path, "must contain at least one message");
  }
  if (messages->Size() > kMaxMessages) {
    return bad_field(path, "must contain at most " + std::to_string(kMaxMessages) + " messages");
  }
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    if (auto e = check_message((*messages)[i], path.at(i))) {
      return e;
    }
  }
  return std::nullopt;
}

}  // namespace governor::openai::rules
