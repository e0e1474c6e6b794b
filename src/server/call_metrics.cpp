#include "call_metrics.hpp"

#include "governor/ledger/ledger.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "governor/upstream/forward.hpp"

namespace governor::server {
namespace {

/** Steps that end their task: final synthesis and human handoff. */
bool call_metrics_ends_task(std::string_view step) {
  return step == "summarize" || step == "handoff";
}

}  // namespace

void record_call_metrics(telemetry::GatewayMetrics& metrics, const CallRecord& record,
                         bool one_step) {
  telemetry::CallOutcome call;
  call.route = record.route;
  call.tier = record.tier;
  call.model = record.upstream;
  call.step = record.step;
  call.outcome = record.outcome;
  call.tenant = record.tenant;
  call.input_tokens = record.usage.input_tokens;
  call.output_tokens = record.usage.output_tokens;
  call.cost = record.cost;
  if (record.cascade) {
    call.escalated_cost = record.cascade->spent();
    for (const CascadeAttempt& attempt : record.cascade->escalated) {
      metrics.on_escalation(config::to_string(attempt.reason));
      metrics.on_spend(record.tenant, attempt.upstream, attempt.usage.input_tokens,
                       attempt.usage.output_tokens, attempt.cost);
    }
  }
  if (one_step || call_metrics_ends_task(record.step)) {
    call.task_spent = record.task_spent;
  }
  call.total = record.total;
  call.upstream_wait = record.upstream_wait;
  call.upstream_latency = record.upstream_latency;
  call.first_token = record.first_token;
  if (!record.route.empty()) {
    call.decision = record.decision_time;  // the decision ran once the target was known
  }
  metrics.on_call_finished(call);
}

void record_forward_metrics(telemetry::GatewayMetrics& metrics, const upstream::ForwardLog& log) {
  if (!log.retried.empty()) {
    std::vector<telemetry::UpstreamTry> tries;
    tries.reserve(log.retried.size());
    for (const auto& r : log.retried) {
      tries.push_back(telemetry::UpstreamTry{r.upstream->name, r.retries, r.fell_back});
    }
    metrics.on_forward(tries);
  }
  for (const auto& failure : log.failures) {
    if (failure.kind != upstream::FailureKind::cancelled) {
      metrics.on_upstream_error(failure.upstream, upstream::to_string(failure.kind));
    }
  }
}

void record_refusal_metrics(telemetry::GatewayMetrics& metrics, const ledger::Refusal& refusal) {
  metrics.on_budget_refusal(ledger::to_string(refusal.scope), ledger::to_string(refusal.reason));
}

void record_grant_metrics(telemetry::GatewayMetrics& metrics, const ledger::Grant& grant) {
  if (grant.clamped) {
    metrics.on_budget_clamp(ledger::to_string(grant.binding), "max_tokens");
  }
  if (grant.candidate > 0) {
    metrics.on_budget_clamp(ledger::to_string(grant.binding), "degraded");
  }
}

}  // namespace governor::server
