#pragma once

// Whether a routed call cascades, and up which tiers. Pure: config, policy and the call's shape
// in, a plan out (docs/routing.md, "Cascade").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "governor/config/policy.hpp"

namespace governor::server {

/** Top logprobs a judged attempt asks for (the entropy signal reads them). */
inline constexpr unsigned kCascadeTopLogprobs = 5;

/** One tier a cascade may escalate to. */
struct CascadeRung {
  const config::UpstreamConfig* upstream = nullptr;  ///< the tier's primary
  std::string tier;
  std::size_t rank = 0;
};

/** How one call cascades. */
struct CascadePlan {
  config::AcceptRule rule;
  std::vector<CascadeRung> rungs;  ///< the tiers above the first attempt's, cheapest first
};

/** Everything plan_cascade reads. */
struct CascadeInput {
  const config::GatewayConfig& config;
  const config::Policy* policy;  ///< null: no cascade (default rules)
  StepType step;
  bool pinned = false;  ///< a pinned model is never cascaded
  bool stream = false;
  std::size_t first_rank = 0;         ///< the tier the call was admitted on
  std::int64_t required_context = 0;  ///< a rung whose context window is smaller is skipped
};

/** The cascade for a call, or none: the step's rule must allow it, the call must be routed,
 *  a streamed call needs the policy's cascade_streams, and at least one tier above first_rank
 *  and within the step's max_tier must hold the request. Pure. */
std::optional<CascadePlan> plan_cascade(const CascadeInput& in);

}  // namespace governor::server
