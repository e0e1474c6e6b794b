#include "decision_json.hpp"

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "governor/openai/json_text.hpp"

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

namespace {

/** Appends `x` as nlohmann's dump() writes a double (shortest round-trip form, ".0" on whole
 *  numbers, null when not finite), so the text below equals the DOM's dump. */
void append_number(std::string& out, double x) {
  if (!std::isfinite(x)) {
    out += "null";
    return;
  }
  std::array<char, 64> buffer{};
  const char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  out.append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

void append_number(std::string& out, const std::optional<double>& x) {
  if (x) {
    append_number(out, *x);
  } else {
    out += "null";
  }
}

}  // namespace

// Written out rather than built as a DOM and dumped: this runs on every settled call, and the
// DOM took 5% of a budgeted call's worker CPU. Keys in the order dump() sorts them; the unit test
// checks the text against the DOM's.
std::string decision_trace_text(const CallRecord& record) {
  if (!record.decision) {
    return {};
  }
  const routing::Decision& d = *record.decision;
  std::string out;
  out.reserve(160 + 150 * d.candidates.size());
  out += "{\"allowance_usd\":";
  append_number(out, d.allowance);
  out += ",\"budget_before_usd\":";
  append_number(out, record.budget_before);
  out += ",\"candidates\":[";
  for (std::size_t i = 0; i < d.candidates.size(); ++i) {
    const routing::CandidateScore& c = d.candidates[i];
    out += i == 0 ? "{\"allowed\":" : ",{\"allowed\":";
    out += c.allowed ? "true" : "false";
    out += ",\"est_cost_usd\":";
    append_number(out, c.est_cost);
    out += ",\"p_success\":";
    append_number(out, c.p_success);
    out += ",\"tier\":";
    openai::append_quoted_json(out, c.tier);
    out += ",\"utility\":";
    append_number(out, c.utility);
    out += ",\"worst_cost_usd\":";
    append_number(out, c.worst_cost);
    out += '}';
  }
  out += ']';
  if (record.cascade) {
    out += ",\"cascade\":";
    out += cascade_json(*record.cascade).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  out += ",\"chosen\":";
  openai::append_quoted_json(
      out, d.chosen < d.candidates.size() ? d.candidates[d.chosen].tier : std::string_view{});
  out += ",\"lambda\":";
  append_number(out, d.lambda);
  if (record.prediction) {
    out += ",\"prediction\":{\"strong\":";
    append_number(out, record.prediction->strong);
    out += ",\"weak\":";
    append_number(out, record.prediction->weak);
    out += '}';
  }
  out += ",\"reasons\":";
  openai::append_quoted_json(out, d.reason_text());
  out += '}';
  return out;
}

}  // namespace governor::server
