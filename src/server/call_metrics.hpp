#pragma once

// What the server tells the metrics about one chat call (docs/metrics.md). Kept apart from the
// handler so the handler reads as the call's phases, and the mapping can be read in one place.

#include "call_record.hpp"

namespace governor::telemetry {
class GatewayMetrics;
}
namespace governor::upstream {
struct ForwardLog;
}
namespace governor::ledger {
struct Refusal;
struct Grant;
}  // namespace governor::ledger

namespace governor::server {

/** Requests, tokens, spend and timings of a finished call. A task's spend is observed only when
 *  the call ends its task: a one-step call, or a summarize/handoff step. */
void record_call_metrics(telemetry::GatewayMetrics& metrics, const CallRecord& record,
                         bool one_step);

/** Retries, fallbacks and failed hops of one forward (cancelled hops are the client's doing and
 *  are not upstream errors). */
void record_forward_metrics(telemetry::GatewayMetrics& metrics, const upstream::ForwardLog& log);

/** A refusal by the ledger. */
void record_refusal_metrics(telemetry::GatewayMetrics& metrics, const ledger::Refusal& refusal);

/** A grant that clamped max_tokens or degraded to a cheaper tier (nothing otherwise). */
void record_grant_metrics(telemetry::GatewayMetrics& metrics, const ledger::Grant& grant);

}  // namespace governor::server
