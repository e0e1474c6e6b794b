#include "call_record.hpp"

#include <spdlog/spdlog.h>

namespace governor::server {
namespace {

std::string_view dash(const std::string& value) {
  return value.empty() ? std::string_view{"-"} : std::string_view{value};
}

}  // namespace

std::string_view to_string(CascadeOutcome outcome) {
  switch (outcome) {
    case CascadeOutcome::accepted:
      return "false";
    case CascadeOutcome::escalated:
      return "true";
    case CascadeOutcome::unaffordable:
      return "unaffordable";
  }
  return "false";
}

MicroUsd CascadeRecord::spent() const {
  MicroUsd total{0};
  for (const CascadeAttempt& attempt : escalated) {
    total = total + attempt.cost;
  }
  return total;
}

void log_call(const CallRecord& r) {
  spdlog::info(
      "access request_id={} tenant={} task={} session={} step={} policy={} model={} upstream={} "
      "upstream_model={} tier={} reason={} clamped={} stream={} status={} outcome={} "
      "input_tokens={} output_tokens={} usage_estimated={} cost_usd={} budget_remaining={} "
      "attempts={} retries={} fallbacks={} upstream_ttfb_us={} total_us={} escalated={}{}{}",
      r.request_id, dash(r.tenant), dash(r.task), dash(r.session), dash(r.step), dash(r.policy),
      r.requested_model.empty() ? "-" : r.requested_model, r.upstream.empty() ? "-" : r.upstream,
      r.upstream_model.empty() ? "-" : r.upstream_model, r.tier.empty() ? "-" : r.tier, r.reason,
      r.clamped, r.stream, r.status, r.outcome, r.usage.input_tokens, r.usage.output_tokens,
      r.usage_estimated, r.cost.to_string(), dash(r.budget_remaining), r.attempts, r.retries,
      r.fallbacks, r.upstream_first_byte.count(), r.total.count(),
      r.cascade ? to_string(r.cascade->outcome) : "-",
      r.error.empty() ? "" : " error=", r.error.empty() ? "" : "\"" + r.error + "\"");
}

}  // namespace governor::server
