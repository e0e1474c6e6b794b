#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governor/config/field_lines.hpp"
#include "governor/core/money.hpp"
#include "governor/core/step_type.hpp"

namespace governor::config {

/** What happens when a call's worst-case cost does not fit the budget (after clamping). */
enum class OnExhausted {
  reject,   ///< HTTP 402 budget_exhausted
  degrade,  ///< a routed (alias) call walks down the tier ladder to a cheaper tier that fits
};

/** "reject" / "degrade". */
std::string_view to_string(OnExhausted value);
/** The inverse of to_string; nullopt for anything else (case-sensitive). */
std::optional<OnExhausted> parse_on_exhausted(std::string_view text);

/** Limits of one task. Unset optionals mean "no limit". */
struct TaskBudget {
  std::optional<MicroUsd> total_dollars;
  std::optional<std::int64_t> max_input_tokens;   ///< per call: larger estimates are refused
  std::optional<std::int64_t> max_output_tokens;  ///< per call: clamps the request's max_tokens
  MicroUsd reserve_for_final_synthesis{0};        ///< spendable only by `summarize` steps
  MicroUsd reserve_for_human_handoff{0};          ///< spendable only by `handoff` steps
  std::optional<std::uint32_t> hard_stop_after_retries;  ///< then 402 retry_limit
  /** Smallest max_tokens worth sending when the budget forces a clamp; below it the call is
   *  degraded or refused instead of producing a truncated answer. */
  std::int64_t min_useful_output_tokens = 64;
  bool operator==(const TaskBudget&) const = default;

  /** True when every limit of `other` is at least as tight as this one's (used to check that a
   *  client-opened task is never looser than its policy). Sets `field` to the first looser one.
   *
   *  "At least as tight", field by field (`this` is the policy, `other` the client's budget):
   *  - total_dollars, max_input_tokens, max_output_tokens, hard_stop_after_retries: a limit set
   *    here must also be set in `other`, at most as large. A limit unset here may be anything in
   *    `other` (the client may add limits the policy does not have).
   *  - reserve_for_final_synthesis, reserve_for_human_handoff: at least as large in `other`. A
   *    reserve protects the end of a task; a client may grow it, never shrink it.
   *  - min_useful_output_tokens: at least as large in `other`. Lowering it would let the
   *    gateway spend on truncated answers the policy considers useless.
   *  The check compares limits only; whether `other` is consistent in itself (reserves within
   *  its total) is check_task_budget's job. `field` is cleared when the result is true. */
  bool admits(const TaskBudget& other, std::string* field = nullptr) const;
};

/** One inconsistency of a TaskBudget; `field` is a TaskBudget member name ("total_dollars"). */
struct BudgetProblem {
  std::string field;
  std::string message;
  bool operator==(const BudgetProblem&) const = default;
};

/** Every inconsistency of a task budget, whoever wrote it (a policy file, or a client opening a
 *  task): negative amounts, non-positive token limits, reserves without a total or larger than
 *  it together, min_useful_output_tokens above max_output_tokens. Empty when consistent. */
std::vector<BudgetProblem> check_task_budget(const TaskBudget& budget);

struct SessionBudget {
  std::optional<MicroUsd> total_dollars;
  bool operator==(const SessionBudget&) const = default;
};

/** Tenant spend windows are calendar UTC days and months. */
struct TenantBudget {
  std::optional<MicroUsd> dollars_per_day;
  std::optional<MicroUsd> dollars_per_month;
  bool operator==(const TenantBudget&) const = default;
};

/** A request shape a step-inference rule tests (docs/policies.md, routing.infer_steps). */
enum class StepSignal {
  first_call,     ///< the task's first call (a task id was given and nothing was spent yet)
  tool_result,    ///< the last message is a tool result
  tools_offered,  ///< the request offers tools
  tool_required,  ///< tool_choice is "required" or names a function
  json_mode,      ///< response_format asks for JSON
};
std::string_view to_string(StepSignal signal);
std::optional<StepSignal> parse_step_signal(std::string_view text);

/** One inference rule: a call showing `when` is a step of type `step`. First match wins. */
struct StepInference {
  StepSignal when = StepSignal::tool_result;
  StepType step = StepType::tool;
  bool operator==(const StepInference&) const = default;
};

/** A quality signal of a cascaded answer that, when it fires, escalates the call a tier up
 *  (docs/routing.md, "Cascade"). */
enum class EscalationSignal : std::uint8_t {
  uncertainty,          ///< mean token uncertainty above accept.max_uncertainty
  entropy,              ///< mean top_logprobs entropy above accept.max_entropy
  malformed_tool_call,  ///< arguments not JSON, against the tool's schema, or an unknown tool
  invalid_json,         ///< a response_format JSON answer that does not parse or validate
  truncated,            ///< finish_reason "length"
  content_filter,       ///< finish_reason "content_filter"
  empty,                ///< no content and no tool call
  refusal,              ///< the model declined
  stream_broken,        ///< the upstream's stream ended before it finished
  upstream_error,       ///< the tier failed after its retries and fallbacks
  count_
};
inline constexpr std::size_t kEscalationSignals =
    static_cast<std::size_t>(EscalationSignal::count_);
std::string_view to_string(EscalationSignal signal);
std::optional<EscalationSignal> parse_escalation_signal(std::string_view text);

/** When a cascaded step accepts the cheap answer (`governor calibrate` writes the thresholds). */
struct AcceptRule {
  std::optional<double> max_uncertainty;  ///< mean (1 - p(token)), in [0, 1]
  std::optional<double> max_entropy;      ///< mean top_logprobs entropy, nats
  /** Which signals escalate (`escalate_on`; default: all). The two threshold signals also need
   *  their threshold set. */
  std::array<bool, kEscalationSignals> escalate_on = [] {
    std::array<bool, kEscalationSignals> all{};
    all.fill(true);
    return all;
  }();
  bool escalates_on(EscalationSignal signal) const {
    return escalate_on[static_cast<std::size_t>(signal)];
  }
  /** Whether the answer's logprobs are needed (a threshold is set and its signal enabled). */
  bool needs_logprobs() const {
    return (max_uncertainty && escalates_on(EscalationSignal::uncertainty)) ||
           (max_entropy && escalates_on(EscalationSignal::entropy));
  }
  bool operator==(const AcceptRule&) const = default;
};

/** Routing limits for one step type; tier names are checked against the config's tiers. */
struct StepRouting {
  std::string min_tier;  ///< empty: the cheapest
  std::string max_tier;  ///< empty: the most expensive
  bool cascade = false;  ///< cheap first, escalate on failed quality signals (when supported)
  AcceptRule accept;
  bool operator==(const StepRouting&) const = default;
};

/** Paced lambda: what a step may spend is the budget left shared over the steps expected. */
struct Pacing {
  std::uint32_t expected_steps = 8;
  double scale = 0.1;  ///< success probability one step's allowance is worth
  bool operator==(const Pacing&) const = default;
};

/** How calls under the policy are routed (docs/routing.md). */
struct RoutingPolicy {
  /** Prompt router model file (absolute after loading); empty: no learned router, routed calls
   *  go to the config's default tier within the step rules. */
  std::string model;
  double lambda = 0.0;  ///< fixed price of a dollar in success probability (without pacing)
  std::optional<Pacing> pacing;
  std::int64_t expected_output_tokens = 512;  ///< for the typical cost when max_tokens is absent
  std::array<StepRouting, kAllStepTypes.size()> steps{};  ///< indexed by StepType
  /** Ordered; when the call gives no X-Governor-Step. Nothing matching: `act`. */
  std::vector<StepInference> infer_steps{{StepSignal::tool_result, StepType::tool}};
  /** Recovery pressure: after a retried or failed step the next call goes one tier up. */
  bool recovery = true;
  /** Cascade streamed calls too (the cheap answer is held until accepted, which delays the
   *  first byte by its whole generation); false: streamed calls are not cascaded. */
  bool cascade_streams = true;

  const StepRouting& rule(StepType step) const { return steps[static_cast<std::size_t>(step)]; }
  bool operator==(const RoutingPolicy&) const = default;
};

/** Which calls a policy applies to when the call does not name a policy itself. */
struct PolicyMatch {
  std::vector<std::string> trust_domains;  ///< X-Governor-Trust-Domain values
  std::vector<std::string> keys;           ///< gateway API key names (AuthKey::name)
  bool operator==(const PolicyMatch&) const = default;
};

/** One budget policy, from one file under the policies directory. */
struct Policy {
  std::string name;    ///< unique; X-Governor-Policy selects it
  std::string source;  ///< file it came from
  PolicyMatch match;
  TaskBudget task;
  SessionBudget session;
  TenantBudget tenant;
  OnExhausted on_exhausted = OnExhausted::reject;
  RoutingPolicy routing;
  bool operator==(const Policy&) const = default;
};

/** Every policy, immutable once loaded; swapped whole on reload. */
struct PolicySet {
  std::string directory;
  std::vector<Policy> policies;  ///< sorted by name
  /** Policy name -> where its fields were written in its file (for check_policies_against_config
   *  errors). Lines are provenance, not content, so they live here and not in Policy, whose ==
   *  compares content. */
  std::map<std::string, FieldLines, std::less<>> lines;

  const Policy* find(std::string_view name) const;
  /** The policy for a call: the named one when `policy_name` is non-empty (nullptr if unknown);
   *  otherwise the first (by name) whose match lists `trust_domain`, then the first whose match
   *  lists `key_name`, then the policy named "default"; nullptr when none applies. An empty
   *  `trust_domain` or `key_name` matches nothing. The loader rejects a trust domain or key
   *  listed by two policies, so "first" only matters for sets built in code. Authorization (may
   *  this key name that policy or claim that trust domain) is the caller's job. */
  const Policy* select(std::string_view policy_name, std::string_view trust_domain,
                       std::string_view key_name) const;
};

using PolicySetPtr = std::shared_ptr<const PolicySet>;

}  // namespace governor::config
