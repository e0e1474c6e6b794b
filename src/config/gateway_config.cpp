#include "governor/config/gateway_config.hpp"

#include <algorithm>

namespace governor::config {

// Linear scans: a gateway has a handful of upstreams and tiers, and the snapshot is immutable,
// so a vector beats a map here and keeps the config a plain aggregate.

const UpstreamConfig* GatewayConfig::find_upstream(std::string_view name) const {
  const auto it = std::find_if(upstreams.begin(), upstreams.end(),
                               [&](const UpstreamConfig& u) { return u.name == name; });
  return it == upstreams.end() ? nullptr : &*it;
}

int GatewayConfig::tier_of(std::string_view upstream_name) const {
  for (std::size_t t = 0; t < tiers.size(); ++t) {
    const auto& members = tiers[t].upstreams;
    if (std::find(members.begin(), members.end(), upstream_name) != members.end()) {
      return static_cast<int>(t);
    }
  }
  return -1;
}

const TierConfig* GatewayConfig::find_tier(std::string_view name) const {
  const auto it =
      std::find_if(tiers.begin(), tiers.end(), [&](const TierConfig& t) { return t.name == name; });
  return it == tiers.end() ? nullptr : &*it;
}

const AuthKey* GatewayConfig::find_key(std::string_view name) const {
  const auto it = std::find_if(auth.keys.begin(), auth.keys.end(),
                               [&](const AuthKey& k) { return k.name == name; });
  return it == auth.keys.end() ? nullptr : &*it;
}

bool GatewayConfig::is_alias(std::string_view model) const {
  const auto& aliases = routing.aliases;
  return std::find(aliases.begin(), aliases.end(), model) != aliases.end();
}

}  // namespace governor::config
