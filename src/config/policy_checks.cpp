// The rules between the gateway config (API keys) and a policy set.
#include <algorithm>
#include <tuple>
#include <vector>

#include "diagnostics.hpp"
#include "governor/config/policy_loader.hpp"
#include "text_rules.hpp"

namespace governor::config {
namespace {

/** "(defined: a, b); did you mean 'a'?" or "(none are defined)". */
std::string known_names(std::string_view name, const std::vector<std::string_view>& names,
                        std::string_view none) {
  if (names.empty()) {
    return "(" + std::string{none} + ")";
  }
  std::string out = "(defined: " + detail::join(names) + ")";
  if (const std::string_view guess = detail::closest_match(name, names); !guess.empty()) {
    out += "; did you mean '" + std::string{guess} + "'?";
  }
  return out;
}

}  // namespace

std::vector<ConfigError> check_policies_against_config(const GatewayConfig& config,
                                                       const PolicySet& policies) {
  std::vector<ConfigError> errors;
  std::vector<std::string_view> policy_names;
  for (const Policy& p : policies.policies) {
    policy_names.push_back(p.name);
  }
  std::vector<std::string_view> key_names;
  for (const AuthKey& k : config.auth.keys) {
    key_names.push_back(k.name);
  }

  for (std::size_t i = 0; i < config.auth.keys.size(); ++i) {
    const AuthKey& key = config.auth.keys[i];
    for (std::size_t j = 0; j < key.policies.size(); ++j) {
      const std::string& name = key.policies[j];
      if (name == "*" || policies.find(name) != nullptr) {
        continue;
      }
      const std::string field = detail::item_field(
          detail::child_field(detail::item_field("auth.keys", i), "policies"), j);
      errors.push_back(ConfigError{
          config.source, config.lines.line_of(field), field,
          "policy '" + name + "' is not defined " +
              known_names(name, policy_names, "no policies are loaded; see policies.dir")});
    }
  }

  std::vector<std::string_view> tier_names;
  for (const TierConfig& tier : config.tiers) {
    tier_names.push_back(tier.name);
  }
  for (const Policy& policy : policies.policies) {
    const auto lines = policies.lines.find(policy.name);
    const auto line_of = [&](const std::string& field) {
      return lines == policies.lines.end() ? 0 : lines->second.line_of(field);
    };
    for (const StepType step : kAllStepTypes) {
      if (config.tiers.empty()) {
        break;  // the config loader requires tiers; only a config built in code has none
      }
      const StepRouting& rule = policy.routing.rule(step);
      const std::string base = "routing.steps." + std::string(to_string(step));
      int low = 0;
      int high = static_cast<int>(config.tiers.size()) - 1;
      for (const auto& [key, name, rank] : {std::tuple{"min_tier", &rule.min_tier, &low},
                                            std::tuple{"max_tier", &rule.max_tier, &high}}) {
        if (name->empty()) {
          continue;
        }
        const auto it = std::find(tier_names.begin(), tier_names.end(), *name);
        if (it == tier_names.end()) {
          const std::string field = base + "." + key;
          errors.push_back(
              ConfigError{policy.source, line_of(field), field,
                          "tier '" + *name + "' is not defined " +
                              known_names(*name, tier_names, "the config defines no tiers")});
          continue;
        }
        *rank = static_cast<int>(it - tier_names.begin());
      }
      if (low > high) {
        const std::string field = base + ".min_tier";
        errors.push_back(ConfigError{policy.source, line_of(field), field,
                                     "min_tier '" + rule.min_tier + "' is above max_tier '" +
                                         rule.max_tier + "' (tiers are ordered cheapest first)"});
      }
    }
    for (std::size_t j = 0; j < policy.match.keys.size(); ++j) {
      const std::string& name = policy.match.keys[j];
      if (config.find_key(name) != nullptr) {
        continue;
      }
      const std::string field = detail::item_field("match.keys", j);
      errors.push_back(ConfigError{
          policy.source, lines == policies.lines.end() ? 0 : lines->second.line_of(field), field,
          "key '" + name + "' is not defined in auth.keys of " + config.source + " " +
              known_names(name, key_names, "auth has no keys")});
    }
  }
  return errors;
}

}  // namespace governor::config
