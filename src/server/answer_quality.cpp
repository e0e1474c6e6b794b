#include "answer_quality.hpp"

#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::server {

bool has_malformed_tool_call(std::string_view completion_body, const nlohmann::json& request) {
  const auto tools = request.find("tools");
  if (tools == request.end() || !tools->is_array() || tools->empty() ||
      completion_body.find("\"tool_calls\"") == std::string_view::npos) {
    return false;
  }
  const auto completion = nlohmann::json::parse(completion_body, nullptr, false);
  if (!completion.is_object()) {
    return false;
  }
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array() || choices->empty()) {
    return false;
  }
  return cascade::read_signals(choices->front(), request).malformed_tool_call();
}

}  // namespace governor::server
