#include "gateway_fixture.hpp"

#include <nlohmann/json.hpp>

namespace governor::testing {

std::string gateway_yaml(std::uint16_t sim_port, const GatewayOptions& o) {
  const std::string base = o.scheme + "://" + o.sim_host + ":" + std::to_string(sim_port) + "/v1";
  return "listen:\n"
         "  address: 127.0.0.1\n"
         "  port: 0\n"
         "  workers: " +
         std::to_string(o.workers) + "\n" + o.listen_extra +
         "upstreams:\n"
         "  - name: sim-small\n"
         "    base_url: " +
         base +
         "\n"
         "    model: sim-small\n"
         "    price_per_million: {input: 0.15, output: 0.60}\n"
         "    capabilities: [tools, logprobs, json_mode, streaming]\n" +
         o.upstream_extra + o.small_extra +
         "  - name: sim-large\n"
         "    base_url: " +
         (o.large_base_url.empty() ? base : o.large_base_url) +
         "\n"
         "    model: sim-large\n"
         "    price_per_million: {input: 2.50, output: 10.00}\n"
         "    capabilities: [tools, logprobs, json_mode, streaming]\n"
         "    fallback: sim-small\n" +
         o.upstream_extra + o.large_extra +
         "tiers:\n"
         "  - {name: cheap, upstreams: [sim-small]}\n"
         "  - {name: premium, upstreams: [sim-large]}\n"
         "routing: {aliases: [auto], default_tier: " +
         o.default_tier +
         "}\n"
         "logs: {level: warn, access_log: " +
         o.access_log + o.logs_extra +
         "}\n"
         "admin: {port: 0}\n" +
         o.sections;
}

config::GatewayConfigPtr load_test_config(const std::string& yaml) {
  auto loaded = config::load_config_text(
      yaml, "test.yaml", [](const std::string&) { return std::optional<std::string>{}; });
  for (const auto& e : loaded.errors) {
    ADD_FAILURE() << e.to_string() << "\n" << yaml;
  }
  return loaded.config;
}

void GatewayTest::start(const GatewayOptions& options, sim::SimOptions sim_options) {
  sim_ = std::make_unique<sim::SimServer>(sim_options);
  sim_->start();
  auto cfg = load_test_config(gateway_yaml(sim_->port(), options));
  ASSERT_TRUE(cfg);
  server_ = std::make_unique<server::Server>(cfg);
  server_->start();
}

void GatewayTest::TearDown() {
  if (server_) {
    server_->shutdown(std::chrono::milliseconds(2000));
  }
  if (sim_) {
    sim_->stop();
  }
}

std::string chat_body(const std::string& model, const std::string& user_text,
                      const std::string& extra) {
  nlohmann::json body = {{"model", model},
                         {"messages", {{{"role", "user"}, {"content", user_text}}}}};
  std::string out = body.dump();
  if (!extra.empty()) {
    out.pop_back();
    out += "," + extra + "}";
  }
  return out;
}

}  // namespace governor::testing
