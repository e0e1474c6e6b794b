#pragma once

// A cascaded chat call: the routed tier answers first, its answer is judged by the step's
// quality signals, and a failed answer is escalated up the tier ladder when the budget affords
// it (docs/routing.md, "Cascade").

#include <optional>

#include "admission.hpp"
#include "call_budget.hpp"
#include "call_record.hpp"
#include "cascade_plan.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/openai/chat_request.hpp"
#include "http_types.hpp"
#include "serve_call.hpp"

namespace governor::server {

/** What an escalation needs to reserve its next tier in the ledger (null ledger: unbudgeted). */
struct EscalationBudget {
  ledger::Ledger* ledger = nullptr;
  const AdmissionInput* admission = nullptr;  ///< the call's admission, retargeted per rung
};

/** Serves a cascaded call: each rung but the last is forwarded, its answer held whole (a
 *  stream too) and judged; an accepted answer is written to the client, a failed one escalates
 *  to the next rung when its reservation is granted, else is written flagged. The last rung is
 *  served like any call (streamed as it arrives). Each attempt is reserved and settled on its
 *  own; `budget` always holds the current attempt's. Runs raced against the client going away. */
net::awaitable<bool> serve_cascaded(Call& ex, const openai::ChatRequest& request, Dispatch dispatch,
                                    CallRecord& record, CallBudget& budget, const CascadePlan& plan,
                                    const EscalationBudget& escalation);

}  // namespace governor::server
