#include "book.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <unordered_set>
#include <utility>

#include "fit.hpp"

namespace governor::ledger {
namespace {

constexpr std::string_view kInFlight = "in_flight";

MicroUsd at_least_zero(MicroUsd m) {
  return std::max(m, MicroUsd{0});
}

/** Erases the entries of `map` that `idle` picks in its next `buckets` buckets from `cursor`
 *  (which it advances), and returns how many. Bucket by bucket, so a sweep can stop anywhere
 *  and go on from there later with no iterator kept in between; an insert meanwhile may rehash
 *  the map, and the walk then skips or repeats a few entries, which only delays or repeats a
 *  decision. */
template <class Map, class Idle>
std::size_t erase_idle(Map& map, std::size_t& cursor, std::size_t buckets, const Idle& idle) {
  std::vector<const typename Map::key_type*> victims;
  const std::size_t end =
      std::min(map.bucket_count(), cursor + std::min(buckets, map.bucket_count()));
  for (; cursor < end; ++cursor) {
    for (auto it = map.begin(cursor); it != map.end(cursor); ++it) {
      if (idle(it->second)) {
        victims.push_back(&it->first);
      }
    }
  }
  for (const auto* key : victims) {
    map.erase(map.find(*key));  // found first: the key dies with its node
  }
  return victims.size();
}

/** What is left of an earmark after its own step type has drawn on it. */
MicroUsd outstanding(MicroUsd earmark, MicroUsd used) {
  return at_least_zero(earmark - used);
}

/** `to = from`, moving when `from` is not needed after. (Not `to = move ? std::move(from) :
 *  from`: that conditional is a temporary, one more copy of every string in it.) */
template <class T>
void take_or_copy(T& to, T& from, bool move) {
  if (move) {
    to = std::move(from);
  } else {
    to = from;
  }
}

/** A step as its call's settlement leaves it. */
void record_settlement(StepView& step, const Settlement& s, MicroUsd cost) {
  step.model = s.model;
  step.tier = s.tier;
  step.usage = s.usage;
  step.cost = cost;
  step.outcome = s.outcome;
  step.reason = s.reason;
  step.decision = s.decision;
  step.latency_ms = s.latency_ms;
  step.usage_estimated = s.usage_estimated;
}

/** `to` = `in_flight` settled, without changing `in_flight`: what set_in_flight() wrote (the
 *  outcome aside), then the settlement. Those two write every field of a StepView. */
void settled_step(StepView& to, const StepView& in_flight, const Settlement& s, MicroUsd cost) {
  to.time_unix_ms = in_flight.time_unix_ms;
  to.step = in_flight.step;
  to.reserved = in_flight.reserved;
  record_settlement(to, s, cost);
}

/** A call's step as it stands while the call is in flight. */
void set_in_flight(StepView& step, std::int64_t time_unix_ms, StepType type, MicroUsd reserved) {
  step.time_unix_ms = time_unix_ms;
  step.step = type;
  step.reserved = reserved;
  step.outcome = kInFlight;
}

std::string_view budget_name(Scope scope) {
  switch (scope) {
    case Scope::task:
      return "task budget";
    case Scope::session:
      return "session budget";
    case Scope::tenant_day:
      return "tenant daily budget";
    case Scope::tenant_month:
      return "tenant monthly budget";
  }
  return "budget";
}

std::string dollars(MicroUsd m) {
  return "$" + m.to_string();
}

std::optional<MicroUsd> limit_of(Scope scope, const ReserveRequest& r) {
  switch (scope) {
    case Scope::task:
      return std::nullopt;  // the task's own (fixed) budget applies instead
    case Scope::session:
      return r.session_budget.total_dollars;
    case Scope::tenant_day:
      return r.tenant_budget.dollars_per_day;
    case Scope::tenant_month:
      return r.tenant_budget.dollars_per_month;
  }
  return std::nullopt;
}

Refusal refusal(Refusal::Reason reason, Scope scope, MicroUsd remaining, MicroUsd needed,
                std::string message) {
  Refusal r;
  r.reason = reason;
  r.scope = scope;
  r.remaining = remaining;
  r.needed = needed;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::vector<SpendKey> Book::spend_keys(std::string_view tenant, std::string_view session,
                                       TimePoint now) {
  std::vector<SpendKey> keys;
  keys.reserve(3);
  if (!session.empty()) {
    keys.push_back(SpendKey{Scope::session, std::string(tenant), std::string(session)});
  }
  keys.push_back(SpendKey{Scope::tenant_day, std::string(tenant), day_window(now)});
  keys.push_back(SpendKey{Scope::tenant_month, std::string(tenant), month_window(now)});
  return keys;
}

std::optional<MicroUsd> Book::available_for(const TaskState& t, StepType step) {
  const config::TaskBudget& b = t.record.budget;
  if (!b.total_dollars) {
    return std::nullopt;
  }
  // The reserves are earmarks inside the task's limit: money only `summarize` (resp. `handoff`)
  // may spend. Every other step sees the limit minus what is still earmarked. What a summarize
  // step has spent or holds is counted against its own earmark first, so the earmark shrinks as
  // it is used instead of being held back twice.
  MicroUsd available = *b.total_dollars - t.record.spent - t.reserved;
  if (step != StepType::summarize) {
    available = available - outstanding(b.reserve_for_final_synthesis,
                                        t.record.synthesis_spent + t.synthesis_reserved);
  }
  if (step != StepType::handoff) {
    available = available - outstanding(b.reserve_for_human_handoff,
                                        t.record.handoff_spent + t.handoff_reserved);
  }
  return at_least_zero(available);
}

std::optional<MicroUsd> Book::remaining_of(std::optional<MicroUsd> limit, const Counter& c) {
  if (!limit) {
    return std::nullopt;
  }
  return at_least_zero(*limit - c.spent - c.reserved);
}

Book::Counter Book::counter(const SpendKey& key) const {
  const auto it = spend_.find(key);
  return it == spend_.end() ? Counter{} : it->second;
}

Book::Windows Book::windows_of(std::string_view tenant, std::string_view session, TimePoint now) {
  if (recent_windows_.match(tenant, session, utc_day(now))) {
    Windows w = recent_windows_.windows;
    w.recalled = true;
    return w;
  }
  Windows w;
  w.keys = spend_keys(tenant, session, now);
  for (std::size_t i = 0; i < w.keys.size(); ++i) {
    w.counters[i] = find_counter(w.keys[i]);
  }
  return w;
}

void Book::remember_windows(std::string_view tenant, std::string_view session, TimePoint now,
                            const Windows& windows) {
  if (windows.recalled) {
    return;  // they are these already
  }
  // Assigned, not rebuilt: the strings' memory is reused.
  recent_windows_.tenant.assign(tenant);
  recent_windows_.session.assign(session);
  recent_windows_.day = utc_day(now);
  recent_windows_.windows = windows;
  recent_windows_.known = true;
}

Book::Counter* Book::find_counter(const SpendKey& key) {
  const auto it = spend_.find(key);
  return it == spend_.end() ? nullptr : &it->second;
}

Book::Counter& Book::counter_of(Held& held, std::size_t i) {
  if (i < kMaxWindows && held.counters[i] != nullptr) {
    return *held.counters[i];
  }
  // Not kept: a fourth window (no call has one).
  return spend_[held.record.scopes[i]];
}

void Book::TaskState::reset() {
  std::vector<Step> kept = std::move(steps);
  kept.clear();
  // Made again in place: assigned from a new TaskState, the temporary cost as much again.
  std::destroy_at(this);
  std::construct_at(this);
  steps = std::move(kept);
}

std::pair<Book::TaskMap::iterator, bool> Book::emplace_in_spare(const TaskKey& key) {
  TaskMap::node_type node = std::move(spare_tasks_.back());
  spare_tasks_.pop_back();
  node.key() = key;
  node.mapped().reset();
  auto inserted = tasks_.insert(std::move(node));
  if (!inserted.inserted) {
    spare_tasks_.push_back(std::move(inserted.node));
  }
  return {inserted.position, inserted.inserted};
}

void Book::forget_task(TaskMap::iterator it) {
  if (spare_tasks_.size() < kSpareTasks) {
    spare_tasks_.push_back(tasks_.extract(it));
  } else {
    tasks_.erase(it);
  }
}

void Book::hold(TaskState& t, StepType step, MicroUsd amount) {
  t.reserved += amount;
  if (step == StepType::summarize) {
    t.synthesis_reserved += amount;
  } else if (step == StepType::handoff) {
    t.handoff_reserved += amount;
  }
  ++t.in_flight;
}

void Book::release(TaskState& t, StepType step, MicroUsd amount, MicroUsd cost) {
  t.reserved = t.reserved - amount;
  t.record.spent += cost;
  if (step == StepType::summarize) {
    t.synthesis_reserved = t.synthesis_reserved - amount;
    t.record.synthesis_spent += cost;
  } else if (step == StepType::handoff) {
    t.handoff_reserved = t.handoff_reserved - amount;
    t.record.handoff_spent += cost;
  }
  if (t.in_flight > 0) {
    --t.in_flight;
  }
}

Book::Applied<ReserveOutcome> Book::reserve(const ReserveRequest& r, TimePoint now) {
  Applied<ReserveOutcome> applied{Grant{}, {}};
  applied.outcome = reserve(r, now, applied.effects);
  return applied;
}

Book::Applied<Remaining> Book::settle(const Settlement& s) {
  Applied<Remaining> applied{Remaining{}, {}};
  applied.outcome = settle(s, applied.effects);
  return applied;
}

ReserveOutcome Book::reserve(const ReserveRequest& r, TimePoint now, Effects& fx) {
  // A one-step call's first reservation names its task after the reservation's id, which is
  // next_id_ if it is granted (a refused call leaves no task behind, so no name is wasted).
  TaskKey key{r.tenant, r.one_step && r.task.empty() ? one_step_task_name(next_id_)
                                                     : r.task};  // moved into the reservation
  const auto emplaced = r.one_step && r.task.empty() && !spare_tasks_.empty()
                            ? emplace_in_spare(key)
                            : tasks_.try_emplace(key);
  const auto it = emplaced.first;
  const bool created = emplaced.second;
  TaskState& t = it->second;
  t.used = period_;
  if (created) {
    t.record.session = r.session;
    t.record.policy = r.policy;
    t.record.budget = r.task_budget;
    t.record.created_unix_ms = unix_ms(now);
    t.record.one_step = r.one_step;
    t.stored = !r.one_step;  // a one-step task's row waits for its settlement
  }
  const auto refuse = [&](Refusal refused) -> ReserveOutcome {
    if (created) {
      tasks_.erase(it);  // a refused first call leaves no task behind
    }
    return refused;
  };

  const config::TaskBudget& budget = t.record.budget;
  const std::optional<MicroUsd> task_available = available_for(t, r.step);

  // The limit is checked against the typical estimate: the reserved bound is several times the
  // real count and would refuse honest calls.
  const std::int64_t input_estimate =
      r.input_tokens_estimate > 0 ? r.input_tokens_estimate : r.input_tokens;
  if (budget.max_input_tokens && input_estimate > *budget.max_input_tokens) {
    return refuse(refusal(Refusal::Reason::input_too_large, Scope::task,
                          task_available.value_or(MicroUsd{0}), MicroUsd{0},
                          "input of about " + std::to_string(input_estimate) +
                              " tokens is above the task's max_input_tokens of " +
                              std::to_string(*budget.max_input_tokens)));
  }

  const bool is_retry =
      !r.escalation &&
      (r.explicit_retry || (r.messages_hash != 0 && r.messages_hash == t.record.last_hash));
  const std::uint32_t retries = t.record.retries + (is_retry ? 1 : 0);
  if (is_retry && budget.hard_stop_after_retries && retries > *budget.hard_stop_after_retries) {
    return refuse(refusal(Refusal::Reason::retry_limit, Scope::task,
                          task_available.value_or(MicroUsd{0}), MicroUsd{0},
                          "task retry limit reached: this call would be retry " +
                              std::to_string(retries) + ", the policy allows " +
                              std::to_string(*budget.hard_stop_after_retries)));
  }

  // Every scope of the call, task first; the binding one is the least available (first on ties).
  // Each window is looked up once: a grant holds in these counters.
  Windows windows = windows_of(r.tenant, r.session, now);
  std::vector<SpendKey>& keys = windows.keys;
  WindowCounters& counters = windows.counters;
  std::array<Check, kMaxWindows + 1> checks;
  std::size_t check_count = 0;
  checks[check_count++] = Check{Scope::task, task_available};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Counter seen = counters[i] != nullptr ? *counters[i] : Counter{};
    checks[check_count++] = Check{keys[i].scope, remaining_of(limit_of(keys[i].scope, r), seen)};
  }
  const Check* binding = nullptr;
  for (std::size_t i = 0; i < check_count; ++i) {
    const Check& c = checks[i];
    if (c.available && (binding == nullptr || *c.available < *binding->available)) {
      binding = &c;
    }
  }
  const std::optional<MicroUsd> available =
      binding != nullptr ? binding->available : std::optional<MicroUsd>{};

  // The task's own budget (an agent may have opened it tighter than its policy) bounds the output.
  // A copy only when it changes: the common task has no output limit of its own.
  std::vector<Candidate> bounded;
  if (budget.max_output_tokens) {
    bounded = r.candidates;
    for (Candidate& c : bounded) {
      c.max_output_tokens = std::min(c.max_output_tokens, *budget.max_output_tokens);
    }
  }
  const std::vector<Candidate>& candidates = budget.max_output_tokens ? bounded : r.candidates;
  if (candidates.empty()) {
    return refuse(refusal(Refusal::Reason::budget_exhausted,
                          binding != nullptr ? binding->scope : Scope::task,
                          available.value_or(MicroUsd{0}), MicroUsd{0}, "no model to reserve for"));
  }
  const std::optional<Fit> fit =
      first_fit(r.input_tokens, r.min_output_tokens, candidates, available);
  if (!fit) {
    // Only a limited scope can refuse, so `binding` is set here.
    const Candidate& first = candidates.front();
    const MicroUsd needed = smallest_useful_cost(r.input_tokens, r.min_output_tokens, first);
    return refuse(
        refusal(Refusal::Reason::budget_exhausted, binding->scope, *available, needed,
                std::string(budget_name(binding->scope)) + " exhausted: " + dollars(*available) +
                    " remaining, this call needs at least " + dollars(needed) + " (input " +
                    std::to_string(std::max<std::int64_t>(r.input_tokens, 0)) + " tokens + " +
                    std::to_string(min_useful_output(r.min_output_tokens, first)) +
                    " output tokens on the chosen model)"));
  }

  // Granted: hold the amount in every scope at once.
  const std::uint64_t id = next_id_++;
  const std::int64_t now_ms = unix_ms(now);
  hold(t, r.step, fit->amount);
  t.record.retries = retries;
  t.record.last_hash = r.messages_hash;
  Grant grant;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const SpendKey& k = keys[i];
    if (counters[i] == nullptr) {
      counters[i] = &spend_[k];  // the window's first hold
    }
    Counter& c = *counters[i];
    c.reserved += fit->amount;
    c.used = period_;
    const auto left = remaining_of(limit_of(k.scope, r), c);
    switch (k.scope) {
      case Scope::session:
        grant.remaining.session = left;
        break;
      case Scope::tenant_day:
        grant.remaining.tenant_day = left;
        break;
      case Scope::tenant_month:
        grant.remaining.tenant_month = left;
        break;
      case Scope::task:
        break;
    }
  }
  remember_windows(r.tenant, r.session, now, windows);

  // Built where it lives until its settlement.
  Held& held = reservations_.try_emplace(id).first->second;
  held.counters = counters;
  ReservationRecord& reservation = held.record;
  reservation.id = id;
  reservation.scopes = std::move(keys);
  reservation.amount = fit->amount;
  reservation.step = r.step;
  reservation.time_unix_ms = now_ms;
  reservation.session_limit = r.session.empty() ? std::nullopt : r.session_budget.total_dollars;
  reservation.day_limit = r.tenant_budget.dollars_per_day;
  reservation.month_limit = r.tenant_budget.dollars_per_month;

  // A one-step task's step is written when it settles: until then the book's is the only one.
  const bool write_rows = !t.record.one_step;
  Step& step = t.steps.emplace_back();
  step.id = id;
  set_in_flight(step.view, now_ms, r.step, fit->amount);
  step.stored = write_rows;

  grant.reservation = id;
  grant.candidate = fit->candidate;
  grant.output_tokens = fit->output_tokens;
  grant.clamped = fit->clamped;
  grant.amount = fit->amount;
  grant.retries = retries;
  grant.remaining.task = remaining_of(budget.total_dollars, Counter{t.record.spent, t.reserved});
  grant.binding = binding != nullptr ? binding->scope : Scope::task;
  grant.task = key.task;

  if (write_rows) {
    fx.task = TaskRow{key, t.record};
    fx.task_added = created;
    fx.step = StepRecord{id, key, step.view};
    fx.step_added = true;
  }
  reservation.task = std::move(key);
  fx.reservation_added = &reservation;
  return grant;
}

Remaining Book::settle(const Settlement& s, Effects& fx) {
  // The rows are built in place, in the caller's Effects: a settled one-step task's row, with
  // its step in it, is the largest value the book hands out, and each move of it cost about
  // 500 instructions.
  Remaining remaining;
  const auto rit = reservations_.find(s.reservation);
  if (rit == reservations_.end()) {
    return remaining;
  }
  // Taken apart in place (its keys move into the rows) and erased at the end.
  Held& held = rit->second;
  ReservationRecord& res = held.record;

  // Truth wins: the real cost is charged even when it is above what was reserved.
  const MicroUsd cost = at_least_zero(s.cost);
  if (cost > res.amount) {
    ++overruns_.count;
    overruns_.amount += cost - res.amount;
  }

  fx.reservation_removed = res.id;
  fx.spend.reserve(res.scopes.size());
  for (std::size_t i = 0; i < res.scopes.size(); ++i) {
    // The windows the call was reserved in, even if the clock has moved on since.
    Counter& c = counter_of(held, i);
    c.reserved = c.reserved - res.amount;
    c.spent += cost;
    c.used = period_;
    const Scope scope = res.scopes[i].scope;
    SpendRow& row = fx.spend.emplace_back();
    row.key = std::move(res.scopes[i]);  // the reservation is gone
    row.spent = c.spent;
    switch (scope) {
      case Scope::session:
        remaining.session = remaining_of(res.session_limit, c);
        break;
      case Scope::tenant_day:
        remaining.tenant_day = remaining_of(res.day_limit, c);
        break;
      case Scope::tenant_month:
        remaining.tenant_month = remaining_of(res.month_limit, c);
        break;
      case Scope::task:
        break;
    }
  }

  const auto tit = tasks_.find(res.task);
  if (tit != tasks_.end()) {
    TaskState& t = tit->second;
    t.used = period_;
    release(t, res.step, res.amount, cost);
    remaining.task =
        remaining_of(t.record.budget.total_dollars, Counter{t.record.spent, t.reserved});
    remaining.task_spent = t.record.spent;
    // A one-step task with nothing left in flight is forgotten below: its state moves into
    // the rows instead of being copied.
    const bool forget = t.record.one_step && t.in_flight == 0;
    const auto step = std::find_if(t.steps.rbegin(), t.steps.rend(),
                                   [&](const Step& candidate) { return candidate.id == res.id; });
    const bool found = step != t.steps.rend();
    // A one-step task with one step (a call the cascade did not escalate) is stored in one
    // row, with its step in it: not a task row, a step row and the step's index entry.
    const bool one_row = t.record.one_step && found && !t.stored && t.steps.size() == 1;
    TaskRow& row = fx.task.emplace();
    if (found) {
      StepRecord& settled = one_row ? row.only_step.emplace() : fx.step.emplace();
      settled.id = res.id;
      settled.task = res.task;
      if (forget) {
        // The book's step goes with its task: settled where the row wants it, not settled in
        // place and then moved (five strings, about 200 instructions).
        settled_step(settled.view, step->view, s, cost);
      } else {
        record_settlement(step->view, s, cost);
        settled.view = step->view;
      }
      fx.step_added = !one_row && !step->stored;
      step->stored = true;
    }
    row.key = std::move(res.task);  // the reservation is gone
    take_or_copy(row.record, t.record, forget);
    fx.task_added = !t.stored;
    t.stored = true;
    if (forget) {
      forget_task(tit);  // nothing can touch it again; its rows stay for the trace card
    }
  }
  reservations_.erase(rit);
  return remaining;
}

Book::Applied<OpenResult> Book::open(const OpenTask& request, TimePoint now) {
  const TaskKey key{request.tenant, request.task};
  const auto [it, created] = tasks_.try_emplace(key);
  if (!created) {
    return {OpenResult::already_exists, {}};
  }
  it->second.used = period_;
  TaskRecord& record = it->second.record;
  record.session = request.session;
  record.policy = request.policy;
  record.budget = request.budget;
  record.created_unix_ms = unix_ms(now);
  Effects fx;
  fx.task = TaskRow{key, record};
  fx.task_added = true;
  return {OpenResult::created, std::move(fx)};
}

std::optional<TaskView> Book::view(const TaskKey& key, const config::SessionBudget& session_budget,
                                   const config::TenantBudget& tenant_budget, TimePoint now) const {
  const auto it = tasks_.find(key);
  if (it == tasks_.end()) {
    return std::nullopt;
  }
  const TaskState& t = it->second;
  const auto scope_view = [](std::optional<MicroUsd> limit, const Counter& c) {
    return ScopeView{limit, c.spent, c.reserved, remaining_of(limit, c)};
  };

  TaskView v;
  v.id = key.task;
  v.session = t.record.session;
  v.policy = t.record.policy;
  v.budget = t.record.budget;
  v.created_unix_ms = t.record.created_unix_ms;
  v.retries = t.record.retries;
  v.task = scope_view(t.record.budget.total_dollars, Counter{t.record.spent, t.reserved});
  for (const SpendKey& k : spend_keys(key.tenant, t.record.session, now)) {
    switch (k.scope) {
      case Scope::session:
        v.session_scope = scope_view(session_budget.total_dollars, counter(k));
        break;
      case Scope::tenant_day:
        v.tenant_day = scope_view(tenant_budget.dollars_per_day, counter(k));
        break;
      case Scope::tenant_month:
        v.tenant_month = scope_view(tenant_budget.dollars_per_month, counter(k));
        break;
      case Scope::task:
        break;
    }
  }
  v.steps.reserve(t.steps.size());
  for (const Step& s : t.steps) {
    v.steps.push_back(s.view);
  }
  return v;
}

void Book::install_task(const TaskKey& key, TaskRecord record, std::vector<StepRecord> steps) {
  TaskState& t = tasks_[key];
  t.record = std::move(record);
  t.stored = true;
  t.used = period_;
  t.steps.clear();
  t.steps.reserve(steps.size());
  for (StepRecord& s : steps) {
    t.steps.push_back(Step{s.id, std::move(s.view)});
  }
}

void Book::install_spend(const SpendKey& key, MicroUsd spent) {
  Counter& c = spend_[key];
  c.spent = spent;
  c.used = period_;
}

void Book::install_unsettled_task(const ReservationRecord& reservation,
                                  const TaskRecord* as_reserved) {
  TaskState& t = tasks_[reservation.task];
  t.used = period_;
  t.record = as_reserved != nullptr ? *as_reserved : one_step_record_of(reservation);
  // Nothing of it is settled: whatever a rolled-back batch charged it was rolled back too.
  t.record.one_step = true;
  t.record.spent = MicroUsd{0};
  t.record.synthesis_spent = MicroUsd{0};
  t.record.handoff_spent = MicroUsd{0};
  t.stored = false;
  t.steps.clear();
}

void Book::install_reservation(ReservationRecord reservation) {
  const auto tit = tasks_.find(reservation.task);
  if (tit != tasks_.end()) {
    TaskState& t = tit->second;
    hold(t, reservation.step, reservation.amount);
    if (!t.stored) {
      // An unsettled one-step task's step has no row yet: it is rebuilt from the reservation.
      Step& step = t.steps.emplace_back();
      step.id = reservation.id;
      set_in_flight(step.view, reservation.time_unix_ms, reservation.step, reservation.amount);
      step.stored = false;
    }
  }
  WindowCounters counters{};
  for (std::size_t i = 0; i < reservation.scopes.size(); ++i) {
    Counter& c = spend_[reservation.scopes[i]];
    c.reserved += reservation.amount;
    c.used = period_;
    if (i < kMaxWindows) {
      counters[i] = &c;
    }
  }
  next_id_ = std::max(next_id_, reservation.id + 1);
  Held& held = reservations_[reservation.id];
  held.record = std::move(reservation);
  held.counters = counters;
}

Book::Evicted Book::evict_before(std::uint64_t period) {
  begin_sweep();
  return sweep_step(period, std::numeric_limits<std::size_t>::max());
}

Book::Evicted Book::sweep_step(std::uint64_t period, std::size_t buckets) {
  Evicted evicted;
  evicted.tasks = erase_idle(tasks_, sweep_tasks_at_, buckets, [&](const TaskState& t) {
    return t.used < period && t.stored && t.in_flight == 0;
  });
  // A live reservation points at its windows' counters (and settles into them even when they
  // hold nothing, for a call reserved at no cost): those stay, whatever their stamp.
  std::unordered_set<const Counter*> held;
  for (auto& [id, h] : reservations_) {
    for (std::size_t i = 0; i < h.record.scopes.size(); ++i) {
      held.insert(i < kMaxWindows && h.counters[i] != nullptr ? h.counters[i]
                                                              : find_counter(h.record.scopes[i]));
    }
  }
  evicted.windows = erase_idle(spend_, sweep_windows_at_, buckets, [&](const Counter& c) {
    return c.used < period && c.reserved == MicroUsd{0} && !held.contains(&c);
  });
  if (evicted.windows > 0) {
    recent_windows_.known = false;  // its counters may be gone
  }
  evicted.done =
      sweep_tasks_at_ >= tasks_.bucket_count() && sweep_windows_at_ >= spend_.bucket_count();
  return evicted;
}

}  // namespace governor::ledger
