#pragma once

#include "call_record.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/upstream/exchange.hpp"
#include "http_types.hpp"

namespace governor::server {

/** Tokens of a streamed answer, however it ended: its usage chunk when it came, else counted
 *  from what it streamed (`usage_estimated`), so a stream that produced tokens never costs 0. */
void settle_stream_usage(CallRecord& record, const std::optional<TokenUsage>& usage,
                         std::int64_t output_chars, const openai::ChatRequest& request);

/** The SSE error event that ends a client's stream whose upstream broke (`reason`: why). */
std::string broken_stream_event(std::string_view reason);

/** Relays an upstream event stream to the client event by event as it arrives: each read from
 *  the upstream becomes one HTTP chunk, each write is awaited (backpressure). Captures usage,
 *  strips the usage chunk when the client did not ask for it, and ends a broken upstream stream
 *  with an error event instead of [DONE]. The caller writes the response head before and the
 *  last chunk (with the cost trailer) after.
 *  Returns false when the client connection can no longer be used. */
net::awaitable<bool> relay_stream(Call& ex, upstream::Exchange& upstream,
                                  const openai::ChatRequest& request, CallRecord& record);

}  // namespace governor::server
