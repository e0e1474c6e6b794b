#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace governor::sim {

/** How a SimServer listens and paces its answers. */
struct SimOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: ephemeral; read back with SimServer::port()
  unsigned threads = 1;
  std::string tls_cert_file, tls_key_file;  ///< both set: serve HTTPS (PEM files)
  std::chrono::milliseconds ttft{0};        ///< default time to first token
  double tokens_per_second = 0;             ///< 0: as fast as possible
  std::string api_key;  ///< non-empty: require "Authorization: Bearer <key>", else 401
};

/** A snapshot of the server's counters. */
struct SimStats {
  std::uint64_t requests = 0;         ///< chat completion requests received
  std::uint64_t completed = 0;        ///< chat completion responses (any status) fully written
  std::uint64_t client_aborted = 0;   ///< client went away before the response was fully written
  std::uint64_t faults_injected = 0;  ///< faults applied (see docs/simulator.md)
  std::string last_authorization;     ///< Authorization header of the last request ("" if none)
  std::string last_body;              ///< last request body received
};

/** A simulated OpenAI-compatible upstream: POST /v1/chat/completions (stream or not, tools,
 *  response_format, logprobs), GET /v1/models, GET /healthz, with per-request fault injection
 *  through `[[sim key=value ...]]` directives (docs/simulator.md).
 *
 *  @par Thread safety
 *  start(), stop() and the destructor must not race each other; port(), stats() and
 *  reset_stats() may be called from any thread at any time. */
class SimServer {
 public:
  explicit SimServer(SimOptions options);
  ~SimServer();  ///< stops
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  /** Binds, listens and starts the threads; port() is valid afterwards.
   *  @throws std::exception when the address cannot be bound or the TLS files cannot be read. */
  void start();
  /** Closes the listener and every connection and joins the threads. Idempotent. */
  void stop();
  /** The bound port (the chosen one when SimOptions::port was 0); 0 before start(). */
  std::uint16_t port() const;
  SimStats stats() const;
  /** Zeroes the counters, clears last_* and forgets fail_times attempts. */
  void reset_stats();

  /** "http://127.0.0.1:PORT/v1" (or https): a base URL for OpenAI clients. */
  std::string base_url() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace governor::sim
