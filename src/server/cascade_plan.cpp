#include "cascade_plan.hpp"

namespace governor::server {

std::optional<CascadePlan> plan_cascade(const CascadeInput& in) {
  if (in.policy == nullptr || in.pinned) {
    return std::nullopt;
  }
  const config::RoutingPolicy& routing = in.policy->routing;
  const config::StepRouting& rule = routing.rule(in.step);
  if (!rule.cascade || (in.stream && !routing.cascade_streams)) {
    return std::nullopt;
  }
  std::size_t top = in.config.tiers.size();
  if (!rule.max_tier.empty()) {
    for (std::size_t i = 0; i < in.config.tiers.size(); ++i) {
      if (in.config.tiers[i].name == rule.max_tier) {
        top = i + 1;
      }
    }
  }
  CascadePlan plan;
  plan.rule = rule.accept;
  for (std::size_t rank = in.first_rank + 1; rank < top; ++rank) {
    const auto& tier = in.config.tiers[rank];
    const config::UpstreamConfig* primary = in.config.find_upstream(tier.upstreams.front());
    if (primary == nullptr || primary->context_window < in.required_context) {
      continue;
    }
    plan.rungs.push_back(CascadeRung{primary, tier.name, rank});
  }
  if (plan.rungs.empty()) {
    return std::nullopt;
  }
  return plan;
}

}  // namespace governor::server
