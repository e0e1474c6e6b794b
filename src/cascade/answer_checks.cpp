#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::cascade {

using nlohmann::json;

namespace {

/** The offered function tool named `name`, or null. */
const json* offered_tool(const json& tools, std::string_view name) {
  if (!tools.is_array()) {
    return nullptr;
  }
  for (const auto& tool : tools) {
    const auto function = tool.find("function");
    if (function != tool.end() && function->is_object()) {
      const auto tool_name = function->find("name");
      if (tool_name != function->end() && tool_name->is_string() &&
          tool_name->get_ref<const std::string&>() == name) {
        return &*function;
      }
    }
  }
  return nullptr;
}

ToolCallCheck check_one(const json& call, const json& tools) {
  ToolCallCheck check;
  const json* function = nullptr;
  if (const auto f = call.find("function"); f != call.end() && f->is_object()) {
    function = &*f;
  }
  if (function == nullptr) {
    check.problem = ToolCallProblem::not_json;
    check.detail = "the tool call has no function";
    return check;
  }
  if (const auto name = function->find("name"); name != function->end() && name->is_string()) {
    check.name = name->get<std::string>();
  }
  const json* tool = offered_tool(tools, check.name);
  if (tool == nullptr) {
    check.problem = ToolCallProblem::unknown_tool;
    check.detail = "no offered tool is named '" + check.name + "'";
    return check;
  }
  const auto arguments = function->find("arguments");
  const json parsed = arguments != function->end() && arguments->is_string()
                          ? json::parse(arguments->get_ref<const std::string&>(), nullptr, false)
                          : json(json::value_t::discarded);
  if (parsed.is_discarded() || !parsed.is_object()) {
    check.problem = ToolCallProblem::not_json;
    check.detail = "the arguments are not a JSON object";
    return check;
  }
  if (const auto schema = tool->find("parameters"); schema != tool->end()) {
    if (auto violation = schema_violation(*schema, parsed)) {
      check.problem = ToolCallProblem::schema_violation;
      check.detail = std::move(*violation);
    }
  }
  return check;
}

/** Whether an answer opens the way model refusals do. Checked on the first 200 bytes only. */
bool reads_as_refusal(std::string_view content) {
  constexpr std::array<std::string_view, 6> kOpenings = {
      "i'm sorry, but i can", "i am sorry, but i can", "i can't help with",
      "i cannot help with",   "i can't assist with",   "i cannot assist with"};
  std::string head;
  for (const char c : content.substr(0, 200)) {
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  head.erase(0, head.find_first_not_of(" \t\r\n"));
  // Typographic apostrophes read as plain ones.
  for (std::size_t pos = 0; (pos = head.find("\xe2\x80\x99", pos)) != std::string::npos;) {
    head.replace(pos, 3, "'");
  }
  return std::any_of(kOpenings.begin(), kOpenings.end(),
                     [&](std::string_view opening) { return head.starts_with(opening); });
}

}  // namespace

std::string_view to_string(ToolCallProblem problem) {
  switch (problem) {
    case ToolCallProblem::none:
      return "none";
    case ToolCallProblem::not_json:
      return "not_json";
    case ToolCallProblem::schema_violation:
      return "schema_violation";
    case ToolCallProblem::unknown_tool:
      return "unknown_tool";
  }
  return "unknown";
}

std::string_view to_string(JsonAnswerProblem problem) {
  switch (problem) {
    case JsonAnswerProblem::none:
      return "none";
    case JsonAnswerProblem::not_json:
      return "not_json";
    case JsonAnswerProblem::schema_violation:
      return "schema_violation";
  }
  return "unknown";
}

std::vector<ToolCallCheck> check_tool_calls(const json& tool_calls, const json& request_tools) {
  std::vector<ToolCallCheck> checks;
  if (!tool_calls.is_array()) {
    return checks;
  }
  for (const auto& call : tool_calls) {
    checks.push_back(check_one(call, request_tools));
  }
  return checks;
}

JsonAnswerProblem check_json_answer(std::string_view content, const json& response_format,
                                    std::string& detail) {
  detail.clear();
  if (!response_format.is_object()) {
    return JsonAnswerProblem::none;
  }
  const auto type = response_format.find("type");
  if (type == response_format.end() || !type->is_string() || *type == "text") {
    return JsonAnswerProblem::none;
  }
  const json parsed = json::parse(content, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    detail = "the answer is not a JSON object";
    return JsonAnswerProblem::not_json;
  }
  if (*type == "json_schema") {
    const auto spec = response_format.find("json_schema");
    if (spec != response_format.end() && spec->is_object()) {
      if (const auto schema = spec->find("schema"); schema != spec->end()) {
        if (auto violation = schema_violation(*schema, parsed)) {
          detail = std::move(*violation);
          return JsonAnswerProblem::schema_violation;
        }
      }
    }
  }
  return JsonAnswerProblem::none;
}

bool AnswerSignals::malformed_tool_call() const {
  return std::any_of(tool_calls.begin(), tool_calls.end(),
                     [](const ToolCallCheck& c) { return c.problem != ToolCallProblem::none; });
}

AnswerSignals read_signals(const json& choice, const json& request, bool stream_broken) {
  AnswerSignals s;
  s.stream_broken = stream_broken;
  const json empty_object = json::object();
  const auto field = [](const json& object, const char* key) -> const json* {
    if (!object.is_object()) {
      return nullptr;
    }
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  };
  if (const json* finish = field(choice, "finish_reason"); finish && finish->is_string()) {
    s.truncated = *finish == "length";
    s.content_filtered = *finish == "content_filter";
  }
  if (const json* logprobs = field(choice, "logprobs")) {
    if (const json* content = field(*logprobs, "content")) {
      s.confidence = token_confidence(*content);
    }
  }
  const json* message = field(choice, "message");
  const json& m = message != nullptr ? *message : empty_object;
  const json* tools = field(request, "tools");
  const json* calls = field(m, "tool_calls");
  if (calls != nullptr) {
    s.tool_calls = check_tool_calls(*calls, tools != nullptr ? *tools : json());
  }
  std::string_view content;
  if (const json* text = field(m, "content"); text && text->is_string()) {
    content = text->get_ref<const std::string&>();
  }
  const json* refusal = field(m, "refusal");
  s.refusal =
      (refusal != nullptr && refusal->is_string() && !refusal->get<std::string>().empty()) ||
      reads_as_refusal(content);
  const bool has_calls = calls != nullptr && calls->is_array() && !calls->empty();
  s.empty =
      !has_calls && content.find_first_not_of(" \t\r\n") == std::string_view::npos && !s.refusal;
  if (!has_calls && !content.empty()) {
    if (const json* format = field(request, "response_format")) {
      s.json_answer = check_json_answer(content, *format, s.json_detail);
    }
  }
  return s;
}

}  // namespace governor::cascade
