#pragma once

// The JSON of GET/POST /v1/tasks: pure conversions, unit-tested without sockets.

#include <boost/system/result.hpp>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "governor/config/policy.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/openai/error_body.hpp"

namespace governor::server {

/** A task budget as JSON: the policy file's field names, dollars as numbers, unset limits null. */
nlohmann::json budget_json(const config::TaskBudget& budget);

/** The trace card: id, budget, spent/reserved/remaining for the task and for its session and
 *  tenant, retries and the steps. Dollars are JSON numbers (exact to the micro-dollar). */
nlohmann::json task_json(const ledger::TaskView& view);

/** `budget` of POST /v1/tasks over the policy's budget: fields given replace the policy's, and
 *  none may be looser than the policy (400 names the field). Unknown fields are refused. */
boost::system::result<config::TaskBudget, openai::ApiError> parse_task_budget(
    const nlohmann::json& budget, const config::TaskBudget& policy_budget,
    const std::string& policy_name);

/** "2026-11-22T16:37:55.123Z" */
std::string iso8601_utc(std::int64_t unix_ms);

}  // namespace governor::server
