#pragma once

// Turns a parsed call into the ledger's reserve request: the worst-case input, the output bound,
// and the candidate upstreams in order of preference. Pure: config and request in, values out.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "governor/config/policy.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/openai/chat_request.hpp"
#include "identity.hpp"
#include "target.hpp"

namespace governor::server {

/** Tokens an image or audio part may cost at most, whatever its URL length (a high-detail image
 *  is at most ~1.5k tokens on OpenAI's models). */
inline constexpr std::int64_t kMaxTokensPerMediaPart = 2'000;

/** An upper bound of the call's input tokens: every token of a byte-level BPE tokenizer covers
 *  at least one byte of its text, so the request body's size bounds the text of messages, tools
 *  and schemas together (the JSON syntax around each message more than covers the chat
 *  template's few special tokens per message); media parts are bounded separately. */
std::int64_t input_token_bound(const openai::ChatRequest& request, std::size_t body_bytes);

/** Element-wise most expensive prices along an upstream's fallback chain (forward() may serve
 *  the call from any of them), and the largest context window on it. */
struct ChainBound {
  ModelPrices prices;
  std::int64_t context_window = 0;
};
ChainBound chain_bound(const config::GatewayConfig& cfg, const config::UpstreamConfig& first);

/** A stable hash of `messages`: the same conversation sent again is a retry of its step. The
 *  top 16 bits are the number of messages (mod 2^16) and the low 48 a hash of the messages' text
 *  as the client wrote it (an agent sending a step again sends the same bytes), so
 *  may_repeat() can rule a retry out without hashing. Never 0, which means "no hash" to the
 *  ledger. */
std::uint64_t messages_hash(const openai::ChatRequest& request);

/** False when `request` cannot be a repeat of the call whose messages_hash() was `last_hash`:
 *  its number of messages differs. A map lookup, where messages_hash() walks every message (an
 *  agent's next step adds messages, so most steps are ruled out here). */
bool may_repeat(const openai::ChatRequest& request, std::uint64_t last_hash);

/** The reserve request plus the upstream behind each candidate. */
struct AdmissionPlan {
  ledger::ReserveRequest request;
  std::vector<const config::UpstreamConfig*> upstreams;  ///< parallel to request.candidates
  std::vector<std::string> tiers;                        ///< tier name of each candidate
};

/** Everything the plan depends on. */
struct AdmissionInput {
  const config::GatewayConfig& config;
  const config::Policy* policy;  ///< null: unbudgeted
  const Caller& caller;
  const TaskRef& ref;
  const openai::ChatRequest& request;
  std::size_t body_bytes;
  const Target& target;
  StepType step;  ///< the call's step type (given or inferred by the router)
  /// used when ref.task is empty: empty for the call's first reservation (the ledger names the
  /// task), then the name it gave (Grant::task) for the cascade's escalations
  std::string one_step_task_id;
  /// messages_hash(request) when the caller already has it (it walks every message); none: the
  /// plan computes it for a task call
  std::optional<std::uint64_t> messages_hash;
};

/** Candidates: the target first; when the policy degrades and the call is routed (not pinned),
 *  then each cheaper tier's primary, nearest first. Each candidate is priced at the most
 *  expensive upstream of its fallback chain, since forward() may end up there. */
AdmissionPlan plan_admission(const AdmissionInput& in);

/** The max_output_tokens plan_admission(in) gives the candidate served by `candidate` (one of
 *  its plan's upstreams): without a bound from the client or the policy, the context window of
 *  the candidate's chain bounds the output. For a caller that has handed the plan's request to
 *  the ledger and still needs the granted candidate's bound. */
std::int64_t planned_output_tokens(const AdmissionInput& in,
                                   const config::UpstreamConfig& candidate);

/** The output bound to write into the upstream body: the grant, when it is tighter than what the
 *  client sent, or the client sent none and the grant is below the planned bound (the ledger
 *  clamped it) or comes from the policy. nullopt when the client's own bound (or the context
 *  window) already holds. `planned` is the candidate's max_output_tokens in the plan. */
std::optional<std::int64_t> output_bound_to_send(const openai::ChatRequest& request,
                                                 const ledger::Grant& grant, std::int64_t planned,
                                                 const config::Policy* policy);

}  // namespace governor::server
