#include "governor/routing/route_input.hpp"

#include <nlohmann/json.hpp>

namespace governor::routing {

namespace {

using nlohmann::json;

Role role_of(const json& message) {
  const auto it = message.find("role");
  if (it == message.end() || !it->is_string()) {
    return Role::user;
  }
  const auto& role = it->get_ref<const std::string&>();
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

void add_content(const json& content, Role role, std::uint32_t index, RouteInput& input) {
  if (content.is_string()) {
    input.parts.push_back({role, index, content.get_ref<const std::string&>()});
    return;
  }
  if (!content.is_array()) {
    return;
  }
  for (const auto& part : content) {
    if (!part.is_object()) {
      continue;
    }
    const auto text = part.find("text");
    if (text != part.end() && text->is_string()) {
      input.parts.push_back({role, index, text->get_ref<const std::string&>()});
    } else {
      ++input.media_parts;
    }
  }
}

ToolChoice tool_choice_of(const json& body) {
  const auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null()) {
    return ToolChoice::absent;
  }
  if (it->is_object()) {
    return ToolChoice::named;
  }
  if (!it->is_string()) {
    return ToolChoice::absent;
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value == "none") {
    return ToolChoice::none;
  }
  if (value == "required") {
    return ToolChoice::required;
  }
  return ToolChoice::automatic;
}

ResponseFormat response_format_of(const json& body) {
  const auto it = body.find("response_format");
  if (it == body.end() || !it->is_object()) {
    return ResponseFormat::text;
  }
  const auto type = it->find("type");
  if (type == it->end() || !type->is_string()) {
    return ResponseFormat::text;
  }
  if (*type == "json_object") {
    return ResponseFormat::json_object;
  }
  if (*type == "json_schema") {
    return ResponseFormat::json_schema;
  }
  return ResponseFormat::text;
}

std::optional<std::int64_t> integer_field(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it != body.end() && it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  return std::nullopt;
}

}  // namespace

RouteInput route_input_from_body(const json& body, std::size_t body_bytes) {
  RouteInput input;
  input.body_bytes = body_bytes;
  const auto messages = body.find("messages");
  if (messages != body.end() && messages->is_array()) {
    input.parts.reserve(messages->size());
    std::uint32_t index = 0;
    for (const auto& message : *messages) {
      if (!message.is_object()) {
        continue;
      }
      const Role role = role_of(message);
      input.last_role = role;
      ++input.messages_by_role[static_cast<std::size_t>(role)];
      if (role == Role::user) {
        input.last_user_message = index;
      }
      const auto content = message.find("content");
      if (content != message.end()) {
        add_content(*content, role, index, input);
      }
      const auto calls = message.find("tool_calls");
      if (calls != message.end() && calls->is_array()) {
        input.assistant_tool_calls += static_cast<std::uint32_t>(calls->size());
      }
      ++index;
    }
    input.message_count = index;
  }
  const auto tools = body.find("tools");
  if (tools != body.end() && tools->is_array()) {
    input.tools_offered = static_cast<std::uint32_t>(tools->size());
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
