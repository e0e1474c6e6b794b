#include "answer_quality.hpp"

#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::server {

AnswerQuality read_answer_quality(std::string_view completion_body, const nlohmann::json& request) {
  AnswerQuality quality;
  const auto tools = request.find("tools");
  const bool may_call_tools = tools != request.end() && tools->is_array() && !tools->empty() &&
                              completion_body.find("\"tool_calls\"") != std::string_view::npos;
  const auto logprobs = request.find("logprobs");
  const bool has_logprobs =
      logprobs != request.end() && logprobs->is_boolean() && logprobs->get<bool>();
  if (!may_call_tools && !has_logprobs) {
    return quality;
  }
  const auto completion = nlohmann::json::parse(completion_body, nullptr, false);
  if (!completion.is_object()) {
    return quality;
  }
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array() || choices->empty()) {
    return quality;
  }
  const auto signals = cascade::read_signals(choices->front(), request);
  quality.malformed_tool_call = signals.malformed_tool_call();
  if (signals.confidence) {
    quality.uncertainty = signals.confidence->mean_uncertainty;
    quality.entropy = signals.confidence->mean_entropy;
  }
  return quality;
}

}  // namespace governor::server
