#include "answer_quality.hpp"

#include <nlohmann/json.hpp>

#include "governor/cascade/signals.hpp"

namespace governor::server {

nlohmann::json answer_checked_members(const openai::ChatRequest& request) {
  return openai::members_as_nlohmann(request, {"tools", "response_format"});
}

AnswerQuality read_answer_quality(std::string_view completion_body,
                                  const openai::ChatRequest& request) {
  AnswerQuality quality;
  const bool may_call_tools =
      request.has_tools && completion_body.find("\"tool_calls\"") != std::string_view::npos;
  if (!may_call_tools && !request.wants_logprobs) {
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
  const auto signals = cascade::read_signals(choices->front(), answer_checked_members(request));
  quality.malformed_tool_call = signals.malformed_tool_call();
  if (signals.confidence) {
    quality.uncertainty = signals.confidence->mean_uncertainty;
    quality.entropy = signals.confidence->mean_entropy;
  }
  return quality;
}

}  // namespace governor::server
