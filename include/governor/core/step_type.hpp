#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace governor {

/** What a call does inside a task (DESIGN.md "step router"). `summarize` (final synthesis) and
 *  `handoff` (human handoff) are the only steps that may spend the task's matching reserve. */
enum class StepType { plan, act, tool, verify, summarize, handoff };

inline constexpr std::array<StepType, 6> kAllStepTypes{StepType::plan,      StepType::act,
                                                       StepType::tool,      StepType::verify,
                                                       StepType::summarize, StepType::handoff};

constexpr std::string_view to_string(StepType s) {
  switch (s) {
    case StepType::plan:
      return "plan";
    case StepType::act:
      return "act";
    case StepType::tool:
      return "tool";
    case StepType::verify:
      return "verify";
    case StepType::summarize:
      return "summarize";
    case StepType::handoff:
      return "handoff";
  }
  return "act";
}

/** "plan" -> StepType::plan; anything else (case-sensitive) -> nullopt. */
constexpr std::optional<StepType> parse_step_type(std::string_view text) {
  for (const StepType s : kAllStepTypes) {
    if (to_string(s) == text) {
      return s;
    }
  }
  return std::nullopt;
}

}  // namespace governor
