#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "call_record.hpp"

namespace governor::server {

/** A routing decision as JSON: chosen tier, lambda, allowance, reason codes and every candidate
 *  (tier, p_success, estimated and worst-case cost, utility, allowed). */
nlohmann::json decision_json(const routing::Decision& decision);

/** What a cascade did: the outcome ("false", "true", "unaffordable", as X-Governor-Escalated),
 *  the escalating signal, the thresholds, and each escalated attempt (tier, model, reason,
 *  signals, tokens, cost). */
nlohmann::json cascade_json(const CascadeRecord& cascade);

/** What the task trace keeps of a call's routing: the decision, the prediction and the budget
 *  before the call and the cascade (when cascaded), as compact bytes (format in the .cpp); empty
 *  for a call that was not routed (pinned). The ledger stores them as they are. */
std::string decision_trace_bytes(const CallRecord& record);

/** A stored trace as JSON text: decision_trace_bytes' bytes written out, or the JSON text the
 *  ledger kept before version 4, as it is. Empty for an empty trace or bytes of another format. */
std::string decision_trace_json(std::string_view stored);

}  // namespace governor::server
