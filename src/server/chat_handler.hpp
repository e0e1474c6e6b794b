#pragma once

#include "http_types.hpp"

namespace governor::server {

/** POST /v1/chat/completions: parse -> target -> forward (retries, fallback) -> respond or relay
 *  the stream -> settle (cost, log). The upstream call is cancelled when the client goes away. */
net::awaitable<bool> handle_chat_completion(Call& ex);

}  // namespace governor::server
