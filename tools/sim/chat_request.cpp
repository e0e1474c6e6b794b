#include "sim/chat_request.hpp"

#include <string_view>

namespace governor::sim {
namespace {

using nlohmann::json;

ApiError wrong_type(const std::string& param, std::string_view expected) {
  return invalid_request(
      "Invalid type for '" + param + "': expected " + std::string{expected} + ".", param,
      "invalid_type");
}

// An optional non-negative integer field; `max` bounds it.
std::optional<ApiError> read_count(const json& body, const char* key, std::uint64_t min,
                                   std::uint64_t max, std::optional<std::uint64_t>& out) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    return wrong_type(key, "an integer");
  }
  const auto value = it->get<std::int64_t>();
  if (value < 0 || static_cast<std::uint64_t>(value) < min ||
      static_cast<std::uint64_t>(value) > max) {
    return invalid_request("Invalid '" + std::string{key} + "': " + std::to_string(value) +
                               " is out of range [" + std::to_string(min) + ", " +
                               std::to_string(max) + "].",
                           key, "integer_out_of_range");
  }
  out = static_cast<std::uint64_t>(value);
  return std::nullopt;
}

std::optional<ApiError> read_bool(const json& body, const char* key, bool& out) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_boolean()) {
    return wrong_type(key, "a boolean");
  }
  out = it->get<bool>();
  return std::nullopt;
}

std::optional<ApiError> read_messages(const json& body, SimRequest& out) {
  const auto it = body.find("messages");
  if (it == body.end()) {
    return invalid_request("Missing required parameter: 'messages'.", "messages",
                           "missing_required_parameter");
  }
  if (!it->is_array()) {
    return wrong_type("messages", "an array");
  }
  if (it->empty()) {
    return invalid_request(
        "Invalid 'messages': empty array. Expected an array with minimum "
        "length 1.",
        "messages", "empty_array");
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& message = (*it)[i];
    const std::string param = "messages[" + std::to_string(i) + "]";
    if (!message.is_object()) {
      return wrong_type(param, "an object");
    }
    const auto role = message.find("role");
    if (role == message.end() || !role->is_string()) {
      return invalid_request("Missing required parameter: '" + param + ".role'.", param + ".role",
                             "missing_required_parameter");
    }
  }
  out.messages = *it;
  return std::nullopt;
}

std::optional<ApiError> read_tools(const json& body, SimRequest& out) {
  const auto it = body.find("tools");
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_array()) {
    return wrong_type("tools", "an array");
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& tool = (*it)[i];
    const std::string param = "tools[" + std::to_string(i) + "]";
    if (!tool.is_object()) {
      return wrong_type(param, "an object");
    }
    const auto function = tool.find("function");
    if (function == tool.end() || !function->is_object()) {
      return invalid_request("Missing required parameter: '" + param + ".function'.",
                             param + ".function", "missing_required_parameter");
    }
    const auto name = function->find("name");
    if (name == function->end() || !name->is_string() || name->get<std::string>().empty()) {
      return invalid_request("Missing required parameter: '" + param + ".function.name'.",
                             param + ".function.name", "missing_required_parameter");
    }
    ToolSpec spec;
    spec.name = name->get<std::string>();
    const auto parameters = function->find("parameters");
    spec.parameters = parameters == function->end() ? json::object() : *parameters;
    out.tools.push_back(std::move(spec));
  }
  return std::nullopt;
}

std::optional<ApiError> read_tool_choice(const json& body, SimRequest& out) {
  const auto it = body.find("tool_choice");
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (it->is_string()) {
    const auto choice = it->get<std::string>();
    if (choice == "auto") {
      out.tool_choice = ToolChoice::auto_choice;
    } else if (choice == "none") {
      out.tool_choice = ToolChoice::none;
    } else if (choice == "required") {
      out.tool_choice = ToolChoice::required;
    } else {
      return invalid_request("Invalid value for 'tool_choice': '" + choice +
                                 "'. Supported values are: 'none', 'auto' and 'required'.",
                             "tool_choice", "invalid_value");
    }
  } else if (it->is_object()) {
    const auto function = it->find("function");
    if (function == it->end() || !function->is_object() || !function->contains("name") ||
        !(*function)["name"].is_string()) {
      return invalid_request("Missing required parameter: 'tool_choice.function.name'.",
                             "tool_choice.function.name", "missing_required_parameter");
    }
    out.tool_choice = ToolChoice::named;
    out.tool_choice_name = (*function)["name"].get<std::string>();
  } else {
    return wrong_type("tool_choice", "a string or an object");
  }
  if (out.tool_choice != ToolChoice::none && out.tool_choice != ToolChoice::auto_choice &&
      out.tools.empty()) {
    return invalid_request(
        "Invalid value for 'tool_choice': 'tool_choice' is only allowed when "
        "'tools' are specified.",
        "tool_choice", "invalid_value");
  }
  if (out.tool_choice == ToolChoice::named) {
    bool found = false;
    for (const auto& tool : out.tools) {
      found = found || tool.name == out.tool_choice_name;
    }
    if (!found) {
      return invalid_request(
          "Invalid 'tool_choice': no tool named '" + out.tool_choice_name + "' in 'tools'.",
          "tool_choice", "invalid_value");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> read_response_format(const json& body, SimRequest& out) {
  const auto it = body.find("response_format");
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_object() || !it->contains("type") || !(*it)["type"].is_string()) {
    return invalid_request("Missing required parameter: 'response_format.type'.",
                           "response_format.type", "missing_required_parameter");
  }
  const auto type = (*it)["type"].get<std::string>();
  if (type == "text") {
    out.response_format = ResponseFormat::text;
  } else if (type == "json_object") {
    out.response_format = ResponseFormat::json_object;
  } else if (type == "json_schema") {
    const auto schema = it->find("json_schema");
    if (schema == it->end() || !schema->is_object()) {
      return invalid_request("Missing required parameter: 'response_format.json_schema'.",
                             "response_format.json_schema", "missing_required_parameter");
    }
    out.response_format = ResponseFormat::json_schema;
    const auto inner = schema->find("schema");
    out.response_schema = inner == schema->end() ? json::object() : *inner;
  } else {
    return invalid_request("Invalid value: '" + type +
                               "'. Supported values are: 'text', 'json_object' and "
                               "'json_schema'.",
                           "response_format.type", "invalid_value");
  }
  return std::nullopt;
}

}  // namespace

std::string content_text(const json& message) {
  const auto it = message.find("content");
  if (it == message.end()) {
    return {};
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  std::string text;
  if (it->is_array()) {
    for (const auto& part : *it) {
      if (part.is_object()) {
        const auto part_text = part.find("text");
        if (part_text != part.end() && part_text->is_string()) {
          text += part_text->get_ref<const std::string&>();
        }
      }
    }
  }
  return text;
}

std::optional<ApiError> parse_chat_request(const json& body, SimRequest& out) {
  out = SimRequest{};
  if (!body.is_object()) {
    return invalid_request("Invalid request body: expected a JSON object.", "", "invalid_type");
  }
  const auto model = body.find("model");
  if (model == body.end() || model->is_null()) {
    return invalid_request("You must provide a model parameter.", "model",
                           "missing_required_parameter");
  }
  if (!model->is_string()) {
    return wrong_type("model", "a string");
  }
  out.model = model->get<std::string>();
  if (auto error = read_messages(body, out)) {
    return error;
  }
  if (auto error = read_bool(body, "stream", out.stream)) {
    return error;
  }
  if (const auto options = body.find("stream_options");
      options != body.end() && !options->is_null()) {
    if (!options->is_object()) {
      return wrong_type("stream_options", "an object");
    }
    if (auto error = read_bool(*options, "include_usage", out.include_usage)) {
      error->param = "stream_options.include_usage";
      return error;
    }
    if (!out.stream) {
      // api.openai.com rejects this too; a gateway must add stream_options to streams only.
      return invalid_request(
          "The 'stream_options' parameter is only allowed when 'stream' is "
          "enabled.",
          "stream_options", "");
    }
  }
  std::optional<std::uint64_t> count;
  if (auto error = read_count(body, "max_tokens", 1, 1'000'000, count)) {
    return error;
  }
  if (auto error = read_count(body, "max_completion_tokens", 1, 1'000'000, count)) {
    return error;
  }
  if (count) {
    out.max_tokens = static_cast<std::uint32_t>(*count);
  }
  std::optional<std::uint64_t> n;
  if (auto error = read_count(body, "n", 1, 128, n)) {
    return error;
  }
  if (n && *n != 1) {
    return invalid_request("governor-sim serves only n=1.", "n", "unsupported_value");
  }
  if (auto error = read_tools(body, out)) {
    return error;
  }
  if (auto error = read_tool_choice(body, out)) {
    return error;
  }
  if (auto error = read_response_format(body, out)) {
    return error;
  }
  if (auto error = read_bool(body, "logprobs", out.logprobs)) {
    return error;
  }
  std::optional<std::uint64_t> top;
  if (auto error = read_count(body, "top_logprobs", 0, 20, top)) {
    return error;
  }
  if (top) {
    if (!out.logprobs) {
      return invalid_request("'logprobs' must be set to true when 'top_logprobs' is used.",
                             "top_logprobs", "invalid_value");
    }
    out.top_logprobs = static_cast<unsigned>(*top);
  }
  return std::nullopt;
}

}  // namespace governor::sim
