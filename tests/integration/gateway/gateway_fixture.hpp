#pragma once

// Runs the real gateway in-process in front of the real simulator, both on ephemeral loopback
// ports, with a config loaded from YAML text through the real loader.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "governor/config/loader.hpp"
#include "governor/server/server.hpp"
#include "sim/sim_server.hpp"
#include "test_client.hpp"

namespace governor::testing {

/** Per-upstream YAML appended to both upstreams (indented for the upstream mapping). */
struct GatewayOptions {
  std::string upstream_extra;        ///< e.g. "    retry: {max_attempts: 2, backoff_ms: 1}\n"
  std::string small_extra;           ///< only for sim-small
  std::string large_extra;           ///< only for sim-large
  std::string listen_extra;          ///< e.g. "  max_body_bytes: 1024\n"
  std::string large_base_url;        ///< overrides sim-large's base URL (e.g. a closed port)
  std::string sections;              ///< top-level YAML appended (auth, ledger, policies, admin)
  std::string logs_extra;            ///< inside `logs: {...}`, e.g. ", decision_log: {path: x}"
  std::string access_log = "false";  ///< logs.access_log: true, false or {path: ...}
  std::string default_tier = "cheap";
  std::string scheme = "http";
  std::string sim_host = "127.0.0.1";
  unsigned workers = 2;
};

/** The test config: sim-small (cheap tier, default for `auto`) and sim-large (premium) falling
 *  back to sim-small; prices $0.15/$0.60 and $2.50/$10 per million tokens. */
std::string gateway_yaml(std::uint16_t sim_port, const GatewayOptions& options);

config::GatewayConfigPtr load_test_config(const std::string& yaml);

class GatewayTest : public ::testing::Test {
 protected:
  /** Starts the simulator, then the gateway in front of it. */
  void start(const GatewayOptions& options = {}, sim::SimOptions sim_options = {});
  void TearDown() override;

  std::uint16_t port() const { return server_->port(); }
  std::uint16_t admin_port() const { return server_->admin_port(); }
  TestClient client() const { return TestClient(port()); }
  sim::SimServer& sim() { return *sim_; }
  server::Server& gateway() { return *server_; }

  std::unique_ptr<sim::SimServer> sim_;
  std::unique_ptr<server::Server> server_;
};

/** A chat body with one user message; `extra` is spliced into the top-level object. */
std::string chat_body(const std::string& model, const std::string& user_text,
                      const std::string& extra = "");

}  // namespace governor::testing
