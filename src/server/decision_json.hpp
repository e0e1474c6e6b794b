#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

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
 *  before the call and the cascade (when cascaded), as compact JSON text; empty for a call that was
 * not routed (pinned). */
std::string decision_trace_text(const CallRecord& record);

}  // namespace governor::server
