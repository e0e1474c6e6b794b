#pragma once

#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "services.hpp"

namespace governor::server {

/** What a policy (re)load did. */
struct ReloadReport {
  bool ok = false;
  std::size_t policies = 0;         ///< policies now in force
  std::size_t models = 0;           ///< prompt models they name, loaded
  std::vector<std::string> errors;  ///< file:line: field: message; the old set stays when any
};

/** Loads the config's policy directory and the prompt models its policies name, checks them
 *  against the config and, only when everything is valid, swaps them in (calls in flight keep the
 * set they started with). No directory configured: an empty set. Serialised: concurrent reloads
 * (SIGHUP and the admin endpoint) run one after the other. */
ReloadReport reload_policies(const config::GatewayConfig& config, Services& services);

}  // namespace governor::server
