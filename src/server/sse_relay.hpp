#pragma once

#include "call_record.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/upstream/exchange.hpp"
#include "http_types.hpp"

namespace governor::server {

/** Relays an upstream event stream to the client event by event as it arrives: each read from
 *  the upstream becomes one HTTP chunk, each write is awaited (backpressure). Captures usage,
 *  strips the usage chunk when the client did not ask for it, and ends a broken upstream stream
 *  with an error event instead of [DONE]. The caller writes the response head before and the
 *  last chunk (with the cost trailer) after.
 *  Returns false when the client connection can no longer be used. */
net::awaitable<bool> relay_stream(Call& ex, upstream::Exchange& upstream,
                                  const openai::ChatRequest& request, CallRecord& record);

}  // namespace governor::server
