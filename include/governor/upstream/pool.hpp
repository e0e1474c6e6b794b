#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "governor/upstream/endpoint.hpp"
#include "governor/upstream/exchange.hpp"
#include "governor/upstream/socket_deadlines.hpp"

namespace governor::upstream {

/** What to send on one hop. */
struct HopRequest {
  std::string body;     ///< JSON body, already rewritten for this upstream
  std::string api_key;  ///< sent as "Authorization: Bearer"; empty: no header
  /** Appended to the base URL's path; static text (every call of a route sends the same). */
  std::string_view target_suffix = "/chat/completions";
  std::string request_id;  ///< forwarded as X-Request-Id
};

/** Counters of one worker's pools (read by tests and metrics). */
struct PoolStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t connections_discarded = 0;  ///< closed instead of pooled (error, not keep-alive)
  std::size_t idle = 0;
};

/** The keep-alive connection pools of ONE worker: one pool per PoolKey (so upstreams that share a
 *  base URL and TLS settings share connections). No locks: only the owning worker touches it.
 *  @par Thread safety Not thread-safe; bound to one io_context thread. */
class UpstreamPools {
 public:
  /** `deadlines` bounds the connections' reads and writes; it must outlive every connection
   *  (those of exchanges still in flight included). */
  UpstreamPools(net::any_io_executor executor, SocketDeadlines& deadlines);
  ~UpstreamPools();
  UpstreamPools(const UpstreamPools&) = delete;
  UpstreamPools& operator=(const UpstreamPools&) = delete;

  /** One attempt: take or open a connection, send, wait for the response header. 5xx/429 become a
   *  Failure (with the body read, bounded); any other status is returned as an Exchange for the
   *  caller to relay. Bounded by the upstream's timeouts and by `deadline`. */
  net::awaitable<boost::system::result<Exchange, Failure>> send(
      const config::UpstreamConfig& upstream, const HopRequest& request,
      Clock::time_point deadline);

  PoolStats stats() const;
  /** Closes every idle connection (shutdown, config change). */
  void clear();

 private:
  /** An upstream's parsed endpoint and its pool, looked up per call without parsing or
   *  allocating (keyed by the fields that define the pool). */
  struct Route {
    std::string base_url;
    bool verify_peer = true;
    std::string ca_file;
    Endpoint endpoint;
    std::shared_ptr<ConnectionPool> pool;
    /** The request line and the headers every call of the route sends alike, for the target
     *  suffix and key they were written with (see request_head). */
    std::string head_prefix;
    std::string_view head_suffix;
    std::string head_key;
  };
  Route* route_for(const config::UpstreamConfig& upstream);
  static std::string request_head(Route& route, const HopRequest& hop);
  std::shared_ptr<ConnectionPool> pool_for(const config::UpstreamConfig& upstream,
                                           const Endpoint& endpoint);
  net::any_io_executor executor_;
  SocketDeadlines& deadlines_;
  std::vector<std::shared_ptr<ConnectionPool>> pools_;
  std::vector<Route> routes_;
};

}  // namespace governor::upstream
