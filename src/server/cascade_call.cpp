#include "cascade_call.hpp"

#include <nlohmann/json.hpp>

#include "answer_quality.hpp"
#include "call_metrics.hpp"
#include "governor/cascade/signals.hpp"
#include "governor/cascade/verdict.hpp"
#include "governor/openai/sse.hpp"
#include "governor/openai/stream_answer.hpp"
#include "governor/openai/usage.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "services.hpp"
#include "sse_relay.hpp"
#include "target.hpp"

namespace governor::server {
namespace {

using config::EscalationSignal;
using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::microseconds;

/** One event of a held stream: its data as sent, and parsed once (signals, stripping). */
struct HeldEvent {
  std::string data;
  nlohmann::json chunk;
  bool usage_only = false;  ///< the include_usage chunk
};

/** One attempt's answer, held whole until it is judged. */
struct HeldAnswer {
  enum class Kind {
    answer,       ///< a 200 chat completion (whole, or a stream held event by event)
    failed,       ///< no answer: the tier failed after its retries and fallbacks, or broke off
    passthrough,  ///< the upstream's own non-200 answer (a 4xx about the request): not judged
    client_gone,
  };
  Kind kind = Kind::answer;
  bool streamed = false;
  std::string body;                       ///< a whole answer, or a passthrough body
  nlohmann::json completion;              ///< a whole answer, parsed once (signals, stripping)
  std::string content_type;               ///< of a whole answer
  std::vector<HeldEvent> events;          ///< a streamed answer, [DONE] left out
  std::string broken_reason;              ///< a streamed answer that broke: why
  std::optional<openai::ApiError> error;  ///< failed: what the client gets if it is served
  cascade::AnswerSignals signals;
};

/** The choice 0 of a whole completion; null when it has none. */
const json& first_choice_of(const json& completion) {
  static const json kNone;
  if (!completion.is_object()) {
    return kNone;
  }
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array() || choices->empty()) {
    return kNone;
  }
  return choices->front();
}

/** Reads an upstream event stream to its end, keeping each event's data and rebuilding the
 *  answer; a broken or malformed stream is kept as far as it got, with why. */
net::awaitable<void> hold_stream(upstream::Exchange& up, const openai::ChatRequest& request,
                                 CallRecord& record, HeldAnswer& held) {
  openai::SseDecoder decoder;
  openai::StreamedAnswer answer;
  std::optional<TokenUsage> usage;
  std::int64_t output_chars = 0;
  std::size_t held_bytes = 0;  // bounded like a whole body: the hold must not grow without end
  bool done = false;
  for (;;) {
    auto piece = co_await up.read_some();
    if (!piece) {
      if (piece.error().kind == upstream::FailureKind::cancelled) {
        held.kind = HeldAnswer::Kind::client_gone;
        settle_stream_usage(record, usage, output_chars, request);
        co_return;
      }
      held.broken_reason = piece.error().describe();
      break;
    }
    if (piece->empty()) {
      break;
    }
    decoder.feed(*piece, [&](const openai::SseEvent& event) {
      if (!held.broken_reason.empty() || done) {
        return;
      }
      const openai::ChunkInfo info = openai::inspect_chunk(event.data);
      if (info.done) {
        done = true;
        return;
      }
      if (!info.valid_json) {
        held.broken_reason = "upstream '" + record.upstream + "' sent a malformed stream event";
        return;
      }
      if (info.usage) {
        usage = info.usage;
      }
      output_chars += info.output_chars;
      held_bytes += event.data.size();
      if (held_bytes > kMaxUpstreamBody) {
        held.broken_reason = "upstream '" + record.upstream + "' streamed more than " +
                             std::to_string(kMaxUpstreamBody) + " bytes to hold";
        return;
      }
      json chunk = json::parse(event.data, nullptr, false);
      answer.add_chunk(chunk);
      held.events.push_back(HeldEvent{event.data, std::move(chunk), info.usage_only});
    });
    if (!held.broken_reason.empty() || done) {
      break;
    }
  }
  if (held.broken_reason.empty() && !done) {
    held.broken_reason = "upstream '" + record.upstream + "' ended the stream without [DONE]";
  }
  settle_stream_usage(record, usage, output_chars, request);
  held.signals = cascade::read_signals(answer.choice(), answer_checked_members(request),
                                       !held.broken_reason.empty());
}

/** Forwards one judged attempt and holds its answer whole. */
net::awaitable<HeldAnswer> hold_answer(Call& ex, const openai::ChatRequest& request,
                                       const Dispatch& dispatch, CallRecord& record,
                                       const CascadePlan& plan) {
  HeldAnswer held;
  std::optional<unsigned> top_logprobs;
  if (plan.rule.needs_logprobs()) {
    top_logprobs = kCascadeTopLogprobs;
  }
  ForwardAttempt attempt = co_await forward_attempt(ex, request, dispatch, record, top_logprobs);
  if (!attempt.forwarded) {
    const auto& failed = attempt.forwarded.error();
    if (failed.last.kind == upstream::FailureKind::cancelled) {
      held.kind = HeldAnswer::Kind::client_gone;
      co_return held;
    }
    held.kind = HeldAnswer::Kind::failed;
    held.error = forward_error(failed);
    record.error = failed.last.describe();
    co_return held;
  }
  upstream::Exchange& up = attempt.forwarded->exchange;
  const auto& served_by = *attempt.forwarded->upstream;
  const auto& cfg = *ex.worker.config();
  record.upstream = served_by.name;
  record.upstream_model = served_by.model;
  record.tier = tier_name_of(cfg, served_by.name);
  record.status = up.status();
  held.content_type = std::string(up.content_type());
  held.streamed =
      request.stream && up.status() == 200 && held.content_type.starts_with("text/event-stream");
  if (held.streamed) {
    co_await hold_stream(up, request, record, held);
    attempt.upstream_done(record);
    record.cost = cost_of(record.usage, served_by.prices);
    co_return held;
  }
  boost::system::result<std::string, upstream::Failure> body{std::string{}};
  if (attempt.forwarded->body) {
    body = std::move(*attempt.forwarded->body);
  } else {
    body = co_await up.read_all(kMaxUpstreamBody);
  }
  attempt.upstream_done(record);
  if (!body) {
    if (body.error().kind == upstream::FailureKind::cancelled) {
      held.kind = HeldAnswer::Kind::client_gone;
      co_return held;
    }
    held.kind = HeldAnswer::Kind::failed;
    record.error = body.error().describe();
    held.error = openai::make_api_error(
        errc::upstream_bad_response, "The upstream response broke off: " + body.error().describe());
    co_return held;
  }
  held.body = std::move(*body);
  if (up.status() != 200) {
    held.kind = HeldAnswer::Kind::passthrough;
    record.outcome = "upstream_client_error";
    co_return held;
  }
  const openai::ChunkInfo scanned =
      attempt.forwarded->body ? attempt.scanned : openai::inspect_chunk(held.body);
  settle_whole_usage(record, scanned, held.body.size(), request);
  record.cost = cost_of(record.usage, served_by.prices);
  held.completion = json::parse(held.body, nullptr, false);
  held.signals =
      cascade::read_signals(first_choice_of(held.completion), answer_checked_members(request));
  co_return held;
}

/** `parsed` as the client should see it: the logprobs Governor asked for and the client did not
 *  are removed (re-serialized then), else `raw` as the upstream sent it. */
std::string client_text(const std::string& raw, json& parsed, bool strip) {
  if (!strip || !openai::strip_logprobs(parsed)) {
    return raw;
  }
  return parsed.dump(-1, ' ', false, json::error_handler_t::replace);
}

/** The whole body of a held stream as the client gets it: every event but a usage chunk it did
 *  not ask for, then [DONE], or the error event of a stream that broke. */
std::string held_stream_text(HeldAnswer& held, const openai::ChatRequest& request) {
  const bool strip = !request.wants_logprobs;
  std::string out;
  for (HeldEvent& event : held.events) {
    if (event.usage_only && !request.include_usage) {
      continue;  // we asked for it to cost the call; the client did not
    }
    out += openai::sse_data(client_text(event.data, event.chunk, strip));
  }
  if (held.broken_reason.empty()) {
    out += "data: [DONE]\n\n";
  } else {
    out += broken_stream_event(held.broken_reason);
  }
  return out;
}

/** The body of a held whole answer (or passthrough) as the client gets it. */
std::string held_body_text(HeldAnswer& held, const openai::ChatRequest& request) {
  if (held.kind != HeldAnswer::Kind::answer) {
    return std::move(held.body);
  }
  return client_text(held.body, held.completion, !request.wants_logprobs);
}

/** Writes a held answer to the client (settled before: the cost is in the headers). */
net::awaitable<bool> write_held(Call& ex, const openai::ChatRequest& request, HeldAnswer& held,
                                CallRecord& record) {
  if (held.kind == HeldAnswer::Kind::failed) {
    auto res = error_response(ex, *held.error);
    set_governor_headers(res, record);
    co_return co_await write_response(ex, std::move(res));
  }
  if (held.kind == HeldAnswer::Kind::answer && held.streamed) {
    if (!co_await write_stream_head(ex, record)) {
      record.outcome = "client_gone";
      co_return false;
    }
    const std::string out = held_stream_text(held, request);
    auto [ec, n] =
        co_await net::async_write(ex.stream.socket(), http::make_chunk(net::buffer(out)), nothrow);
    if (ec) {
      record.outcome = "client_gone";
      co_return false;
    }
    record.first_token = duration_cast<microseconds>(Clock::now() - record.started);
    co_return co_await write_stream_end(ex, record);
  }
  Response res{static_cast<http::status>(record.status), ex.request.version()};
  res.add(http::field::server, "governor");
  if (held.content_type.empty()) {
    held.content_type = "application/json";
  }
  res.add(http::field::content_type, held.content_type);
  set_governor_headers(res, record);
  res.add("X-Governor-Cost-Usd", record.call_cost().to_string());
  res.body() = held_body_text(held, request);
  co_return co_await write_response(ex, std::move(res));
}

/** The next rung's reservation, granted or not; with no ledger every escalation is affordable. */
struct RungGrant {
  bool granted = false;
  std::optional<ledger::Grant> grant;  ///< none without a ledger
  std::int64_t planned_output = 0;     ///< the plan's output bound for the rung
};

net::awaitable<RungGrant> reserve_rung(const EscalationBudget& escalation, const CascadeRung& rung,
                                       telemetry::GatewayMetrics* metrics) {
  if (escalation.ledger == nullptr || escalation.admission == nullptr) {
    co_return RungGrant{true, std::nullopt, 0};
  }
  const AdmissionInput& base = *escalation.admission;
  const Target target{rung.upstream, rung.tier, false};
  AdmissionPlan plan = plan_admission({base.config, base.policy, base.caller, base.ref,
                                       base.request, base.body_bytes, target, base.step,
                                       base.one_step_task_id, base.messages_hash});
  plan.request.candidates.resize(1);  // up the ladder or not at all: never degrade back down
  plan.request.escalation = true;
  const auto outcome = co_await escalation.ledger->reserve(plan.request);
  if (const auto* refusal = std::get_if<ledger::Refusal>(&outcome)) {
    if (metrics != nullptr) {
      record_refusal_metrics(*metrics, *refusal);
    }
    co_return RungGrant{};
  }
  const auto& grant = std::get<ledger::Grant>(outcome);
  if (metrics != nullptr) {
    record_grant_metrics(*metrics, grant);
  }
  co_return RungGrant{true, grant, plan.request.candidates.front().max_output_tokens};
}

/** The outcome of a held answer that is served as it is. */
void mark_served(CallRecord& record, const HeldAnswer& held) {
  if (held.kind == HeldAnswer::Kind::failed) {
    record.outcome = "upstream_error";
    record.status = held.error->status;
  } else if (!held.broken_reason.empty()) {
    record.outcome = "stream_broken";
    record.error = held.broken_reason;
  }
}

/** Clears what the record says of one attempt before the next one fills it in. */
void start_next_attempt(CallRecord& record, const CascadeRung& rung) {
  record.outcome = "ok";
  record.error.clear();
  record.usage = {};
  record.usage_estimated = false;
  record.cost = MicroUsd{0};
  record.status = 0;
  record.malformed_tool_call = false;
  record.uncertainty.reset();
  record.entropy.reset();
  record.upstream_latency.reset();
  record.tier = rung.tier;
  record.rank = rung.rank;
}

}  // namespace

net::awaitable<bool> serve_cascaded(Call& ex, const openai::ChatRequest& request, Dispatch dispatch,
                                    CallRecord& record, CallBudget& budget, const CascadePlan& plan,
                                    const EscalationBudget& escalation) {
  co_await net::this_coro::throw_if_cancelled(false);
  telemetry::GatewayMetrics* const metrics = ex.worker.services().metrics.get();
  record.cascade.emplace();
  record.cascade->rule = plan.rule;
  for (const CascadeRung& rung : plan.rungs) {
    HeldAnswer held = co_await hold_answer(ex, request, dispatch, record, plan);
    if (held.kind == HeldAnswer::Kind::client_gone) {
      record.outcome = "client_gone";
      co_return false;
    }
    if (held.signals.confidence) {
      record.uncertainty = held.signals.confidence->mean_uncertainty;
      record.entropy = held.signals.confidence->mean_entropy;
    }
    record.malformed_tool_call = held.signals.malformed_tool_call();
    cascade::Verdict verdict;
    if (held.kind == HeldAnswer::Kind::failed) {
      verdict = cascade::Verdict{false, EscalationSignal::upstream_error};
    } else if (held.kind == HeldAnswer::Kind::answer) {
      verdict = cascade::judge(held.signals, plan.rule);
    }
    if (verdict.accept || !plan.rule.escalates_on(*verdict.reason)) {
      mark_served(record, held);
      if (budget.owes_settlement()) {
        co_await budget.settle(record);  // durable before the client sees the answer it paid for
      }
      co_return co_await write_held(ex, request, held, record);
    }
    const RungGrant next = co_await reserve_rung(escalation, rung, metrics);
    if (!next.granted) {
      // The budget cannot afford a stronger answer: this one is served, flagged.
      record.cascade->outcome = CascadeOutcome::unaffordable;
      record.cascade->reason = verdict.reason;
      mark_served(record, held);
      if (budget.owes_settlement()) {
        co_await budget.settle(record);
      }
      co_return co_await write_held(ex, request, held, record);
    }
    // Escalate: this attempt is paid for and recorded, the next rung answers.
    record.cascade->outcome = CascadeOutcome::escalated;
    record.cascade->reason = verdict.reason;
    record.cascade->escalated.push_back(CascadeAttempt{record.upstream, record.tier, record.usage,
                                                       record.cost, *verdict.reason,
                                                       record.uncertainty, record.entropy});
    record.outcome = "escalated";
    if (budget.owes_settlement()) {
      co_await budget.settle(record);
    }
    budget = CallBudget(escalation.ledger);
    dispatch.upstream = rung.upstream;
    dispatch.max_output_tokens.reset();
    if (next.grant) {
      budget.granted(*next.grant);
      record.budget_remaining = budget.remaining_header();
      record.clamped = next.grant->clamped;
      dispatch.max_output_tokens = output_bound_to_send(request, *next.grant, next.planned_output,
                                                        escalation.admission->policy);
    }
    start_next_attempt(record, rung);
    record.reason += "+escalated";
  }
  co_return co_await serve_call(ex, request, dispatch, record, budget);
}

}  // namespace governor::server
