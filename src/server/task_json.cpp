#include "task_json.hpp"

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "decision_json.hpp"

namespace governor::server {
namespace {

using nlohmann::json;

json dollars(MicroUsd amount) {
  return amount.dollars();
}

json dollars_or_null(const std::optional<MicroUsd>& amount) {
  return amount ? dollars(*amount) : json(nullptr);
}

template <class T>
json value_or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json scope_json(const ledger::ScopeView& scope) {
  return {{"limit_usd", dollars_or_null(scope.limit)},
          {"spent_usd", dollars(scope.spent)},
          {"reserved_usd", dollars(scope.reserved)},
          {"remaining_usd", dollars_or_null(scope.remaining)}};
}

openai::ApiError bad_budget(const std::string& field, std::string message) {
  return openai::make_api_error(errc::invalid_request, std::move(message), "budget." + field);
}

/** A non-negative dollar amount with at most six decimals. */
std::optional<MicroUsd> json_dollars(const json& value) {
  if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1e9) {
    return std::nullopt;
  }
  const double micros = value.get<double>() * 1e6;
  const double rounded = std::round(micros);
  if (std::abs(micros - rounded) > 1e-6 * std::max(1.0, rounded)) {
    return std::nullopt;  // finer than a micro-dollar
  }
  return MicroUsd{static_cast<std::int64_t>(rounded)};
}

std::optional<std::int64_t> json_count(const json& value, std::int64_t min) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < min) {
    return std::nullopt;
  }
  return value.get<std::int64_t>();
}

/** The routing trace the ledger kept (decision_trace_bytes, or JSON text from before); null for
 *  a pinned call. */
json step_decision(const std::string& stored) {
  const std::string text = decision_trace_json(stored);
  if (text.empty()) {
    return nullptr;
  }
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

/** The step's share of what the task has spent (0 while the task has spent nothing). */
double cost_share(MicroUsd step, MicroUsd task) {
  return task.micros() > 0 ? static_cast<double>(step.micros()) / static_cast<double>(task.micros())
                           : 0.0;
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf, n) + "." + std::to_string(1000 + unix_ms % 1000).substr(1) + "Z";
}

json budget_json(const config::TaskBudget& b) {
  return {{"total_dollars", dollars_or_null(b.total_dollars)},
          {"max_input_tokens", value_or_null(b.max_input_tokens)},
          {"max_output_tokens", value_or_null(b.max_output_tokens)},
          {"reserve_for_final_synthesis", dollars(b.reserve_for_final_synthesis)},
          {"reserve_for_human_handoff", dollars(b.reserve_for_human_handoff)},
          {"hard_stop_after_retries", value_or_null(b.hard_stop_after_retries)},
          {"min_useful_output_tokens", b.min_useful_output_tokens}};
}

json task_json(const ledger::TaskView& v) {
  json steps = json::array();
  for (const auto& s : v.steps) {
    json decision = step_decision(s.decision);
    json escalation =
        decision.is_object() && decision.contains("cascade") ? decision["cascade"] : json(nullptr);
    steps.push_back({{"time", iso8601_utc(s.time_unix_ms)},
                     {"step", to_string(s.step)},
                     {"model", s.model.empty() ? json(nullptr) : json(s.model)},
                     {"tier", s.tier.empty() ? json(nullptr) : json(s.tier)},
                     {"input_tokens", s.usage.input_tokens},
                     {"output_tokens", s.usage.output_tokens},
                     {"usage_estimated", s.usage_estimated},
                     {"cost_usd", dollars(s.cost)},
                     {"reserved_usd", dollars(s.reserved)},
                     {"outcome", s.outcome},
                     {"reason", s.reason},
                     {"decision", std::move(decision)},
                     {"escalation", std::move(escalation)},
                     {"cost_share", cost_share(s.cost, v.task.spent)},
                     {"latency_ms", s.latency_ms}});
  }
  return {{"id", v.id},
          {"object", "governor.task"},
          {"session", v.session.empty() ? json(nullptr) : json(v.session)},
          {"policy", v.policy.empty() ? json(nullptr) : json(v.policy)},
          {"created_at", iso8601_utc(v.created_unix_ms)},
          {"budget", budget_json(v.budget)},
          {"spent_usd", dollars(v.task.spent)},
          {"reserved_usd", dollars(v.task.reserved)},
          {"remaining_usd", dollars_or_null(v.task.remaining)},
          {"retries", v.retries},
          {"scopes",
           {{"task", scope_json(v.task)},
            {"session", scope_json(v.session_scope)},
            {"tenant_day", scope_json(v.tenant_day)},
            {"tenant_month", scope_json(v.tenant_month)}}},
          {"steps", std::move(steps)}};
}

boost::system::result<config::TaskBudget, openai::ApiError> parse_task_budget(
    const json& budget, const config::TaskBudget& policy_budget, const std::string& policy_name) {
  if (!budget.is_object()) {
    return openai::make_api_error(errc::invalid_request, "budget must be an object", "budget");
  }
  config::TaskBudget out = policy_budget;
  for (const auto& [key, value] : budget.items()) {
    if (key == "total_dollars" || key == "reserve_for_final_synthesis" ||
        key == "reserve_for_human_handoff") {
      const auto amount = json_dollars(value);
      if (!amount) {
        return bad_budget(key, "budget." + key +
                                   " must be a non-negative dollar amount with at most six "
                                   "decimals");
      }
      if (key == "total_dollars") {
        out.total_dollars = amount;
      } else if (key == "reserve_for_final_synthesis") {
        out.reserve_for_final_synthesis = *amount;
      } else {
        out.reserve_for_human_handoff = *amount;
      }
    } else if (key == "max_input_tokens" || key == "max_output_tokens" ||
               key == "min_useful_output_tokens") {
      const auto count = json_count(value, 1);
      if (!count) {
        return bad_budget(key, "budget." + key + " must be a positive integer");
      }
      if (key == "max_input_tokens") {
        out.max_input_tokens = count;
      } else if (key == "max_output_tokens") {
        out.max_output_tokens = count;
      } else {
        out.min_useful_output_tokens = *count;
      }
    } else if (key == "hard_stop_after_retries") {
      const auto count = json_count(value, 0);
      if (!count || *count > 1'000'000) {
        return bad_budget(key, "budget." + key + " must be a non-negative integer");
      }
      out.hard_stop_after_retries = static_cast<std::uint32_t>(*count);
    } else {
      return bad_budget(key, "Unknown budget field '" + key + "'");
    }
  }
  std::string looser;
  if (!policy_budget.admits(out, &looser)) {
    return bad_budget(looser,
                      "budget." + looser + " is looser than policy '" + policy_name + "' allows");
  }
  if (const auto problems = config::check_task_budget(out); !problems.empty()) {
    return bad_budget(problems.front().field, "budget: " + problems.front().message);
  }
  return out;
}

}  // namespace governor::server
