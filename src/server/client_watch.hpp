#pragma once

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>

namespace governor::server {

namespace net = boost::asio;

/** Watches a client's socket while its call is served. When the client closes (EOF or reset)
 *  it emits terminal cancellation on the signal the session's coroutine is bound to, which
 *  cancels whatever the call is waiting on, the upstream read included. A readable socket that
 * still holds bytes is a pipelined next request: they are left for the session to read, and the
 * watch ends.
 *
 *  A plain readiness wait with a callback, not a coroutine raced against the call: the
 *  `awaitable ||` it replaces spawned two coroutine threads and a parallel group per call, about
 *  10% of a proxied call's CPU, and a thread per call bound to its own signal cost as much. Stops
 * (cancels the wait) when destroyed. */
class ClientWatch {
 public:
  /** Starts watching; `client_left` is emitted on when the client leaves (it must outlive the
   *  watch's pending handler: the session's signal does). */
  ClientWatch(net::ip::tcp::socket& socket, net::cancellation_signal& client_left);
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

  /** Whether the client was seen to leave. */
  bool gone() const;

 private:
  struct State;
  static void arm(net::ip::tcp::socket& socket, std::shared_ptr<State> state);

  net::ip::tcp::socket& socket_;
  std::shared_ptr<State> state_;  // shared with the pending wait's handler
};

}  // namespace governor::server
