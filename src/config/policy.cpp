#include "governor/config/policy.hpp"

#include <algorithm>
#include <array>

#include "text_rules.hpp"

namespace governor::config {
namespace {

// A limit of `other` is no looser than `mine`: unset mine is no limit at all, so anything goes;
// a set one must be matched by one at most as large.
template <class T>
bool within(const std::optional<T>& mine, const std::optional<T>& other) {
  return !mine || (other && *other <= *mine);
}

bool lists(const std::vector<std::string>& names, std::string_view name) {
  return !name.empty() && std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string_view to_string(OnExhausted value) {
  switch (value) {
    case OnExhausted::reject:
      return "reject";
    case OnExhausted::degrade:
      return "degrade";
  }
  return "reject";
}

std::optional<OnExhausted> parse_on_exhausted(std::string_view text) {
  for (const OnExhausted value : {OnExhausted::reject, OnExhausted::degrade}) {
    if (to_string(value) == text) {
      return value;
    }
  }
  return std::nullopt;
}

namespace {
constexpr std::array<StepSignal, 5> kAllSignals{StepSignal::first_call, StepSignal::tool_result,
                                                StepSignal::tools_offered,
                                                StepSignal::tool_required, StepSignal::json_mode};
}  // namespace

std::string_view to_string(StepSignal signal) {
  switch (signal) {
    case StepSignal::first_call:
      return "first_call";
    case StepSignal::tool_result:
      return "tool_result";
    case StepSignal::tools_offered:
      return "tools_offered";
    case StepSignal::tool_required:
      return "tool_required";
    case StepSignal::json_mode:
      return "json_mode";
  }
  return "tool_result";
}

std::optional<StepSignal> parse_step_signal(std::string_view text) {
  for (const StepSignal signal : kAllSignals) {
    if (to_string(signal) == text) {
      return signal;
    }
  }
  return std::nullopt;
}

std::string_view to_string(EscalationSignal signal) {
  switch (signal) {
    case EscalationSignal::uncertainty:
      return "uncertainty";
    case EscalationSignal::entropy:
      return "entropy";
    case EscalationSignal::malformed_tool_call:
      return "malformed_tool_call";
    case EscalationSignal::invalid_json:
      return "invalid_json";
    case EscalationSignal::truncated:
      return "truncated";
    case EscalationSignal::content_filter:
      return "content_filter";
    case EscalationSignal::empty:
      return "empty";
    case EscalationSignal::refusal:
      return "refusal";
    case EscalationSignal::stream_broken:
      return "stream_broken";
    case EscalationSignal::upstream_error:
      return "upstream_error";
    case EscalationSignal::count_:
      break;
  }
  return "uncertainty";
}

std::optional<EscalationSignal> parse_escalation_signal(std::string_view text) {
  for (std::size_t i = 0; i < kEscalationSignals; ++i) {
    const auto signal = static_cast<EscalationSignal>(i);
    if (to_string(signal) == text) {
      return signal;
    }
  }
  return std::nullopt;
}

bool TaskBudget::admits(const TaskBudget& other, std::string* field) const {
  const auto looser = [&](const char* name) {
    if (field != nullptr) {
      *field = name;
    }
    return false;
  };
  if (!within(total_dollars, other.total_dollars)) {
    return looser("total_dollars");
  }
  if (!within(max_input_tokens, other.max_input_tokens)) {
    return looser("max_input_tokens");
  }
  if (!within(max_output_tokens, other.max_output_tokens)) {
    return looser("max_output_tokens");
  }
  if (other.reserve_for_final_synthesis < reserve_for_final_synthesis) {
    return looser("reserve_for_final_synthesis");
  }
  if (other.reserve_for_human_handoff < reserve_for_human_handoff) {
    return looser("reserve_for_human_handoff");
  }
  if (!within(hard_stop_after_retries, other.hard_stop_after_retries)) {
    return looser("hard_stop_after_retries");
  }
  if (other.min_useful_output_tokens < min_useful_output_tokens) {
    return looser("min_useful_output_tokens");
  }
  if (field != nullptr) {
    field->clear();
  }
  return true;
}

std::vector<BudgetProblem> check_task_budget(const TaskBudget& budget) {
  std::vector<BudgetProblem> problems;
  const auto problem = [&](std::string field, std::string message) {
    problems.push_back(BudgetProblem{std::move(field), std::move(message)});
  };
  const auto dollars = detail::dollars_text;

  // A negative total is reported once; the reserve rules then compare against nothing.
  const MicroUsd total = budget.total_dollars.value_or(MicroUsd{0});
  const bool has_total = budget.total_dollars && total >= MicroUsd{0};
  if (budget.total_dollars && !has_total) {
    problem("total_dollars", "must not be negative");
  }
  const std::pair<const char*, const std::optional<std::int64_t>&> token_limits[] = {
      {"max_input_tokens", budget.max_input_tokens},
      {"max_output_tokens", budget.max_output_tokens}};
  for (const auto& [name, limit] : token_limits) {
    if (limit && *limit < 1) {
      problem(name, "must be at least 1, got " + std::to_string(*limit));
    }
  }
  if (budget.min_useful_output_tokens < 1) {
    problem("min_useful_output_tokens",
            "must be at least 1, got " + std::to_string(budget.min_useful_output_tokens));
  } else if (budget.max_output_tokens && *budget.max_output_tokens >= 1 &&
             budget.min_useful_output_tokens > *budget.max_output_tokens) {
    problem("min_useful_output_tokens",
            "min_useful_output_tokens (" + std::to_string(budget.min_useful_output_tokens) +
                ") must not exceed max_output_tokens (" +
                std::to_string(*budget.max_output_tokens) + "): every call would be refused");
  }

  const MicroUsd synthesis = budget.reserve_for_final_synthesis;
  const MicroUsd handoff = budget.reserve_for_human_handoff;
  const std::pair<const char*, MicroUsd> reserves[] = {{"reserve_for_final_synthesis", synthesis},
                                                       {"reserve_for_human_handoff", handoff}};
  bool each_fits = true;
  for (const auto& [name, amount] : reserves) {
    if (amount < MicroUsd{0}) {
      problem(name, "must not be negative");
      each_fits = false;
    } else if (amount > MicroUsd{0} && !budget.total_dollars) {
      // A reserve is carved out of the task's total; of an unlimited total it protects nothing.
      problem(name, "a reserve has no effect without total_dollars");
      each_fits = false;
    } else if (has_total && amount > total) {
      problem(name, std::string{name} + " (" + dollars(amount) + ") exceeds total_dollars (" +
                        dollars(total) + ")");
      each_fits = false;
    }
  }
  if (each_fits && has_total && synthesis + handoff > total) {
    problem("reserve_for_human_handoff",
            "reserve_for_final_synthesis + reserve_for_human_handoff (" +
                dollars(synthesis + handoff) + ") exceeds total_dollars (" + dollars(total) + ")");
  }
  return problems;
}

const Policy* PolicySet::find(std::string_view name) const {
  const auto it = std::find_if(policies.begin(), policies.end(),
                               [&](const Policy& p) { return p.name == name; });
  return it == policies.end() ? nullptr : &*it;
}

const Policy* PolicySet::select(std::string_view policy_name, std::string_view trust_domain,
                                std::string_view key_name) const {
  if (!policy_name.empty()) {
    return find(policy_name);
  }
  // `policies` is sorted by name, so the first hit of each scan is the first by name.
  for (const Policy& p : policies) {
    if (lists(p.match.trust_domains, trust_domain)) {
      return &p;
    }
  }
  for (const Policy& p : policies) {
    if (lists(p.match.keys, key_name)) {
      return &p;
    }
  }
  return find("default");
}

}  // namespace governor::config
