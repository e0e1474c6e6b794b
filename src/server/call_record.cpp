#include "call_record.hpp"

#include <spdlog/spdlog.h>

namespace governor::server {

void log_call(const CallRecord& r) {
  spdlog::info(
      "access request_id={} model={} upstream={} upstream_model={} tier={} stream={} status={} "
      "outcome={} input_tokens={} output_tokens={} usage_estimated={} cost_usd={} attempts={} "
      "retries={} fallbacks={} upstream_ttfb_us={} total_us={}{}{}",
      r.request_id, r.requested_model.empty() ? "-" : r.requested_model,
      r.upstream.empty() ? "-" : r.upstream, r.upstream_model.empty() ? "-" : r.upstream_model,
      r.tier.empty() ? "-" : r.tier, r.stream, r.status, r.outcome, r.usage.input_tokens,
      r.usage.output_tokens, r.usage_estimated, r.cost.to_string(), r.attempts, r.retries,
      r.fallbacks, r.upstream_first_byte.count(), r.total.count(),
      r.error.empty() ? "" : " error=", r.error.empty() ? "" : "\"" + r.error + "\"");
}

}  // namespace governor::server
