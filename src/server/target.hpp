#pragma once

#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "governor/config/gateway_config.hpp"
#include "governor/openai/error_body.hpp"

namespace governor::server {

/** The upstream a call goes to first, and why. */
struct Target {
  const config::UpstreamConfig* upstream = nullptr;
  std::string tier;  ///< tier name, empty for a pinned upstream outside every tier
  bool pinned = false;
};

/** `model` is a routed alias (goes to the default tier's primary until routing lands) or an
 *  upstream name (pinned). Anything else is model_not_found, naming the choices. */
boost::system::result<Target, openai::ApiError> resolve_target(const config::GatewayConfig& cfg,
                                                               std::string_view model);

/** Name of the tier holding `upstream`, or "". */
std::string tier_name_of(const config::GatewayConfig& cfg, std::string_view upstream);

}  // namespace governor::server
