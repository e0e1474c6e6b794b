#pragma once

// One forward of a chat call to its upstream and the response to the client: the last (or only)
// attempt of a call, and the pieces a cascade's held answer is written with.

#include <cstdint>
#include <optional>
#include <string>

#include "call_budget.hpp"
#include "call_record.hpp"
#include "governor/config/gateway_config.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/openai/usage.hpp"
#include "governor/upstream/forward.hpp"
#include "http_types.hpp"

namespace governor::server {

/** A non-streamed upstream body larger than this is refused (protects memory). */
inline constexpr std::size_t kMaxUpstreamBody = 64 * 1024 * 1024;

/** Where the call goes, decided before forwarding. */
struct Dispatch {
  const config::UpstreamConfig* upstream = nullptr;
  std::optional<std::int64_t> max_output_tokens;  ///< the budget's bound, when it must be sent
  std::int64_t required_context = 0;  ///< fallbacks with a smaller context window are skipped
};

/** The upstream's API key from its environment variable; empty for a simulated upstream. */
std::string api_key_for(const config::UpstreamConfig& up);

/** X-Governor-Model, -Tier, -Task, -Budget-Remaining, -Reason, -Escalated and X-Request-Id. */
void set_governor_headers(Response& h, const CallRecord& record);

/** The 502/504 a forward that failed after its retries and fallbacks becomes. */
openai::ApiError forward_error(const upstream::ForwardFailed& failed);

/** Tokens of a whole answer: its `usage` (from the SAX scan), else estimated from the request's
 *  messages and the body's size (`usage_estimated`). */
void settle_whole_usage(CallRecord& record, const openai::ChunkInfo& scanned,
                        std::size_t body_bytes, const openai::ChatRequest& request);

/** Writes the head of a 200 event stream (chunked, with the cost trailer announced); false when
 *  the client is gone. */
net::awaitable<bool> write_stream_head(Call& ex, const CallRecord& record);
/** Ends a chunked stream with the X-Governor-Cost-Usd trailer. */
net::awaitable<bool> write_stream_end(Call& ex, const CallRecord& record);

/** One forward of the call (retries and fallbacks included) and its timing. */
struct ForwardAttempt {
  boost::system::result<upstream::Forwarded, upstream::ForwardFailed> forwarded{
      upstream::ForwardFailed{}};
  openai::ChunkInfo scanned;  ///< a whole (non-streamed) 2xx body's SAX scan: validity, usage
  Clock::time_point sent_at;
  std::chrono::microseconds waited_before{0};  ///< upstream waits of earlier attempts
  /** The last upstream byte arrived: sets the record's upstream latency and wait. */
  void upstream_done(CallRecord& record) const;
};

/** Forwards the call to dispatch.upstream: the body rewritten for each hop (model, output bound,
 *  logprobs with `top_logprobs` alternatives where the upstream supports them), a non-streamed
 *  body read and checked inside the retry loop. Adds the attempt's tries to the record and the
 *  metrics. */
net::awaitable<ForwardAttempt> forward_attempt(Call& ex, const openai::ChatRequest& request,
                                               const Dispatch& dispatch, CallRecord& record,
                                               std::optional<unsigned> top_logprobs);

/** Forwards the call and answers the client: relays a stream event by event, or passes a whole
 *  body through byte for byte; settles the budget before the client learns the cost. Runs raced
 *  against the client going away. Returns whether the connection can be kept. */
net::awaitable<bool> serve_call(Call& ex, const openai::ChatRequest& request,
                                const Dispatch& dispatch, CallRecord& record, CallBudget& budget);

}  // namespace governor::server
