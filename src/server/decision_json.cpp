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

std::string decision_trace_text(const CallRecord& record) {
  if (!record.decision) {
    return {};
  }
  json trace = decision_json(*record.decision);
  if (record.prediction) {
    trace["prediction"] = {{"weak", record.prediction->weak},
                           {"strong", record.prediction->strong}};
  }
  trace["budget_before_usd"] = record.budget_before ? json(*record.budget_before) : json(nullptr);
  return trace.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace governor::server
