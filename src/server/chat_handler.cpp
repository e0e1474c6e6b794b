#include "chat_handler.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>

#include "admission.hpp"
#include "answer_quality.hpp"
#include "call_budget.hpp"
#include "call_metrics.hpp"
#include "call_record.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/openai/usage.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "governor/upstream/forward.hpp"
#include "identity.hpp"
#include "route_call.hpp"
#include "services.hpp"
#include "sse_relay.hpp"
#include "target.hpp"
#include "task_memory.hpp"

namespace governor::server {
namespace {

using namespace boost::asio::experimental::awaitable_operators;
using std::chrono::duration_cast;
using std::chrono::microseconds;

/** A non-streamed upstream body larger than this is refused (protects memory). */
constexpr std::size_t kMaxUpstreamBody = 64 * 1024 * 1024;

/** Completes when the client closes its connection (EOF or reset) while a call is in flight.
 *  Bytes of a pipelined next request are kept in the session buffer, and then the watcher just
 *  waits to be cancelled. A client that half-closes after sending counts as gone. */
net::awaitable<void> client_gone(Call& ex) {
  auto space = ex.buffer.prepare(4096);
  auto [ec, n] = co_await ex.stream.socket().async_read_some(space, nothrow);
  if (!ec) {
    ex.buffer.commit(n);
    net::steady_timer forever(co_await net::this_coro::executor, Clock::time_point::max());
    co_await forever.async_wait(nothrow);
  }
}

std::string api_key_for(const config::UpstreamConfig& up) {
  if (up.simulated || up.api_key_env.empty()) {
    return {};
  }
  const char* key = std::getenv(up.api_key_env.c_str());
  return key != nullptr ? key : "";
}

void set_governor_headers(http::fields& h, const CallRecord& record) {
  if (!record.upstream.empty()) {
    h.set("X-Governor-Model", record.upstream);
  }
  if (!record.tier.empty()) {
    h.set("X-Governor-Tier", record.tier);
  }
  if (!record.task.empty()) {
    h.set("X-Governor-Task", record.task);
  }
  if (!record.budget_remaining.empty()) {
    h.set("X-Governor-Budget-Remaining", record.budget_remaining);
  }
  if (!record.upstream.empty()) {
    h.set("X-Governor-Reason", record.reason);
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

/** Counts the call in governor_in_flight_requests for as long as it is being served. */
class ChatInFlightMetric {
 public:
  explicit ChatInFlightMetric(telemetry::GatewayMetrics* metrics) : metrics_(metrics) {
    if (metrics_ != nullptr) {
      metrics_->on_request_start();
    }
  }
  ~ChatInFlightMetric() {
    if (metrics_ != nullptr) {
      metrics_->on_request_end();
    }
  }
  ChatInFlightMetric(const ChatInFlightMetric&) = delete;
  ChatInFlightMetric& operator=(const ChatInFlightMetric&) = delete;

 private:
  telemetry::GatewayMetrics* metrics_;
};

/** Where the call goes, decided before forwarding. */
struct Dispatch {
  const config::UpstreamConfig* upstream = nullptr;
  std::optional<std::int64_t> max_output_tokens;  ///< the budget's bound, when it must be sent
  std::int64_t required_context = 0;  ///< fallbacks with a smaller context window are skipped
};

/** What routing keeps of this call for the task's next one (step index, recovery pressure,
 *  pacing, retry detection). Returns the task's calls so far, this one included. */
std::uint32_t remember_call(TaskMemory& memory, std::string_view tenant, std::string_view task,
                            const CallRecord& record, const CallBudget& budget,
                            std::uint64_t hash) {
  const bool failed = record.outcome != "ok" && record.outcome != "client_gone";
  std::uint32_t calls = 0;
  memory.update(tenant, task, [&](TaskBrief& brief) {
    calls = ++brief.calls;
    brief.failures += failed || record.malformed_tool_call ? 1 : 0;
    if (const auto& grant = budget.grant()) {
      brief.retries = grant->retries;
    }
    brief.last_rank = record.rank;
    brief.last_failed = failed || record.malformed_tool_call;
    if (const auto& remaining = budget.remaining(); remaining && remaining->task) {
      brief.budget_left = static_cast<double>(remaining->task->micros()) / 1e6;
    }
    brief.last_messages_hash = hash;
  });
  return calls;
}

/** The whole call after parsing; runs raced against client_gone. */
net::awaitable<bool> serve_call(Call& ex, const openai::ChatRequest& request,
                                const Dispatch& dispatch, CallRecord& record, CallBudget& budget) {
  // When the client leaves, the pending operation is cancelled; the settle that follows must
  // still run rather than throw.
  co_await net::this_coro::throw_if_cancelled(false);
  const auto& cfg = *ex.worker.config();
  const auto deadline = Clock::now() + dispatch.upstream->timeouts.total;
  const upstream::HopFor hop_for = [&](const config::UpstreamConfig& up) {
    return upstream::HopRequest{
        openai::upstream_body(request, openai::UpstreamEdits{up.model, dispatch.max_output_tokens}),
        api_key_for(up), "/chat/completions", ex.request_id};
  };
  const auto sent_at = Clock::now();
  record.forward_started = sent_at;
  // Non-streamed bodies are read inside the retry loop and checked with one SAX pass that also
  // picks up `usage`, so the body is scanned once, not validated and then parsed again.
  std::optional<upstream::WholeBody> whole;
  openai::ChunkInfo scanned;
  if (!request.stream) {
    whole = upstream::WholeBody{kMaxUpstreamBody, [&scanned](std::string_view body) {
                                  scanned = openai::inspect_chunk(body);
                                  return scanned.valid_json;
                                }};
  }
  auto forwarded = co_await upstream::forward(
      ex.worker.pools(), cfg, *dispatch.upstream, hop_for, deadline,
      [&] { return ex.worker.jitter(); }, whole, dispatch.required_context);
  record.upstream_first_byte = duration_cast<microseconds>(Clock::now() - sent_at);
  record.upstream_wait = record.upstream_first_byte;
  const auto& log = forwarded ? forwarded->log : forwarded.error().log;
  record.attempts = log.attempts;
  record.retries = log.retries;
  record.fallbacks = log.fallbacks;
  telemetry::GatewayMetrics* metrics = ex.worker.services().metrics.get();
  if (metrics != nullptr) {
    record_forward_metrics(*metrics, log);
  }
  // Until the last upstream byte: the relay of a stream, or the body read after forward.
  const auto upstream_done = [&] {
    record.upstream_wait = duration_cast<microseconds>(Clock::now() - sent_at);
    record.upstream_latency = record.upstream_wait;
  };
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
    co_await budget.settle(record);
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

  const bool event_stream = up.header("content-type").starts_with("text/event-stream");
  if (request.stream && up.status() == 200 && event_stream) {
    http::response<http::empty_body> head{http::status::ok, ex.request.version()};
    head.set(http::field::server, "governor");
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.set(http::field::trailer, "X-Governor-Cost-Usd");
    set_governor_headers(head, record);
    head.keep_alive(ex.request.keep_alive() && !ex.worker.draining());
    ex.keep_alive = head.keep_alive();
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    if (auto [ec, n] = co_await http::async_write_header(ex.stream, serializer, nothrow); ec) {
      record.outcome = "client_gone";
      co_return false;
    }
    const bool relayed = co_await relay_stream(ex, up, request, record);
    upstream_done();
    if (metrics != nullptr && record.outcome == "stream_broken") {
      metrics->on_upstream_error(served_by.name, "stream_broken");
    }
    record.cost = cost_of(record.usage, served_by.prices);
    co_await budget.settle(record);  // durable before the client gets the cost trailer
    if (!relayed) {
      co_return false;
    }
    http::fields trailers;
    trailers.set("X-Governor-Cost-Usd", record.cost.to_string());
    auto [ec, n] = co_await net::async_write(ex.stream, http::make_chunk_last(trailers), nothrow);
    co_return !ec;
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
    co_await budget.settle(record);
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
    if (scanned.usage) {
      record.usage = *scanned.usage;
    } else {
      record.usage_estimated = true;
      record.usage.input_tokens = openai::estimate_tokens(
          static_cast<std::int64_t>(request.body.at("messages").dump().size()));
      record.usage.output_tokens = openai::estimate_tokens(static_cast<std::int64_t>(body->size()));
    }
    record.cost = cost_of(record.usage, served_by.prices);
    // Recovery pressure: a malformed tool call sends the task's next attempt a tier up.
    const AnswerQuality quality = read_answer_quality(*body, request.body);
    record.malformed_tool_call = quality.malformed_tool_call;
    record.uncertainty = quality.uncertainty;
    record.entropy = quality.entropy;
  } else {
    record.outcome = "upstream_client_error";  // e.g. the upstream's own 400: passed through
  }
  co_await budget.settle(record);  // durable before the client sees the answer it paid for
  Response res{static_cast<http::status>(record.status), ex.request.version()};
  res.set(http::field::server, "governor");
  const auto content_type = up.header("content-type");
  res.set(http::field::content_type, content_type.empty() ? "application/json" : content_type);
  set_governor_headers(res, record);
  res.set("X-Governor-Cost-Usd", record.cost.to_string());
  res.body() = std::move(*body);
  co_return co_await write_response(ex, std::move(res));
}

}  // namespace

net::awaitable<bool> handle_chat_completion(Call& ex) {
  CallRecord record;
  record.request_id = ex.request_id;
  record.started = ex.started;
  telemetry::GatewayMetrics* const metrics = ex.worker.services().metrics.get();
  const ChatInFlightMetric in_flight_metric(metrics);
  bool one_step = true;  // until a task id is read
  const auto finish = [&] {
    record.total = duration_cast<microseconds>(Clock::now() - ex.started);
    if (ex.worker.config()->logs.access_log) {
      log_call(record);
    }
    if (auto* access = ex.worker.services().access_log.get()) {
      access->write(record);
    }
    if (auto* decisions = ex.worker.services().decision_log.get()) {
      decisions->write(record);
    }
    if (metrics != nullptr) {
      record_call_metrics(*metrics, record, one_step);
    }
  };
  // Refuses the call before anything was reserved.
  const auto refuse = [&](const openai::ApiError& error,
                          std::string_view outcome) -> net::awaitable<bool> {
    record.status = error.status;
    record.outcome = outcome;
    record.error = error.message;
    auto res = error_response(ex, error);
    set_governor_headers(res, record);
    const bool ok = co_await write_response(ex, std::move(res));
    finish();
    co_return ok;
  };
  const auto& cfg = *ex.worker.config();
  Services& services = ex.worker.services();

  // 1. Who: the gateway key, before the body is even parsed.
  auto caller = authenticate(cfg.auth, header_of(ex.request, "Authorization"));
  if (!caller) {
    co_return co_await refuse(caller.error(), "auth_error");
  }
  record.tenant = caller->tenant;

  // 2. What: the body.
  auto parsed = openai::parse_chat_request(ex.request.body());
  if (!parsed) {
    const auto& e = parsed.error();
    co_return co_await refuse(openai::make_api_error(e.code, e.message, e.param), "client_error");
  }
  const openai::ChatRequest& request = *parsed;
  record.requested_model = request.model;
  record.stream = request.stream;

  // 3. Which task, under which policy.
  const auto metadata = request.body.find("metadata");
  auto ref = read_task_ref(governor_headers(ex.request),
                           metadata != request.body.end() ? &*metadata : nullptr);
  if (!ref) {
    co_return co_await refuse(ref.error(), "client_error");
  }
  record.task = ref->task;
  record.session = ref->session;
  if (auto denied = authorize(*caller, *ref)) {
    co_return co_await refuse(*denied, "auth_error");
  }
  const config::PolicySetPtr policies = services.policy_snapshot();
  auto policy = choose_policy(policies.get(), *caller, *ref);
  if (!policy) {
    co_return co_await refuse(policy.error(), "client_error");
  }
  if (*policy != nullptr) {
    record.policy = (*policy)->name;
  }

  // 4. Where it goes: the step, then the tier the router picks for it (a pinned model stays).
  auto target = resolve_target(cfg, request.model);
  if (!target) {
    co_return co_await refuse(target.error(), "client_error");
  }
  record.route = request.model;  // resolved: an alias or an upstream name, a bounded set
  one_step = ref->task.empty();
  const std::string task_id = one_step ? "call-" + ex.request_id : ref->task;
  const PromptModelsPtr models = services.models_snapshot();
  const auto decide_start = Clock::now();
  const RoutedCall routed =
      route_call({cfg, *policy, *ref, request, ex.request.body().size(), *target,
                  one_step ? std::nullopt : services.task_memory.find(caller->tenant, task_id),
                  Services::model_for(models.get(), *policy), &services.task_lengths});
  record.decision_time = duration_cast<microseconds>(Clock::now() - decide_start);
  record.tier = routed.target.tier;
  record.reason = routed.reason;
  record.step = std::string(to_string(routed.step));
  if (routed.decision) {
    record.rank = routed.decision->chosen;
  }
  record.decision = routed.decision;
  record.prediction = routed.prediction;
  record.budget_before = routed.budget_before;
  Dispatch dispatch{routed.target.upstream, std::nullopt, routed.required_context};

  // 5. Reserve the worst case against task, session and tenant at once.
  CallBudget budget(services.ledger.get());
  if (services.ledger) {
    const AdmissionPlan plan =
        plan_admission({cfg, *policy, *caller, *ref, request, ex.request.body().size(),
                        routed.target, routed.step, "call-" + ex.request_id});
    record.task = plan.request.task;
    const auto outcome = co_await services.ledger->reserve(plan.request);
    if (const auto* refusal = std::get_if<ledger::Refusal>(&outcome)) {
      record.budget_remaining = refusal->remaining.to_string();
      if (metrics != nullptr) {
        record_refusal_metrics(*metrics, *refusal);
      }
      co_return co_await refuse(refusal_error(*refusal), "budget_refused");
    }
    const auto& grant = std::get<ledger::Grant>(outcome);
    budget.granted(grant);
    if (metrics != nullptr) {
      record_grant_metrics(*metrics, grant);
    }
    record.budget_remaining = budget.remaining_header();
    dispatch.upstream = plan.upstreams[grant.candidate];
    record.tier = plan.tiers[grant.candidate];
    if (grant.candidate > 0) {
      record.reason += "+degraded";
      record.rank = cfg.tier_of(dispatch.upstream->name);
    }
    record.clamped = grant.clamped;
    dispatch.max_output_tokens = output_bound_to_send(
        request, grant, plan.request.candidates[grant.candidate].max_output_tokens, *policy);
  }

  // 6. Forward. The client going away cancels everything in serve_call, the upstream call too.
  ex.stream.expires_never();
  ++ex.worker.in_flight();
  auto raced = co_await (serve_call(ex, request, dispatch, record, budget) || client_gone(ex));
  --ex.worker.in_flight();
  bool keep = false;
  if (raced.index() == 0) {
    keep = std::get<0>(raced);
  } else {
    record.outcome = "client_gone";
    if (record.forward_started != Clock::time_point{} && !record.upstream_latency) {
      // Cancelled while waiting on the upstream: that wait is not Governor's overhead.
      record.upstream_wait = duration_cast<microseconds>(Clock::now() - record.forward_started);
    }
  }
  // 7. Settle whatever was not settled on the way (client gone, cancelled mid-call).
  co_await budget.settle(record);
  if (!one_step) {
    const std::uint32_t calls = remember_call(services.task_memory, caller->tenant, task_id, record,
                                              budget, messages_hash(request));
    // A summarize or handoff step that succeeded ends the task: its length teaches the pacer.
    if (record.outcome == "ok" &&
        (routed.step == StepType::summarize || routed.step == StepType::handoff)) {
      services.task_lengths.record_finished(record.policy, calls);
    }
  }
  finish();
  co_return keep;
}

}  // namespace governor::server
