#pragma once

#include "http_types.hpp"

namespace governor::server {

/** Dispatches one request to its handler by path and method and writes the response.
 *  Returns false when the connection must be closed (client gone, or a response was cut). */
net::awaitable<bool> route_request(Call& ex);

/** The admin listener's routes: GET /admin/status, POST /admin/reload. */
net::awaitable<bool> route_admin_request(Call& ex);

}  // namespace governor::server
