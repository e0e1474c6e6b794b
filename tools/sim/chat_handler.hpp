#pragma once

#include "sim/connection.hpp"
#include "sim/context.hpp"

namespace governor::sim {

/** POST /v1/chat/completions: validates the request, applies its fault directives, generates
 *  the answer and writes it (JSON or SSE stream, paced). Counts the request in the stats. */
net::awaitable<After> handle_chat(Connection& connection, const Request& request,
                                  const SimContext& context);

}  // namespace governor::sim
