#include "decision_json.hpp"

#include <nlohmann/json.hpp>

namespace governor::server {

using nlohmann::json;

json decision_json(const routing::Decision& d) {
  json candidates = json::array();
  for (const auto& c : d.candidates) {
    candidates.push_back({{"tier", c.tier},
                          {"p_success", c.p_success},
                          {"est_cost_usd", c.est_cost},
                          {"worst_cost_usd", c.worst_cost},
                          {"utility", c.utility},
                          {"allowed", c.allowed}});
  }
  const std::string_view chosen =
      d.chosen < d.candidates.size() ? d.candidates[d.chosen].tier : std::string_view{};
  return {{"chosen", chosen},
          {"lambda", d.lambda},
          {"allowance_usd", d.allowance ? json(*d.allowance) : json(nullptr)},
          {"reasons", d.reason_text()},
          {"candidates", std::move(candidates)}};
}

namespace {

template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

json cascade_json(const CascadeRecord& c) {
  json escalated = json::array();
  for (const CascadeAttempt& a : c.escalated) {
    escalated.push_back({{"tier", a.tier},
                         {"model", a.upstream},
                         {"reason", config::to_string(a.reason)},
                         {"uncertainty", optional_json(a.uncertainty)},
                         {"entropy", optional_json(a.entropy)},
                         {"input_tokens", a.usage.input_tokens},
                         {"output_tokens", a.usage.output_tokens},
                         {"cost_usd", static_cast<double>(a.cost.micros()) / 1e6}});
  }
  return {{"escalated", to_string(c.outcome)},
          {"reason", c.reason ? json(config::to_string(*c.reason)) : json(nullptr)},
          {"max_uncertainty", optional_json(c.rule.max_uncertainty)},
          {"max_entropy", optional_json(c.rule.max_entropy)},
          {"attempts", std::move(escalated)}};
}

std::string decision_trace_text(const CallRecord& record) {
  if (!record.decision) {
    return {};
  }
  json trace = decision_json(*record.decision);
  if (record.cascade) {
    trace["cascade"] = cascade_json(*record.cascade);
  }
  if (record.prediction) {
    trace["prediction"] = {{"weak", record.prediction->weak},
                           {"strong", record.prediction->strong}};
  }
  trace["budget_before_usd"] = record.budget_before ? json(*record.budget_before) : json(nullptr);
  return trace.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace governor::server
