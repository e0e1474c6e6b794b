#pragma once

#include <boost/system/result.hpp>
#include <optional>
#include <vector>

#include "connection.hpp"
#include "governor/upstream/endpoint.hpp"
#include "governor/upstream/pool.hpp"

namespace governor::upstream {

/** Idle keep-alive connections to one PoolKey, newest last, plus how to open new ones. */
class ConnectionPool {
 public:
  ConnectionPool(net::any_io_executor executor, SocketDeadlines& deadlines, PoolKey key,
                 config::PoolConfig config);
  ~ConnectionPool();

  const PoolKey& key() const { return key_; }

  /** The most recently used idle connection that is not past idle_timeout, or null. */
  ConnectionPtr take(Clock::time_point now);
  /** Keeps a healthy connection for reuse (drops it when the pool is full). */
  void give_back(ConnectionPtr connection, Clock::time_point now);
  /** Counts a connection closed instead of reused. */
  void discard(ConnectionPtr connection);
  /** Drops every idle connection: after one turned out stale, the rest likely are too. */
  void clear();

  /** Resolves (cached), connects and, for https, handshakes with SNI and verification. */
  net::awaitable<boost::system::result<ConnectionPtr, Failure>> open(
      const config::UpstreamConfig& upstream, Clock::time_point deadline);

  PoolStats& stats() { return stats_; }
  std::size_t idle_count() const { return idle_.size(); }

 private:
  ssl::context& tls_context();

  net::any_io_executor executor_;
  SocketDeadlines& deadlines_;
  PoolKey key_;
  config::PoolConfig config_;
  std::vector<ConnectionPtr> idle_;
  std::optional<ssl::context> tls_;
  std::optional<tcp::resolver::results_type> resolved_;
  Clock::time_point resolved_at_{};
  PoolStats stats_;
};

}  // namespace governor::upstream
