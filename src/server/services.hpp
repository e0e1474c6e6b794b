#pragma once

#include <memory>
#include <mutex>

#include "governor/config/policy.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "json_lines_log.hpp"
#include "route_call.hpp"
#include "shared_snapshot.hpp"
#include "task_lengths.hpp"
#include "task_memory.hpp"

namespace governor::server {

/** What every worker shares, owned by the Server: the metrics, the ledger, the current policy set
 *  with the prompt models its policies name, and what routing remembers of each task.
 *  @par Thread safety the metrics, ledger and task memory are thread-safe; policies and models are
 *  swapped whole on reload, models first, and a call keeps the snapshots it
 *  started with. */
struct Services {
  /// null: metrics.enabled is off. Declared first so it outlives the ledger, whose thread
  /// reports commits to it.
  telemetry::GatewayMetricsPtr metrics;
  ledger::LedgerPtr ledger;  ///< null: budgets are off
  SharedSnapshot<config::PolicySetPtr> policies;
  SharedSnapshot<PromptModelsPtr> models;
  TaskMemory task_memory;
  TaskLengths task_lengths;  ///< refines each policy's expected_steps for the pacer
  std::unique_ptr<JsonLinesLog> decision_log;  ///< null: logs.decision_log is off
  std::unique_ptr<JsonLinesLog> access_log;    ///< JSON access log; null: not to a file
  std::mutex reload_mutex;  ///< one policy reload at a time (SIGHUP and the admin endpoint)

  config::PolicySetPtr policy_snapshot() const { return policies.load(); }
  /** Read after policy_snapshot(): models are stored first on reload, so these are at least as
   *  new as the policies. */
  PromptModelsPtr models_snapshot() const { return models.load(); }
  /** The prompt model a policy names, or null. */
  static const routing::PromptModel* model_for(const PromptModels* models,
                                               const config::Policy* policy) {
    if (models == nullptr || policy == nullptr || policy->routing.model.empty()) {
      return nullptr;
    }
    const auto it = models->find(policy->routing.model);
    return it == models->end() ? nullptr : it->second.get();
  }
};

}  // namespace governor::server
