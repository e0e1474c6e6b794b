#include "admin_handlers.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "governor/telemetry/gateway_metrics.hpp"
#include "policy_reload.hpp"

namespace governor::server {

Response reload_response(const Call& ex) {
  const auto report = reload_policies(*ex.worker.config(), ex.worker.services());
  if (report.ok) {
    spdlog::info("policies reloaded via admin endpoint: {} in force", report.policies);
  } else {
    for (const auto& error : report.errors) {
      spdlog::error("policy reload via admin endpoint: {}", error);
    }
    spdlog::error("policy reload via admin endpoint failed; keeping the {} policies in force",
                  report.policies);
  }
  const nlohmann::json body = {{"ok", report.ok},
                               {"policies", report.policies},
                               {"models", report.models},
                               {"errors", report.errors}};
  return json_response(ex, report.ok ? http::status::ok : http::status::unprocessable_entity,
                       body.dump());
}

Response status_response(const Call& ex) {
  auto& services = ex.worker.services();
  const auto policies = services.policy_snapshot();
  nlohmann::json names = nlohmann::json::array();
  if (policies) {
    for (const auto& p : policies->policies) {
      names.push_back(p.name);
    }
  }
  nlohmann::json ledger = nullptr;
  if (services.ledger) {
    const auto s = services.ledger->stats();
    ledger = {{"reservations", s.reservations},
              {"refusals", s.refusals},
              {"settlements", s.settlements},
              {"overruns", s.overruns},
              {"overrun_usd", s.overrun_amount.dollars()},
              {"commits", s.commits},
              {"batched_ops", s.batched_ops},
              {"queue_depth", s.queue_depth},
              {"last_commit_us", s.last_commit_us},
              {"checkpoints", s.checkpoints},
              {"cached_tasks", s.cached_tasks},
              {"cached_windows", s.cached_windows},
              {"evicted_tasks", s.evicted_tasks},
              {"evicted_windows", s.evicted_windows}};
  }
  const nlohmann::json body = {
      {"policies", names}, {"ledger", ledger}, {"draining", ex.worker.draining()}};
  return json_response(ex, http::status::ok, body.dump());
}

Response metrics_response(const Call& ex) {
  auto& services = ex.worker.services();
  if (!services.metrics) {
    return error_response(
        ex, openai::make_api_error(errc::not_found, "Metrics are off (metrics.enabled: false)"));
  }
  if (services.ledger) {
    const auto stats = services.ledger->stats();
    services.metrics->set_ledger_queue_depth(stats.queue_depth);
    services.metrics->set_ledger_checkpoints(stats.checkpoints);
    services.metrics->set_ledger_overruns(stats.overruns, stats.overrun_amount);
    services.metrics->set_ledger_cache(
        {stats.cached_tasks, stats.cached_windows, stats.evicted_tasks, stats.evicted_windows});
  }
  auto res = json_response(ex, http::status::ok, services.metrics->render());
  res.set(http::field::content_type, telemetry::GatewayMetrics::kContentType);
  return res;
}

}  // namespace governor::server
