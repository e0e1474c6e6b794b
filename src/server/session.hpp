#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "worker.hpp"

namespace governor::server {

/** Which listener a connection came in on: they serve different routes. */
enum class Listener { data, admin };

/** Serves one client connection on its worker until it closes: HTTP/1.1 keep-alive, pipelined
 *  requests answered in order, body and header limits, read and idle timeouts.
 *
 *  `client_left`, when given, is the signal the session's coroutine was spawned bound to: a chat
 *  call emits on it when its client leaves mid-call (ClientWatch), cancelling the call. */
net::awaitable<void> run_session(Worker& worker, net::ip::tcp::socket socket,
                                 Listener listener = Listener::data,
                                 net::cancellation_signal* client_left = nullptr);

}  // namespace governor::server
