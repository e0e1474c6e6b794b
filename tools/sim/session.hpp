#pragma once

#include "sim/connection.hpp"
#include "sim/context.hpp"

namespace governor::sim {

/** Serves one accepted connection (HTTP/1.1 keep-alive, plain or TLS) until either side closes
 *  it. Never throws for anything a client sends. */
net::awaitable<void> run_session(tcp::socket socket, const SimContext& context);

}  // namespace governor::sim
