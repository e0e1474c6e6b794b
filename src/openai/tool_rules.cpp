#include <array>
#include <string>

#include "request_rules.hpp"

namespace governor::openai::rules {
namespace {

constexpr std::array<std::string_view, 2> kToolTypes = {"function", "custom"};
constexpr std::array<std::string_view, 3> kToolChoiceModes = {"none", "auto", "required"};
constexpr std::array<std::string_view, 3> kToolChoiceTypes = {"function", "custom",
                                                              "allowed_tools"};
constexpr std::string_view kToolNameRule =
    "1 to 64 characters of a-z, A-Z, 0-9, underscores and dashes";

// OpenAI's rule for function names: ^[a-zA-Z0-9_-]{1,64}$
bool is_valid_tool_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

MaybeError check_tool_name(const JsonValue& definition, const FieldPath& path) {
  if (auto e = required_string(definition, path, "name")) {
    return e;
  }
  const JsonValue& name = *member(definition, "name");
  if (!is_valid_tool_name(string_of(name))) {
    return bad_value(path.child("name"), kToolNameRule, name);
  }
  return std::nullopt;
}

// {"type":"function","function":{"name","description"?,"parameters"?,"strict"?}} or
// {"type":"custom","custom":{"name","description"?,"format"?}}.
MaybeError check_tool(const JsonValue& tool, const FieldPath& path) {
  if (auto e = expect_object(tool, path)) {
    return e;
  }
  const JsonValue* type = member(tool, "type");
  if (type == nullptr) {
    return missing(path.child("type"));
  }
  if (auto e = expect_one_of(*type, path.child("type"), kToolTypes)) {
    return e;
  }
  const bool is_function = string_of(*type) == "function";
  const std::string_view key = is_function ? "function" : "custom";
  const FieldPath definition_path = path.child(key);
  const JsonValue* definition = member(tool, key);
  if (definition == nullptr) {
    return missing(definition_path);
  }
  if (auto e = expect_object(*definition, definition_path)) {
    return e;
  }
  if (auto e = check_tool_name(*definition, definition_path)) {
    return e;
  }
  if (auto e = optional_string(*definition, definition_path, "description")) {
    return e;
  }
  if (is_function) {
    if (auto e = optional_object(*definition, definition_path, "parameters")) {
      return e;
    }
    return optional_bool(*definition, definition_path, "strict");
  }
  return optional_object(*definition, definition_path, "format");
}

// True when `tools` offers a tool of `type` ("function" or "custom") called `name`.
bool offers_tool(const JsonValue* tools, std::string_view type, std::string_view name) {
  if (tools == nullptr) {
    return false;
  }
  for (const JsonValue& tool : tools->GetArray()) {
    const JsonValue* definition = member(tool, type);
    if (string_member(tool, "type") == type && definition != nullptr &&
        string_member(*definition, "name") == name) {
      return true;
    }
  }
  return false;
}

// "none" | "auto" | "required" | {"type":"function","function":{"name"}} naming an offered tool
// | {"type":"custom","custom":{"name"}} | {"type":"allowed_tools","allowed_tools":{...}}.
MaybeError check_tool_choice(const JsonDocument& body, const JsonValue* tools) {
  const FieldPath path{"tool_choice"};
  const JsonValue* choice = member(body, "tool_choice");
  if (choice == nullptr) {
    return std::nullopt;
  }
  const bool has_tools = tools != nullptr && !tools->Empty();
  if (choice->IsString()) {
    if (auto e = expect_one_of(*choice, path, kToolChoiceModes)) {
      return e;
    }
    if (is_string_equal(*choice, "required") && !has_tools) {
      return bad_field(path, "is 'required' but the request offers no tools");
    }
    return std::nullopt;
  }
  if (!choice->IsObject()) {
    return wrong_type(path, "a string or an object", *choice);
  }
  const JsonValue* type = member(*choice, "type");
  if (type == nullptr) {
    return missing(path.child("type"));
  }
  if (auto e = expect_one_of(*type, path.child("type"), kToolChoiceTypes)) {
    return e;
  }
  const std::string_view type_name = string_of(*type);
  const FieldPath definition_path = path.child(type_name);
  const JsonValue* definition = member(*choice, type_name);
  if (definition == nullptr) {
    return missing(definition_path);
  }
  if (auto e = expect_object(*definition, definition_path)) {
    return e;
  }
  if (type_name == "allowed_tools") {
    return std::nullopt;  // a subset of the offered tools; the upstream checks the details
  }
  if (auto e = required_string(*definition, definition_path, "name")) {
    return e;
  }
  const JsonValue& name = *member(*definition, "name");
  if (!offers_tool(tools, type_name, string_of(name))) {
    return bad_value(definition_path.child("name"),
                     type_name == "function" ? "the name of a function in tools"
                                             : "the name of a custom tool in tools",
                     name);
  }
  return std::nullopt;
}

}  // namespace

MaybeError check_tools(const JsonDocument& body) {
  const FieldPath path{"tools"};
  const JsonValue* tools = member(body, "tools");
  if (tools != nullptr) {
    if (auto e = expect_array(*tools, path)) {
      return e;
    }
    for (rapidjson::SizeType i = 0; i < tools->Size(); ++i) {
      if (auto e = check_tool((*tools)[i], path.at(i))) {
        return e;
      }
    }
  }
  return check_tool_choice(body, tools);
}

}  // namespace governor::openai::rules
