#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"

namespace governor::server {

/** Upstream connection counters summed over workers. */
struct UpstreamConnectionStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t connections_discarded = 0;
  std::size_t idle = 0;
};

/** Governor's data-plane HTTP server: N workers, each an io_context on its own thread, every
 *  connection bound to one worker for its whole life (Envoy's threading model).
 *  @par Thread safety start/shutdown/wait are called from one controlling thread. */
class Server {
 public:
  explicit Server(config::GatewayConfigPtr config);
  ~Server();  ///< stops hard if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /** Loads the policies and opens the ledger (throws std::runtime_error naming every problem),
   *  binds the listeners (throws std::system_error when it cannot) and starts the workers. */
  void start();
  /** The bound port (useful with port 0). */
  std::uint16_t port() const;
  /** The admin listener's bound port; 0 when it is disabled. */
  std::uint16_t admin_port() const;

  /** Reloads the policy directory; on any error the policies in force stay. Returns the errors
   *  (file:line: field: message), empty on success. Safe to call from any thread. */
  std::vector<std::string> reload_policies();
  /** Graceful: stop accepting, let in-flight calls (streams included) finish, close idle
   *  keep-alive connections; after the config's drain_timeout, cut what is left. Blocks until
   *  every worker has stopped. Returns true when everything drained in time. */
  bool shutdown();
  /** Same with an explicit drain time (tests). */
  bool shutdown(std::chrono::milliseconds drain_timeout);

  /** Calls currently being served (all workers). */
  std::size_t in_flight() const;
  /** Asks every worker for its pool counters (blocks briefly; not for the hot path). */
  UpstreamConnectionStats upstream_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace governor::server
