#pragma once

#include <string>

#include "call_record.hpp"

namespace governor::server {

/** The decision log's line for one call (JSON, no trailing newline): ids, route, outcome, cost,
 *  latencies, plus the routing decision (candidates, lambda, reason codes), the prediction and
 *  the budget before. */
std::string decision_line(const CallRecord& record);

/** The JSON access log's line for one call: ids, route, outcome, tokens, cost, budget left,
 *  attempts, retries and fallbacks, latencies. */
std::string access_line(const CallRecord& record);

}  // namespace governor::server
