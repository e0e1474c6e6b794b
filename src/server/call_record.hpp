#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "governor/config/policy.hpp"
#include "governor/core/money.hpp"
#include "governor/routing/decision.hpp"

namespace governor::server {

/** How a cascaded call ended: the first answer accepted, an escalated answer served, or an
 *  answer that failed its signals served anyway because the budget could not afford the next
 *  tier (flagged). */
enum class CascadeOutcome { accepted, escalated, unaffordable };
/** "false", "true", "unaffordable": the X-Governor-Escalated value. */
std::string_view to_string(CascadeOutcome outcome);

/** One answer a cascade judged and escalated past (it was paid for, not served). */
struct CascadeAttempt {
  std::string upstream;
  std::string tier;
  TokenUsage usage;
  MicroUsd cost;
  config::EscalationSignal reason = config::EscalationSignal::uncertainty;
  std::optional<double> uncertainty;
  std::optional<double> entropy;
};

/** What the cascade did for one call. */
struct CascadeRecord {
  CascadeOutcome outcome = CascadeOutcome::accepted;
  /// the signal behind the last escalation (or the unaffordable one); none when accepted
  std::optional<config::EscalationSignal> reason;
  std::vector<CascadeAttempt> escalated;  ///< cheapest first
  config::AcceptRule rule;                ///< the thresholds the answers were judged by
  /** What the escalated attempts cost together. */
  MicroUsd spent() const;
};

/** What happened to one chat call: filled in phase by phase, logged and measured at settle. */
struct CallRecord {
  std::string request_id;
  std::chrono::steady_clock::time_point started;
  std::string tenant;
  std::string task;  ///< the task id (generated for a one-step task)
  std::string session;
  std::string step;
  std::string policy;  ///< empty: unbudgeted
  /// why this model: pinned, or the routing decision's reason codes joined by '+'
  std::string reason = "default_tier";
  std::optional<std::size_t> rank;            ///< tier rank chosen (none: pinned off the ladder)
  std::optional<routing::Decision> decision;  ///< none for a pinned call
  std::optional<routing::SuccessPrediction> prediction;
  /// a whole answer's tool call was not JSON, broke its schema or named no offered tool
  bool malformed_tool_call = false;
  /// the answer's confidence signals (whole answers with logprobs; see cascade::TokenConfidence)
  std::optional<double> uncertainty;
  std::optional<double> entropy;
  std::optional<double> budget_before;  ///< task dollars routing believed the step could spend
  bool clamped = false;                 ///< max_tokens was lowered to what the budget affords
  std::string budget_remaining;         ///< as sent in X-Governor-Budget-Remaining
  std::string requested_model;          ///< as the client sent it
  /// the alias or upstream name the model resolved to (bounded: a metric label); empty when the
  /// call failed before that
  std::string route;
  std::string upstream;        ///< upstream name that answered (empty when none)
  std::string upstream_model;  ///< the id sent upstream
  std::string tier;
  bool stream = false;
  unsigned status = 0;  ///< HTTP status the client got
  /// ok | client_error | auth_error | budget_refused | upstream_error | client_gone | stream_broken
  std::string outcome = "ok";
  std::string error;  ///< short description, never a secret
  TokenUsage usage;
  bool usage_estimated = false;  ///< the upstream reported no usage; counted from the content
  MicroUsd cost;
  unsigned attempts = 0;
  unsigned retries = 0;
  unsigned fallbacks = 0;
  std::chrono::microseconds upstream_first_byte{0};  ///< request sent -> header received
  std::chrono::microseconds total{0};
  // For the metrics (docs/metrics.md).
  std::chrono::microseconds decision_time{0};               ///< step and tier picked (route_call)
  std::chrono::steady_clock::time_point forward_started{};  ///< default: never forwarded
  std::chrono::microseconds upstream_wait{0};  ///< forward + body read or relay, backoff included
  std::optional<std::chrono::microseconds> upstream_latency;  ///< send -> last upstream byte
  std::optional<std::chrono::microseconds> first_token;       ///< streams: start -> first token out
  std::optional<MicroUsd> task_spent;    ///< the task's spend after settle (from the ledger)
  std::optional<CascadeRecord> cascade;  ///< none: the call was not cascaded

  /** What the client's call cost in all: the served answer and any escalated attempts. */
  MicroUsd call_cost() const { return cascade ? cost + cascade->spent() : cost; }
};

/** Writes the access-log line (key=value, one per call). */
void log_call(const CallRecord& record);

}  // namespace governor::server
