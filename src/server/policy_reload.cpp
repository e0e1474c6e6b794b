#include "policy_reload.hpp"

#include <mutex>

#include "governor/config/policy_loader.hpp"

namespace governor::server {

namespace {

ReloadReport load_and_swap_policies(const config::GatewayConfig& config, Services& services) {
  ReloadReport report;
  if (config.policies.dir.empty()) {
    services.policies.store(std::make_shared<const config::PolicySet>());
    report.ok = true;
    return report;
  }
  auto loaded = config::load_policy_dir(config.policies.dir);
  for (const auto& e : loaded.errors) {
    report.errors.push_back(e.to_string());
  }
  if (loaded.policies) {
    for (const auto& e : config::check_policies_against_config(config, *loaded.policies)) {
      report.errors.push_back(e.to_string());
    }
  }
  auto models = std::make_shared<PromptModels>();
  if (loaded.policies) {
    // Each model file once, however many policies name it; a bad one fails the whole reload.
    for (const auto& policy : loaded.policies->policies) {
      const std::string& path = policy.routing.model;
      if (path.empty() || models->contains(path)) {
        continue;
      }
      auto model = routing::PromptModel::load_file(path);
      if (!model) {
        report.errors.push_back(policy.source + ": routing.model: " + model.error());
        continue;
      }
      models->emplace(path, std::make_shared<const routing::PromptModel>(std::move(*model)));
    }
  }
  if (!report.errors.empty() || !loaded.policies) {
    if (report.errors.empty()) {
      report.errors.push_back(config.policies.dir + ": could not be loaded");
    }
    const auto current = services.policy_snapshot();
    report.policies = current ? current->policies.size() : 0;
    return report;
  }
  report.ok = true;
  report.policies = loaded.policies->policies.size();
  report.models = models->size();
  services.models.store(std::move(models));
  services.policies.store(std::move(loaded.policies));
  return report;
}

}  // namespace

ReloadReport reload_policies(const config::GatewayConfig& config, Services& services) {
  const std::lock_guard lock(services.reload_mutex);
  ReloadReport report = load_and_swap_policies(config, services);
  if (services.metrics) {
    services.metrics->on_reload(report.ok);
  }
  return report;
}

}  // namespace governor::server
