#include "governor/cascade/verdict.hpp"

#include <array>
#include <utility>

namespace governor::cascade {

using config::EscalationSignal;

Verdict judge(const AnswerSignals& signals, const config::AcceptRule& rule) {
  const std::array<std::pair<EscalationSignal, bool>, 8> structural{{
      {EscalationSignal::stream_broken, signals.stream_broken},
      {EscalationSignal::malformed_tool_call, signals.malformed_tool_call()},
      {EscalationSignal::invalid_json, signals.json_answer != JsonAnswerProblem::none},
      {EscalationSignal::truncated, signals.truncated},
      {EscalationSignal::content_filter, signals.content_filtered},
      {EscalationSignal::refusal, signals.refusal},
      {EscalationSignal::empty, signals.empty},
      {EscalationSignal::upstream_error, false},  // judged before there is an answer
  }};
  for (const auto& [signal, fired] : structural) {
    if (fired && rule.escalates_on(signal)) {
      return Verdict{false, signal};
    }
  }
  if (const auto& confidence = signals.confidence; confidence && confidence->tokens > 0) {
    if (rule.max_uncertainty && rule.escalates_on(EscalationSignal::uncertainty) &&
        confidence->mean_uncertainty > *rule.max_uncertainty) {
      return Verdict{false, EscalationSignal::uncertainty};
    }
    if (rule.max_entropy && confidence->mean_entropy &&
        rule.escalates_on(EscalationSignal::entropy) &&
        *confidence->mean_entropy > *rule.max_entropy) {
      return Verdict{false, EscalationSignal::entropy};
    }
  }
  return Verdict{};
}

}  // namespace governor::cascade
