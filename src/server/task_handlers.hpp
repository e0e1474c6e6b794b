#pragma once

#include <string_view>

#include "http_types.hpp"

namespace governor::server {

/** GET /v1/tasks/{id}: the caller's task (another tenant's id is 404, like an unknown one). */
net::awaitable<bool> handle_get_task(Call& ex, std::string_view id);

/** POST /v1/tasks: opens a task with the agent's own budget, never looser than its policy:
 *  201 with the GET shape, 409 when the id exists. */
net::awaitable<bool> handle_open_task(Call& ex);

}  // namespace governor::server
