#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <random>
#include <thread>
#include <unordered_set>

#include "client_watch.hpp"
#include "governor/config/gateway_config.hpp"
#include "governor/upstream/pool.hpp"
#include "governor/upstream/socket_deadlines.hpp"
#include "services.hpp"

namespace governor::server {

namespace net = boost::asio;
namespace beast = boost::beast;

/** A connection as the worker sees it, for graceful drain. Lives on the session's frame. */
struct SessionSlot {
  beast::tcp_stream* stream = nullptr;
  bool idle = true;  ///< waiting for the first byte of the next request
};

/** One event-loop thread: its io_context, its upstream pools, its connections. Everything here
 *  is touched only from the worker's own thread, except the atomics. */
class Worker {
 public:
  Worker(unsigned index, config::GatewayConfigPtr config, Services& services);
  ~Worker();

  void start();  ///< starts the thread
  void stop();   ///< stops the loop (hard) and joins
  net::io_context& io() { return io_; }
  unsigned index() const { return index_; }
  const config::GatewayConfigPtr& config() const { return config_; }
  upstream::UpstreamPools& pools() { return *pools_; }
  ClientWatches& client_watches() { return client_watches_; }
  upstream::SocketDeadlines& deadlines() { return deadlines_; }
  Services& services() { return services_; }

  /** Posted onto the worker: close idle connections; busy ones close after their response. */
  void begin_drain();
  bool draining() const { return draining_.load(std::memory_order_relaxed); }

  void add(SessionSlot& slot) { sessions_.insert(&slot); }
  void remove(SessionSlot& slot) { sessions_.erase(&slot); }
  std::size_t session_count() const { return session_count_.load(std::memory_order_relaxed); }
  std::atomic<std::size_t>& in_flight() { return in_flight_; }
  void on_session_start() { session_count_.fetch_add(1, std::memory_order_relaxed); }
  void on_session_end() { session_count_.fetch_sub(1, std::memory_order_relaxed); }

  /** Jitter in [0,1) for retry backoff. */
  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  /** A new request id: unique per process, cheap. */
  std::string next_request_id();

 private:
  unsigned index_;
  config::GatewayConfigPtr config_;
  Services& services_;
  // Before io_: a call's frame, destroyed with the io_context, may still hold a watch or a
  // socket's deadline. Their timers are stopped in ~Worker, while io_ still exists.
  ClientWatches client_watches_{io_};
  upstream::SocketDeadlines deadlines_{io_};
  net::io_context io_{1};
  // Declared after io_ so they are destroyed first, while the io_context still exists.
  std::unique_ptr<upstream::UpstreamPools> pools_;
  std::unordered_set<SessionSlot*> sessions_;
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> session_count_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::mt19937_64 rng_;
  std::uint64_t request_counter_ = 0;
  std::uint32_t id_prefix_ = 0;
  std::thread thread_;
};

}  // namespace governor::server
