#include "decision_json.hpp"

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "governor/core/byte_codec.hpp"
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
                         {"cost_usd", a.cost.dollars()}});
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

namespace {

// The trace's bytes (decision_trace_bytes), version 1: a version byte, a flags byte (which of
// allowance, budget before, prediction and cascade follow), the allowance and budget before
// (doubles), the candidates (a varint count; each: allowed byte, est_cost, p_success, tier text,
// utility, worst_cost), the chosen tier, lambda, the prediction (strong, weak), the reason codes
// and the cascade as JSON text.
constexpr unsigned char kTraceVersion = 1;
constexpr unsigned kHasAllowance = 1;
constexpr unsigned kHasBudgetBefore = 2;
constexpr unsigned kHasPrediction = 4;
constexpr unsigned kHasCascade = 8;

/** A decoded trace: views into the bytes it was read from. */
struct TraceCandidate {
  bool allowed = false;
  double est_cost = 0.0;
  double p_success = 0.0;
  std::string_view tier;
  double utility = 0.0;
  double worst_cost = 0.0;
};
struct Trace {
  std::optional<double> allowance;
  std::optional<double> budget_before;
  std::vector<TraceCandidate> candidates;
  std::string_view chosen;
  double lambda = 0.0;
  std::optional<routing::SuccessPrediction> prediction;
  std::string_view reasons;
  std::string_view cascade;  ///< JSON text; empty: not cascaded
};

std::optional<Trace> decode_trace(std::string_view stored) {
  bytes::Reader in(stored);
  if (in.byte() != kTraceVersion) {
    return std::nullopt;
  }
  Trace t;
  const unsigned flags = in.byte();
  if ((flags & ~15U) != 0) {
    return std::nullopt;
  }
  if ((flags & kHasAllowance) != 0) {
    t.allowance = in.real();
  }
  if ((flags & kHasBudgetBefore) != 0) {
    t.budget_before = in.real();
  }
  const std::uint64_t count = in.varint();
  if (!in.ok() || count > stored.size()) {
    return std::nullopt;
  }
  t.candidates.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    TraceCandidate c;
    c.allowed = in.byte() != 0;
    c.est_cost = in.real();
    c.p_success = in.real();
    c.tier = in.text_view();
    c.utility = in.real();
    c.worst_cost = in.real();
    t.candidates.push_back(c);
  }
  t.chosen = in.text_view();
  t.lambda = in.real();
  if ((flags & kHasPrediction) != 0) {
    t.prediction = routing::SuccessPrediction{};
    t.prediction->strong = in.real();
    t.prediction->weak = in.real();
  }
  t.reasons = in.text_view();
  if ((flags & kHasCascade) != 0) {
    t.cascade = in.text_view();
  }
  if (!in.ok() || !in.at_end()) {
    return std::nullopt;
  }
  return t;
}

/** The trace as the JSON text the DOM's dump() writes (keys sorted, numbers as dump() writes
 *  them); the unit test checks it against the DOM. */
std::string trace_json_text(const Trace& t) {
  std::string out;
  out.reserve(160 + 150 * t.candidates.size() + t.cascade.size());
  out += "{\"allowance_usd\":";
  append_number(out, t.allowance);
  out += ",\"budget_before_usd\":";
  append_number(out, t.budget_before);
  out += ",\"candidates\":[";
  for (std::size_t i = 0; i < t.candidates.size(); ++i) {
    const TraceCandidate& c = t.candidates[i];
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
  if (!t.cascade.empty()) {
    out += ",\"cascade\":";
    out += t.cascade;
  }
  out += ",\"chosen\":";
  openai::append_quoted_json(out, t.chosen);
  out += ",\"lambda\":";
  append_number(out, t.lambda);
  if (t.prediction) {
    out += ",\"prediction\":{\"strong\":";
    append_number(out, t.prediction->strong);
    out += ",\"weak\":";
    append_number(out, t.prediction->weak);
    out += '}';
  }
  out += ",\"reasons\":";
  openai::append_quoted_json(out, t.reasons);
  out += '}';
  return out;
}

}  // namespace

// Bytes, not JSON: this runs on every settled call, and formatting the doubles as JSON (nlohmann's
// shortest-digits search) was most of the text's 5k instructions a call. The JSON is written when
// a trace is read (GET /v1/tasks), which is rare.
std::string decision_trace_bytes(const CallRecord& record) {
  if (!record.decision) {
    return {};
  }
  const routing::Decision& d = *record.decision;
  const std::string cascade =
      record.cascade
          ? cascade_json(*record.cascade).dump(-1, ' ', false, json::error_handler_t::replace)
          : std::string{};
  std::string out;
  out.reserve(64 + 48 * d.candidates.size() + cascade.size());
  {
    // Through a Writer: some 30 fields, each an out-of-line append with put_*.
    bytes::Writer w(out);
    w.byte(kTraceVersion);
    w.byte((d.allowance ? kHasAllowance : 0) | (record.budget_before ? kHasBudgetBefore : 0) |
           (record.prediction ? kHasPrediction : 0) | (record.cascade ? kHasCascade : 0));
    if (d.allowance) {
      w.real(*d.allowance);
    }
    if (record.budget_before) {
      w.real(*record.budget_before);
    }
    w.varint(d.candidates.size());
    for (const routing::CandidateScore& c : d.candidates) {
      w.byte(c.allowed ? 1 : 0);
      w.real(c.est_cost);
      w.real(c.p_success);
      w.text(c.tier);
      w.real(c.utility);
      w.real(c.worst_cost);
    }
    w.text(d.chosen < d.candidates.size() ? d.candidates[d.chosen].tier : std::string_view{});
    w.real(d.lambda);
    if (record.prediction) {
      w.real(record.prediction->strong);
      w.real(record.prediction->weak);
    }
    w.text(d.reason_text());
    if (record.cascade) {
      w.text(cascade);
    }
  }
  return out;
}

std::string decision_trace_json(std::string_view stored) {
  if (stored.empty() || stored.front() == '{') {
    return std::string(stored);  // none, or JSON text as ledgers before version 4 kept it
  }
  const std::optional<Trace> trace = decode_trace(stored);
  return trace ? trace_json_text(*trace) : std::string{};
}

}  // namespace governor::server
