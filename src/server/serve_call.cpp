#include "serve_call.hpp"

#include <cstdlib>

#include "answer_quality.hpp"
#include "call_metrics.hpp"
#include "governor/openai/usage.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "services.hpp"
#include "sse_relay.hpp"
#include "target.hpp"

namespace governor::server {

using std::chrono::duration_cast;
using std::chrono::microseconds;

std::string api_key_for(const config::UpstreamConfig& up) {
  if (up.simulated || up.api_key_env.empty()) {
    return {};
  }
  const char* key = std::getenv(up.api_key_env.c_str());
  return key != nullptr ? key : "";
}

void set_governor_headers(Response& h, const CallRecord& record) {
  if (!record.upstream.empty()) {
    h.add("X-Governor-Model", record.upstream);
  }
  if (!record.tier.empty()) {
    h.add("X-Governor-Tier", record.tier);
  }
  if (!record.task.empty()) {
    h.add("X-Governor-Task", record.task);
  }
  if (!record.budget_remaining.empty()) {
    h.add("X-Governor-Budget-Remaining", record.budget_remaining);
  }
  if (!record.upstream.empty()) {
    h.add("X-Governor-Reason", record.reason);
  }
  if (record.cascade) {
    h.add("X-Governor-Escalated", to_string(record.cascade->outcome));
    if (record.cascade->reason) {
      h.add("X-Governor-Escalation-Reason", config::to_string(*record.cascade->reason));
    }
  }
  h.set("X-Request-Id", record.request_id);
}

openai::ApiError forward_error(const upstream::ForwardFailed& failed) {
  const auto& f = failed.last;
  const bool timeout = f.kind == upstream::FailureKind::first_byte_timeout ||
                       f.kind == upstream::FailureKind::idle_timeout ||
                       f.kind == upstream::FailureKind::total_timeout;
  std::string message = "All upstream attempts failed (" + std::to_string(failed.log.attempts) +
                        " attempts, " + std::to_string(failed.log.fallbacks) +
                        " fallbacks); last: " + f.describe();
  return openai::make_api_error(timeout ? errc::upstream_timeout : errc::upstream_unavailable,
                                std::move(message));
}

void settle_whole_usage(CallRecord& record, const openai::ChunkInfo& scanned,
                        std::size_t body_bytes, const openai::ChatRequest& request) {
  if (scanned.usage) {
    record.usage = *scanned.usage;
    return;
  }
  record.usage_estimated = true;
  record.usage.input_tokens = openai::estimate_tokens(
      static_cast<std::int64_t>(openai::raw_member(request, "messages").size()));
  record.usage.output_tokens = openai::estimate_tokens(static_cast<std::int64_t>(body_bytes));
}

net::awaitable<bool> write_stream_head(Call& ex, const CallRecord& record) {
  Response head{http::status::ok, ex.request.version()};
  head.add(http::field::server, "governor");
  head.add(http::field::content_type, "text/event-stream");
  head.add(http::field::cache_control, "no-cache");
  head.add(http::field::trailer, "X-Governor-Cost-Usd");
  set_governor_headers(head, record);
  head.keep_alive(ex.request.keep_alive() && !ex.worker.draining());
  ex.keep_alive = head.keep_alive();
  head.chunked(true);
  const std::string text = head.head();
  auto [ec, n] = co_await net::async_write(ex.stream.socket(), net::buffer(text), nothrow);
  co_return !ec;
}

net::awaitable<bool> write_stream_end(Call& ex, const CallRecord& record) {
  http::fields trailers;
  trailers.set("X-Governor-Cost-Usd", record.call_cost().to_string());
  auto [ec, n] =
      co_await net::async_write(ex.stream.socket(), http::make_chunk_last(trailers), nothrow);
  co_return !ec;
}

net::awaitable<ForwardAttempt> forward_attempt(Call& ex, const openai::ChatRequest& request,
                                               const Dispatch& dispatch, CallRecord& record,
                                               std::optional<unsigned> top_logprobs) {
  const auto& cfg = *ex.worker.config();
  ForwardAttempt attempt;
  attempt.sent_at = Clock::now();  // one clock read for both (about 25 ns each)
  const auto deadline = attempt.sent_at + dispatch.upstream->timeouts.total;
  const upstream::HopFor hop_for = [&](const config::UpstreamConfig& up) {
    openai::UpstreamEdits edits{up.model, dispatch.max_output_tokens};
    if (up.capabilities.logprobs) {
      edits.top_logprobs = top_logprobs;
    }
    return upstream::HopRequest{openai::upstream_body(request, edits), api_key_for(up),
                                "/chat/completions", ex.request_id};
  };
  if (record.forward_started == Clock::time_point{}) {
    record.forward_started = attempt.sent_at;
  }
  attempt.waited_before = record.upstream_wait;
  // Non-streamed bodies are read inside the retry loop and checked with one SAX pass that also
  // picks up `usage`, so the body is scanned once, not validated and then parsed again.
  std::optional<upstream::WholeBody> whole;
  if (!request.stream) {
    whole = upstream::WholeBody{kMaxUpstreamBody, [&attempt](std::string_view body) {
                                  attempt.scanned = openai::inspect_chunk(body);
                                  return attempt.scanned.valid_json;
                                }};
  }
  attempt.forwarded = co_await upstream::forward(
      ex.worker.pools(), cfg, *dispatch.upstream, hop_for, deadline,
      [&] { return ex.worker.jitter(); }, whole, dispatch.required_context);
  record.upstream_first_byte = duration_cast<microseconds>(Clock::now() - attempt.sent_at);
  record.upstream_wait = attempt.waited_before + record.upstream_first_byte;
  const auto& log = attempt.forwarded ? attempt.forwarded->log : attempt.forwarded.error().log;
  record.attempts += log.attempts;
  record.retries += log.retries;
  record.fallbacks += log.fallbacks;
  if (telemetry::GatewayMetrics* metrics = ex.worker.services().metrics.get()) {
    record_forward_metrics(*metrics, log);
  }
  co_return attempt;
}

void ForwardAttempt::upstream_done(CallRecord& record) const {
  record.upstream_latency = duration_cast<microseconds>(Clock::now() - sent_at);
  record.upstream_wait = waited_before + *record.upstream_latency;
}

net::awaitable<bool> serve_call(Call& ex, const openai::ChatRequest& request,
                                const Dispatch& dispatch, CallRecord& record, CallBudget& budget) {
  // When the client leaves, the pending operation is cancelled; the settle that follows must
  // still run rather than throw.
  co_await net::this_coro::throw_if_cancelled(false);
  const auto& cfg = *ex.worker.config();
  ForwardAttempt attempt = co_await forward_attempt(ex, request, dispatch, record, std::nullopt);
  auto& forwarded = attempt.forwarded;
  openai::ChunkInfo& scanned = attempt.scanned;
  telemetry::GatewayMetrics* metrics = ex.worker.services().metrics.get();
  const auto upstream_done = [&] { attempt.upstream_done(record); };
  if (!forwarded) {
    const auto& failed = forwarded.error();
    if (failed.last.kind == upstream::FailureKind::cancelled) {
      record.outcome = "client_gone";
      co_return false;
    }
    const auto error = forward_error(failed);
    record.status = error.status;
    record.outcome = "upstream_error";
    record.error = failed.last.describe();
    if (budget.owes_settlement()) {
      co_await budget.settle(record);
    }
    auto res = error_response(ex, error);
    set_governor_headers(res, record);
    co_return co_await write_response(ex, std::move(res));
  }

  upstream::Exchange& up = forwarded->exchange;
  const auto& served_by = *forwarded->upstream;
  record.upstream = served_by.name;
  record.upstream_model = served_by.model;
  record.tier = tier_name_of(cfg, served_by.name);
  record.status = up.status();

  const bool event_stream = up.content_type().starts_with("text/event-stream");
  if (request.stream && up.status() == 200 && event_stream) {
    if (!co_await write_stream_head(ex, record)) {
      record.outcome = "client_gone";
      co_return false;
    }
    const bool relayed = co_await relay_stream(ex, up, request, record);
    upstream_done();
    if (metrics != nullptr && record.outcome == "stream_broken") {
      metrics->on_upstream_error(served_by.name, "stream_broken");
    }
    record.cost = cost_of(record.usage, served_by.prices);
    if (budget.owes_settlement()) {
      co_await budget.settle(record);  // durable before the client gets the cost trailer
    }
    if (!relayed) {
      co_return false;
    }
    co_return co_await write_stream_end(ex, record);
  }

  // Whole response: read it (forward already did for non-streamed calls), cost it, pass it
  // through byte for byte.
  boost::system::result<std::string, upstream::Failure> body{std::string{}};
  if (forwarded->body) {
    body = std::move(*forwarded->body);
  } else {
    body = co_await up.read_all(kMaxUpstreamBody);
  }
  upstream_done();
  if (!body) {
    if (body.error().kind == upstream::FailureKind::cancelled) {
      record.outcome = "client_gone";
      co_return false;
    }
    record.outcome = "upstream_error";
    record.error = body.error().describe();
    if (metrics != nullptr) {
      metrics->on_upstream_error(served_by.name, upstream::to_string(body.error().kind));
    }
    if (budget.owes_settlement()) {
      co_await budget.settle(record);
    }
    const auto error = openai::make_api_error(
        errc::upstream_bad_response, "The upstream response broke off: " + body.error().describe());
    record.status = error.status;
    auto res = error_response(ex, error);
    set_governor_headers(res, record);
    co_return co_await write_response(ex, std::move(res));
  }
  if (record.status == 200) {
    if (!forwarded->body) {
      scanned = openai::inspect_chunk(*body);  // a streamed request answered with JSON
    }
    settle_whole_usage(record, scanned, body->size(), request);
    record.cost = cost_of(record.usage, served_by.prices);
    // Recovery pressure: a malformed tool call sends the task's next attempt a tier up.
    const AnswerQuality quality = read_answer_quality(*body, request);
    record.malformed_tool_call = quality.malformed_tool_call;
    record.uncertainty = quality.uncertainty;
    record.entropy = quality.entropy;
  } else {
    record.outcome = "upstream_client_error";  // e.g. the upstream's own 400: passed through
  }
  if (budget.owes_settlement()) {
    co_await budget.settle(record);  // durable before the client sees the answer it paid for
  }
  Response res{static_cast<http::status>(record.status), ex.request.version()};
  res.add(http::field::server, "governor");
  const auto content_type = up.content_type();
  res.add(http::field::content_type, content_type.empty() ? "application/json" : content_type);
  set_governor_headers(res, record);
  res.add("X-Governor-Cost-Usd", record.call_cost().to_string());
  res.body() = std::move(*body);
  co_return co_await write_response(ex, std::move(res));
}

}  // namespace governor::server
