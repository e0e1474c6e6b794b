#include "route_call.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "admission.hpp"
#include "governor/openai/usage.hpp"
#include "governor/routing/features.hpp"
#include "governor/routing/route_input.hpp"

namespace governor::server {

namespace {

constexpr std::size_t kMaxTiers = 16;

double dollars_per_token(const PricePerMillion& price) {
  return static_cast<double>(price.micros_per_million) / 1e12;
}

bool has_signal(config::StepSignal signal, const routing::RouteInput& input, bool first_call) {
  switch (signal) {
    case config::StepSignal::first_call:
      return first_call;
    case config::StepSignal::tool_result:
      return input.last_role == routing::Role::tool;
    case config::StepSignal::tools_offered:
      return input.tools_offered > 0;
    case config::StepSignal::tool_required:
      return input.tool_choice == routing::ToolChoice::required ||
             input.tool_choice == routing::ToolChoice::named;
    case config::StepSignal::json_mode:
      return input.response_format != routing::ResponseFormat::text;
  }
  return false;
}

std::size_t rank_of(const config::GatewayConfig& cfg, const std::string& tier,
                    std::size_t fallback) {
  for (std::size_t i = 0; i < cfg.tiers.size(); ++i) {
    if (cfg.tiers[i].name == tier) {
      return i;
    }
  }
  return fallback;
}

/** What the task may still spend on this step: the budget left, less reserves the step may not
 *  touch (summarize spends the synthesis reserve, handoff the handoff reserve). */
std::optional<double> budget_for_step(const RouteCallInput& in, StepType step) {
  if (in.policy == nullptr || !in.policy->task.total_dollars) {
    return std::nullopt;
  }
  const auto& task = in.policy->task;
  double left =
      in.brief && in.brief->budget_left ? *in.brief->budget_left : task.total_dollars->dollars();
  if (step != StepType::summarize) {
    left -= task.reserve_for_final_synthesis.dollars();
  }
  if (step != StepType::handoff) {
    left -= task.reserve_for_human_handoff.dollars();
  }
  return std::max(left, 0.0);
}

}  // namespace

StepType infer_step(const routing::RouteInput& input,
                    const std::vector<config::StepInference>& rules, bool first_call) {
  for (const auto& rule : rules) {
    if (has_signal(rule.when, input, first_call)) {
      return rule.step;
    }
  }
  return StepType::act;
}

RoutedCall route_call(const RouteCallInput& in) {
  static const config::RoutingPolicy kDefaultRouting;
  const config::RoutingPolicy& policy_routing =
      in.policy != nullptr ? in.policy->routing : kDefaultRouting;
  const routing::RouteInput input =
      routing::route_input_from_body(in.request.body.root(), in.body_bytes);
  const bool first_call = !in.ref.task.empty() && (!in.brief || in.brief->calls == 0);

  RoutedCall out;
  out.target = in.target;
  out.step = in.ref.step.value_or(infer_step(input, policy_routing.infer_steps, first_call));
  if (in.target.pinned || in.config.tiers.empty()) {
    out.reason = "pinned";
    return out;
  }

  // The ladder, cheapest first, priced at each tier's most expensive fallback.
  std::array<routing::TierOption, kMaxTiers> ladder_storage{};
  const std::size_t tiers = std::min(in.config.tiers.size(), kMaxTiers);
  for (std::size_t i = 0; i < tiers; ++i) {
    const auto& tier = in.config.tiers[i];
    const auto* primary = in.config.find_upstream(tier.upstreams.front());
    const ChainBound bound = chain_bound(in.config, *primary);
    // The tier's own window: fallbacks that cannot hold the request are skipped by forward().
    ladder_storage[i] = {tier.name, dollars_per_token(bound.prices.input),
                         dollars_per_token(bound.prices.output), primary->context_window};
  }

  routing::TaskHistory history;
  if (in.brief) {
    history.step_index = in.brief->calls;
    history.retries = in.brief->retries;
    history.failures = in.brief->failures;
  }
  // The same messages as the task's last call: a retry. Hashed only when the message count
  // matches, which an agent's next step (more messages) does not.
  const bool repeated = !in.ref.task.empty() && in.brief && in.brief->last_messages_hash != 0 &&
                        may_repeat(in.request, in.brief->last_messages_hash) &&
                        messages_hash(in.request) == in.brief->last_messages_hash;
  const bool retry = in.ref.retry || repeated;

  routing::DecisionInput d;
  d.ladder = {ladder_storage.data(), tiers};
  d.default_rank = rank_of(in.config, in.target.tier, 0);
  d.step = out.step;
  const config::StepRouting& rule = policy_routing.rule(out.step);
  d.rule.min_rank = rule.min_tier.empty() ? 0 : rank_of(in.config, rule.min_tier, 0);
  d.rule.max_rank = rule.max_tier.empty() ? SIZE_MAX : rank_of(in.config, rule.max_tier, SIZE_MAX);
  d.rule.cascade = rule.cascade;
  d.history = history;
  d.retry = retry && policy_routing.recovery;
  if (in.brief) {
    d.previous_rank = in.brief->last_rank;
    d.previous_failed = in.brief->last_failed && policy_routing.recovery;
  }
  d.input_tokens_estimate = openai::estimate_tokens(static_cast<std::int64_t>(in.body_bytes));
  d.input_token_bound = input_token_bound(in.request, in.body_bytes);
  d.output_tokens_expected =
      std::min(in.request.max_tokens.value_or(policy_routing.expected_output_tokens),
               policy_routing.expected_output_tokens);
  // Can the tier afford a useful answer at all? The ledger clamps max_tokens down to this.
  const std::int64_t useful =
      in.policy != nullptr ? in.policy->task.min_useful_output_tokens : std::int64_t{1};
  d.output_token_bound = std::min(in.request.max_tokens.value_or(useful), useful);
  if (policy_routing.pacing) {
    d.lambda.paced = true;
    d.lambda.expected_steps = policy_routing.pacing->expected_steps;
    if (in.lengths != nullptr && in.policy != nullptr) {
      d.lambda.expected_steps =
          in.lengths->expected_steps(in.policy->name, d.lambda.expected_steps);
    }
    d.lambda.scale = policy_routing.pacing->scale;
  }
  d.lambda.fixed = policy_routing.lambda;
  d.budget_left = budget_for_step(in, out.step);
  out.budget_before = d.budget_left;

  if (in.model != nullptr) {
    // 3 KiB of features: on the coroutine frame of the caller would bloat every call's frame.
    thread_local routing::FeatureVector features;
    routing::extract_features(input, history, features);
    out.prediction = in.model->predict(features);
    d.prediction = out.prediction;
  }
  routing::Decision decision = routing::decide(d);
  const auto& tier = in.config.tiers[decision.chosen];
  out.target = Target{in.config.find_upstream(tier.upstreams.front()), tier.name, false};
  out.reason = decision.reason_text();
  out.required_context = d.input_tokens_estimate;
  out.decision = std::move(decision);
  return out;
}

}  // namespace governor::server
