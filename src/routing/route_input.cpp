#include "governor/routing/route_input.hpp"

#include "governor/openai/json_document.hpp"

namespace governor::routing {

namespace {

using openai::find_member;
using openai::JsonValue;
using openai::string_of;

Role role_of(const JsonValue& message) {
  const JsonValue* value = find_member(message, "role");
  if (value == nullptr || !value->IsString()) {
    return Role::user;
  }
  const std::string_view role = string_of(*value);
  if (role == "system" || role == "developer") {
    return Role::system;
  }
  if (role == "assistant") {
    return Role::assistant;
  }
  if (role == "tool" || role == "function") {
    return Role::tool;
  }
  return Role::user;
}

void add_content(const JsonValue& content, Role role, std::uint32_t index, RouteInput& input) {
  if (content.IsString()) {
    input.parts.push_back({role, index, string_of(content)});
    return;
  }
  if (!content.IsArray()) {
    return;
  }
  for (const JsonValue& part : content.GetArray()) {
    if (!part.IsObject()) {
      continue;
    }
    const JsonValue* text = find_member(part, "text");
    if (text != nullptr && text->IsString()) {
      input.parts.push_back({role, index, string_of(*text)});
    } else {
      ++input.media_parts;
    }
  }
}

ToolChoice tool_choice_of(const JsonValue& body) {
  const JsonValue* choice = find_member(body, "tool_choice");
  if (choice == nullptr || choice->IsNull()) {
    return ToolChoice::absent;
  }
  if (choice->IsObject()) {
    return ToolChoice::named;
  }
  if (!choice->IsString()) {
    return ToolChoice::absent;
  }
  const std::string_view value = string_of(*choice);
  if (value == "none") {
    return ToolChoice::none;
  }
  if (value == "required") {
    return ToolChoice::required;
  }
  return ToolChoice::automatic;
}

ResponseFormat response_format_of(const JsonValue& body) {
  const JsonValue* format = find_member(body, "response_format");
  const JsonValue* type = format != nullptr ? find_member(*format, "type") : nullptr;
  if (type == nullptr || !type->IsString()) {
    return ResponseFormat::text;
  }
  if (string_of(*type) == "json_object") {
    return ResponseFormat::json_object;
  }
  if (string_of(*type) == "json_schema") {
    return ResponseFormat::json_schema;
  }
  return ResponseFormat::text;
}

std::optional<std::int64_t> integer_field(const JsonValue& body, const char* name) {
  const JsonValue* value = find_member(body, name);
  if (value != nullptr && value->IsInt64()) {
    return value->GetInt64();
  }
  return std::nullopt;
}

}  // namespace

RouteInput route_input_from_body(const JsonValue& body, std::size_t body_bytes) {
  RouteInput input;
  input.body_bytes = body_bytes;
  const JsonValue* messages = find_member(body, "messages");
  if (messages != nullptr && messages->IsArray()) {
    input.parts.reserve(messages->Size());
    std::uint32_t index = 0;
    for (const JsonValue& message : messages->GetArray()) {
      if (!message.IsObject()) {
        continue;
      }
      const Role role = role_of(message);
      input.last_role = role;
      ++input.messages_by_role[static_cast<std::size_t>(role)];
      if (role == Role::user) {
        input.last_user_message = index;
      }
      if (const JsonValue* content = find_member(message, "content")) {
        add_content(*content, role, index, input);
      }
      const JsonValue* calls = find_member(message, "tool_calls");
      if (calls != nullptr && calls->IsArray()) {
        input.assistant_tool_calls += calls->Size();
      }
      ++index;
    }
    input.message_count = index;
  }
  const JsonValue* tools = find_member(body, "tools");
  if (tools != nullptr && tools->IsArray()) {
    input.tools_offered = tools->Size();
  }
  input.tool_choice = tool_choice_of(body);
  input.response_format = response_format_of(body);
  input.max_tokens = integer_field(body, "max_completion_tokens");
  if (!input.max_tokens) {
    input.max_tokens = integer_field(body, "max_tokens");
  }
  return input;
}

RouteInput route_input_from_prompt(std::string_view prompt) {
  RouteInput input;
  input.parts.push_back({Role::user, 0, prompt});
  input.message_count = 1;
  input.messages_by_role[static_cast<std::size_t>(Role::user)] = 1;
  input.last_user_message = 0;
  input.body_bytes = prompt.size();
  return input;
}

}  // namespace governor::routing
