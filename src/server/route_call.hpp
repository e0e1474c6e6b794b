#pragma once

// The routing phase of a chat call: which step this is, and which tier should serve it. Pure
// apart from reading the prompt model it is given: config, policy, request and task memory in,
// a decision out.

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "governor/config/gateway_config.hpp"
#include "governor/config/policy.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/routing/decision.hpp"
#include "governor/routing/prompt_model.hpp"
#include "identity.hpp"
#include "target.hpp"
#include "task_lengths.hpp"
#include "task_memory.hpp"

namespace governor::server {

/** Prompt models by absolute file path, loaded with the policies that name them. */
using PromptModels = std::map<std::string, routing::PromptModelPtr, std::less<>>;
using PromptModelsPtr = std::shared_ptr<const PromptModels>;

/** The step type of a call that does not say: the policy's inference rules in order (first
 *  match wins), `act` when none matches. `first_call`: the call names a task that has made no
 *  call yet. */
StepType infer_step(const routing::RouteInput& input,
                    const std::vector<config::StepInference>& rules, bool first_call);

struct RouteCallInput {
  const config::GatewayConfig& config;
  const config::Policy* policy;  ///< null: unbudgeted, default rules
  const TaskRef& ref;
  const openai::ChatRequest& request;
  std::size_t body_bytes;
  Target target;                      ///< as resolve_target() found it
  std::optional<TaskBrief> brief;     ///< what the task did so far (none: new or forgotten)
  const routing::PromptModel* model;  ///< the policy's prompt router, null when none
  /** How long this policy's tasks turn out to be; null: the policy's expected_steps as is. */
  const TaskLengths* lengths = nullptr;
};

struct RoutedCall {
  Target target;
  StepType step = StepType::act;
  std::optional<routing::Decision> decision;  ///< none for a pinned call
  std::optional<routing::SuccessPrediction> prediction;
  std::string reason;  ///< X-Governor-Reason: "pinned" or the decision's reason codes
  /** Tokens the serving upstream must hold (the input estimate): routed calls skip fallbacks
   *  with a smaller context window; 0 for a pinned call, which goes where it was pinned. */
  std::int64_t required_context = 0;
  std::optional<double> budget_before;  ///< what the decision believed the step could spend
};

/** Routes one call: a pinned model stays pinned (its step is still inferred); an alias goes
 *  to the tier the decision rule picks within the policy's step rules. */
RoutedCall route_call(const RouteCallInput& in);

}  // namespace governor::server
