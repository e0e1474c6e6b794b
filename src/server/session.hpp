#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "worker.hpp"

namespace governor::server {

/** Which listener a connection came in on: they serve different routes. */
enum class Listener { data, admin };

/** Serves one client connection on its worker until it closes: HTTP/1.1 keep-alive, pipelined
 *  requests answered in order, body and header limits, read and idle timeouts. */
net::awaitable<void> run_session(Worker& worker, net::ip::tcp::socket socket,
                                 Listener listener = Listener::data);

}  // namespace governor::server
