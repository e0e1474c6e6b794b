#pragma once

// Who is calling and which task the call belongs to: pure functions over header values and the
// body's `metadata`, so every rule is unit-tested without sockets.

#include <rapidjson/fwd.h>  // the metadata's type only

#include <boost/system/result.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "governor/config/gateway_config.hpp"
#include "governor/config/policy.hpp"
#include "governor/core/ids.hpp"
#include "governor/core/step_type.hpp"
#include "governor/openai/error_body.hpp"

namespace governor::server {

/** Tenant of every call when no gateway keys are configured. */
inline constexpr std::string_view kDefaultTenant = "default";

/** The caller, from the gateway API key. */
struct Caller {
  std::string tenant;
  const config::AuthKey* key = nullptr;  ///< null when auth is off; points into the config
  std::string_view key_name() const { return key != nullptr ? key->name : std::string_view{}; }
};

/** Authorization header -> caller. Auth off: everyone is the default tenant. Missing, malformed
 *  or unknown keys are 401 (the key is never echoed). */
boost::system::result<Caller, openai::ApiError> authenticate(
    const config::AuthConfig& auth, std::optional<std::string_view> authorization);

/** The X-Governor-* request headers as sent (nullopt: absent). */
struct GovernorHeaders {
  std::optional<std::string_view> task;
  std::optional<std::string_view> session;
  std::optional<std::string_view> step;
  std::optional<std::string_view> trust_domain;
  std::optional<std::string_view> policy;
  std::optional<std::string_view> retry;  ///< X-Governor-Retry: true|false
};

/** Which task, session, step, trust domain and policy a call names. */
struct TaskRef {
  std::string task;  ///< empty: a one-step task
  std::string session;
  std::optional<StepType> step;  ///< nullopt: inferred from the request
  std::string trust_domain;
  std::string policy;
  bool retry = false;
};

/** Reads each field from its header, else from `metadata.governor_<field>` of the body (a value
 *  in both places must agree), and validates it. 400 names the header. `metadata` may be null. */
boost::system::result<TaskRef, openai::ApiError> read_task_ref(const GovernorHeaders& headers,
                                                               const rapidjson::Value* metadata);

/** 403 when the caller's key may not use the policy or trust domain the call names. */
std::optional<openai::ApiError> authorize(const Caller& caller, const TaskRef& ref);

/** The policy that governs the call: the named one (400 when unknown), else by trust domain,
 *  key, then "default". nullptr: no policy applies and the call is unbudgeted. */
boost::system::result<const config::Policy*, openai::ApiError> choose_policy(
    const config::PolicySet* policies, const Caller& caller, const TaskRef& ref);

}  // namespace governor::server
