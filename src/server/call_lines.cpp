#include "call_lines.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "decision_json.hpp"

namespace governor::server {

namespace {

using nlohmann::json;

json or_null(const std::string& value) {
  return value.empty() ? json(nullptr) : json(value);
}

template <class T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/** What both lines say of a call: who, which task, where it went, what it cost, how long. */
json call_fields(const CallRecord& r) {
  return {{"ts_unix_ms", now_unix_ms()},
          {"request_id", r.request_id},
          {"tenant", or_null(r.tenant)},
          {"task", or_null(r.task)},
          {"session", or_null(r.session)},
          {"step", or_null(r.step)},
          {"policy", or_null(r.policy)},
          {"model", or_null(r.requested_model)},
          {"tier", or_null(r.tier)},
          {"upstream", or_null(r.upstream)},
          {"reason", r.reason},
          {"clamped", r.clamped},
          {"stream", r.stream},
          {"status", r.status},
          {"outcome", r.outcome},
          {"input_tokens", r.usage.input_tokens},
          {"output_tokens", r.usage.output_tokens},
          {"usage_estimated", r.usage_estimated},
          {"cost_usd", r.call_cost().dollars()},
          {"escalated", r.cascade ? json(to_string(r.cascade->outcome)) : json(nullptr)},
          {"budget_remaining", or_null(r.budget_remaining)},
          {"upstream_ttfb_us", r.upstream_first_byte.count()},
          {"total_us", r.total.count()}};
}

std::string dump_line(json& line, const CallRecord& r) {
  if (!r.error.empty()) {
    line["error"] = r.error;
  }
  return line.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string decision_line(const CallRecord& r) {
  json line = call_fields(r);
  line["malformed_tool_call"] = r.malformed_tool_call;
  if (r.uncertainty) {
    // The shape `governor calibrate` reads: add "acceptable" from feedback and feed it back.
    json signals = {{"uncertainty", *r.uncertainty}};
    if (r.entropy) {
      signals["entropy"] = *r.entropy;
    }
    line["signals"] = std::move(signals);
  }
  line["budget_before_usd"] = or_null(r.budget_before);
  if (r.prediction) {
    line["prediction"] = {{"weak", r.prediction->weak}, {"strong", r.prediction->strong}};
  }
  if (r.decision) {
    line["decision"] = decision_json(*r.decision);
  }
  if (r.cascade) {
    line["cascade"] = cascade_json(*r.cascade);
  }
  return dump_line(line, r);
}

std::string access_line(const CallRecord& r) {
  json line = call_fields(r);
  line["upstream_model"] = or_null(r.upstream_model);
  line["attempts"] = r.attempts;
  line["retries"] = r.retries;
  line["fallbacks"] = r.fallbacks;
  return dump_line(line, r);
}

}  // namespace governor::server
