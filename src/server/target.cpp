#include "target.hpp"

namespace governor::server {

std::string tier_name_of(const config::GatewayConfig& cfg, std::string_view upstream) {
  const int tier = cfg.tier_of(upstream);
  return tier >= 0 ? cfg.tiers[static_cast<std::size_t>(tier)].name : std::string{};
}

boost::system::result<Target, openai::ApiError> resolve_target(const config::GatewayConfig& cfg,
                                                               std::string_view model) {
  if (cfg.is_alias(model)) {
    const auto* tier = cfg.find_tier(cfg.routing.default_tier);
    if (tier != nullptr && !tier->upstreams.empty()) {
      if (const auto* up = cfg.find_upstream(tier->upstreams.front())) {
        return Target{up, tier->name, false};
      }
    }
    return openai::make_api_error(errc::internal,
                                  "no upstream behind alias '" + std::string(model) + "'");
  }
  if (const auto* up = cfg.find_upstream(model)) {
    return Target{up, tier_name_of(cfg, up->name), true};
  }
  std::string choices;
  for (const auto& alias : cfg.routing.aliases) {
    choices += (choices.empty() ? "" : ", ") + alias;
  }
  for (const auto& up : cfg.upstreams) {
    choices += (choices.empty() ? "" : ", ") + up.name;
  }
  return openai::make_api_error(errc::model_not_found,
                                "The model '" + std::string(model) +
                                    "' does not exist on this gateway; choose one of: " + choices,
                                "model");
}

}  // namespace governor::server
