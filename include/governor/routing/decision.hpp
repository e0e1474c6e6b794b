#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "governor/core/step_type.hpp"
#include "governor/routing/prompt_model.hpp"

namespace governor::routing {

/** One rung of the tier ladder as the decision sees it (cheapest first). */
struct TierOption {
  std::string_view name;
  double input_dollars_per_token = 0.0;  ///< of the tier's most expensive fallback
  double output_dollars_per_token = 0.0;
  std::int64_t context_window = 0;  ///< smallest along the tier's fallback chain
};

/** A policy's rules for one step type, as ladder ranks (0 = cheapest tier). */
struct StepRule {
  std::size_t min_rank = 0;
  std::size_t max_rank = SIZE_MAX;
  bool cascade = false;  ///< cheap-first with escalation allowed (issue 5)
};

/** How lambda, the price of a dollar in success probability, is set. */
struct LambdaRule {
  /** Fixed: utility = p_success - lambda * est_cost_dollars. When paced, the floor. */
  double fixed = 0.0;
  /** Paced: lambda = max(fixed, scale / allowance), where allowance is what this step may
   *  spend if the task's budget left (minus reserves and a cheapest-tier finish for the other
   *  expected steps) is shared evenly over the steps still expected. A task burning ahead of
   *  plan sees its allowance shrink and turns cheaper. */
  bool paced = false;
  double scale = 0.1;
  std::uint32_t expected_steps = 8;
};

/** Why the decision came out as it did. */
enum class Reason : std::uint8_t {
  utility,           ///< best p_success - lambda * cost among the allowed tiers
  default_tier,      ///< no prompt model: the config's default tier
  step_min_tier,     ///< the step rule raised the choice
  step_max_tier,     ///< the step rule capped the choice
  recovery_upgrade,  ///< a failed or retried previous attempt: one tier above it
  context_window,    ///< a tier could not hold the request and was excluded
  budget,            ///< a tier's worst case did not fit what the task has left
  count_
};
std::string_view to_string(Reason reason);

/** One tier considered. */
struct CandidateScore {
  std::size_t rank = 0;
  std::string_view tier;  ///< the ladder rung's name (a view into the caller's ladder)
  double p_success = 0.0;
  double est_cost = 0.0;    ///< dollars: the typical cost, for the utility
  double worst_cost = 0.0;  ///< dollars: input bound and output bound, for feasibility
  double utility = 0.0;
  bool allowed = true;  ///< by step rule, recovery, context window and budget
};

/** What the decision needs. Built by the caller from the request, the policy, the task's
 *  history and the ladder; everything is a value, so the decision can be replayed. */
struct DecisionInput {
  std::span<const TierOption> ladder;           ///< cheapest first, at least one
  std::optional<SuccessPrediction> prediction;  ///< none: no prompt model for this policy
  std::size_t default_rank = 0;                 ///< used without a prediction
  StepType step = StepType::act;
  StepRule rule;
  TaskHistory history;
  bool retry = false;                        ///< this call retries a step
  std::optional<std::size_t> previous_rank;  ///< tier of the task's previous call
  bool previous_failed = false;            ///< it failed, escalated, or sent a malformed tool call
  std::int64_t input_tokens_estimate = 0;  ///< typical (bytes / 4)
  std::int64_t input_token_bound = 0;      ///< worst case, for the context window
  std::int64_t output_tokens_expected = 0;
  std::int64_t output_token_bound = 0;
  LambdaRule lambda;
  /** Dollars the task may still spend on ordinary steps (budget left minus reserves the step
   *  may not use); none when the task has no budget. */
  std::optional<double> budget_left;
};

/** The decision, a plain value: logged, counted and returned in headers and the trace. */
struct Decision {
  std::vector<CandidateScore> candidates;  ///< one per ladder rung, cheapest first
  std::size_t chosen = 0;
  double lambda = 0.0;
  std::optional<double> allowance;  ///< paced: what this step was allowed to spend
  std::array<bool, static_cast<std::size_t>(Reason::count_)> reasons{};

  bool has(Reason r) const { return reasons[static_cast<std::size_t>(r)]; }
  /** Reason codes joined with '+', e.g. "utility+recovery_upgrade". */
  std::string reason_text() const;
};

/** p_success of the tier at `rank` of `tiers`: the weak prediction for the cheapest, the strong
 *  one for the most expensive, linear in rank between (a prediction for two reference models
 *  spread over the ladder). */
double success_at_rank(const SuccessPrediction& p, std::size_t rank, std::size_t tiers);

/** The decision rule of DESIGN.md: among the tiers the step rule, recovery pressure, context
 *  window and budget allow, the one with the highest p_success - lambda * est_cost (ties to the
 *  cheaper). When none is allowed by budget, the cheapest otherwise-allowed tier (the ledger
 *  then clamps, degrades or refuses). Pure. */
Decision decide(const DecisionInput& input);

}  // namespace governor::routing
