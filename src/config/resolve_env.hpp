#pragma once

#include <string>
#include <vector>

#include "governor/config/loader.hpp"
#include "parse.hpp"

namespace governor::config::detail {

/** Applies each upstream's `when_key_missing` when its `api_key_env` is unset or empty in `env`
 *  (base_url/model replaced, `simulated` set), and returns the notices an operator should see:
 *  which upstreams were redirected, which will call without an Authorization header, which do
 *  not verify TLS peers. Runs only on a config that passed validation. */
std::vector<std::string> resolve_env(ParsedConfig& parsed, const EnvLookup& env);

}  // namespace governor::config::detail
