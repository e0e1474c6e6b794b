#include "chat_handler.hpp"

#include <boost/asio/this_coro.hpp>
#include <cstdlib>
#include <memory>

#include "admission.hpp"
#include "call_budget.hpp"
#include "call_metrics.hpp"
#include "call_record.hpp"
#include "cascade_call.hpp"
#include "client_watch.hpp"
#include "governor/openai/chat_request.hpp"
#include "governor/openai/usage.hpp"
#include "governor/telemetry/gateway_metrics.hpp"
#include "governor/upstream/forward.hpp"
#include "identity.hpp"
#include "route_call.hpp"
#include "serve_call.hpp"
#include "services.hpp"
#include "target.hpp"
#include "task_memory.hpp"

namespace governor::server {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

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

/** What routing keeps of this call for the task's next one (step index, recovery pressure,
 *  pacing, retry detection). Returns the task's calls so far, this one included. */
std::uint32_t remember_call(TaskMemory& memory, std::string_view tenant, std::string_view task,
                            const CallRecord& record, const CallBudget& budget,
                            std::uint64_t hash) {
  CallLesson lesson;
  const bool flagged = record.cascade && record.cascade->outcome == CascadeOutcome::unaffordable;
  lesson.failed = (record.outcome != "ok" && record.outcome != "client_gone") ||
                  record.malformed_tool_call || flagged;
  lesson.escalated = record.cascade && record.cascade->outcome == CascadeOutcome::escalated;
  lesson.rank = record.rank;
  if (const auto& grant = budget.grant()) {
    lesson.retries = grant->retries;
  }
  if (const auto& remaining = budget.remaining(); remaining && remaining->task) {
    lesson.budget_left = remaining->task->dollars();
  }
  lesson.messages_hash = hash;
  std::uint32_t calls = 0;
  memory.update(tenant, task, [&](TaskBrief& brief) {
    learn_from_call(brief, lesson);
    calls = brief.calls;
  });
  return calls;
}

/** Serves the call, through the cascade when it has one. */
net::awaitable<bool> serve_routed(Call& ex, const openai::ChatRequest& request,
                                  const Dispatch& dispatch, CallRecord& record, CallBudget& budget,
                                  const std::optional<CascadePlan>& cascade,
                                  const EscalationBudget& escalation) {
  // Not a coroutine, one frame fewer a call: it returns the one to await, whose arguments all
  // live in handle_chat_completion's frame until that await ends.
  if (cascade) {
    return serve_cascaded(ex, request, dispatch, record, budget, *cascade, escalation);
  }
  return serve_call(ex, request, dispatch, record, budget);
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
  auto ref = read_task_ref(governor_headers(ex.request), openai::body_member(request, "metadata"));
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
  const std::string& task_id = ref->task;  // a one-step call's is named when it is granted
  const PromptModelsPtr models = services.models_snapshot();
  const auto decide_start = Clock::now();
  RoutedCall routed =
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
  record.decision = std::move(routed.decision);  // read from the record from here on
  record.prediction = routed.prediction;
  record.budget_before = routed.budget_before;
  Dispatch dispatch{routed.target.upstream, std::nullopt, routed.required_context};

  // 5. Reserve the worst case against task, session and tenant at once.
  CallBudget budget(services.ledger.get());
  // Walks every message: once per task call, for the ledger's retry check and the task memory.
  const std::uint64_t hash = one_step ? 0 : messages_hash(request);
  // A one-step call's task is named by the ledger when it is granted (one_step_task_name), and
  // the cascade's escalation reserves in that task.
  AdmissionInput admission{
      cfg,           *policy,     *caller, *ref, request, ex.request.body().size(),
      routed.target, routed.step, {},      hash};
  if (services.ledger) {
    AdmissionPlan plan = plan_admission(admission);
    // Handed to the ledger boxed, as its queue keeps it: a copy fewer. Of the request, only the
    // granted candidate's output bound is needed after, which planned_output_tokens() gives.
    const auto outcome = co_await services.ledger->reserve(
        std::make_unique<ledger::ReserveRequest>(std::move(plan.request)));
    if (const auto* refusal = std::get_if<ledger::Refusal>(&outcome)) {
      record.budget_remaining = refusal->remaining.to_string();
      if (metrics != nullptr) {
        record_refusal_metrics(*metrics, *refusal);
      }
      co_return co_await refuse(refusal_error(*refusal), "budget_refused");
    }
    const auto& grant = std::get<ledger::Grant>(outcome);
    if (one_step) {
      record.task = grant.task;
      admission.one_step_task_id = grant.task;
    }
    budget.granted(grant);
    if (metrics != nullptr) {
      record_grant_metrics(*metrics, grant);
    }
    record.budget_remaining = budget.remaining_header();
    dispatch.upstream = plan.upstreams[grant.candidate];
    if (grant.candidate > 0) {
      record.tier = plan.tiers[grant.candidate];  // the first candidate's is routed.target's
      record.reason += "+degraded";
      record.rank = cfg.tier_of(dispatch.upstream->name);
    }
    record.clamped = grant.clamped;
    dispatch.max_output_tokens = output_bound_to_send(
        request, grant, planned_output_tokens(admission, *dispatch.upstream), *policy);
  }

  // 6. Forward, cascaded when the step allows it. The client going away cancels everything in
  // serve_call, the upstream call too.
  const std::optional<CascadePlan> cascade =
      plan_cascade({cfg, *policy, routed.step, routed.target.pinned, request.stream,
                    record.rank.value_or(0), routed.required_context});
  const EscalationBudget escalation{services.ledger.get(), &admission};
  ++ex.worker.in_flight();
  bool keep = false;
  bool gone = false;
  // A client that leaves cancels what the call waits on; what follows (the settle) still runs.
  co_await net::this_coro::throw_if_cancelled(false);
  if (ex.client_left != nullptr) {
    const ClientWatch watch(ex.worker.client_watches(), ex.stream.socket(), *ex.client_left);
    keep = co_await serve_routed(ex, request, dispatch, record, budget, cascade, escalation);
    gone = watch.gone() && !keep;  // an answer delivered before the close still counts as ok
  } else {
    keep = co_await serve_routed(ex, request, dispatch, record, budget, cascade, escalation);
  }
  --ex.worker.in_flight();
  if (gone) {
    record.outcome = "client_gone";
    if (record.forward_started != Clock::time_point{} && !record.upstream_latency) {
      // Cancelled while waiting on the upstream: that wait is not Governor's overhead.
      record.upstream_wait = duration_cast<microseconds>(Clock::now() - record.forward_started);
    }
  }
  // 7. Settle whatever was not settled on the way (client gone, cancelled mid-call).
  if (budget.owes_settlement()) {
    co_await budget.settle(record);
  }
  if (!one_step) {
    const std::uint32_t calls =
        remember_call(services.task_memory, caller->tenant, task_id, record, budget, hash);
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
