#pragma once

#include <optional>

#include "governor/cascade/signals.hpp"
#include "governor/config/policy.hpp"

namespace governor::cascade {

/** Whether a cascaded answer is accepted, and if not, the first signal that failed. */
struct Verdict {
  bool accept = true;
  /// the signal that escalates (set when !accept)
  std::optional<config::EscalationSignal> reason;

  bool operator==(const Verdict&) const = default;
};

/** Judges one answer's signals against a step's accept rule. The structural signals are checked
 *  first (a broken stream, a malformed tool call, invalid JSON, truncation, content filter,
 *  refusal, empty), then the thresholds. A threshold judges only answers that carry logprobs:
 *  an answer without them (a tool call, an upstream without logprobs) is judged by the
 *  structural signals alone. Signals the rule does not list in escalate_on are ignored. Pure. */
Verdict judge(const AnswerSignals& signals, const config::AcceptRule& rule);

}  // namespace governor::cascade
