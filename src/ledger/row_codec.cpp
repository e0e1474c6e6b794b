#include "row_codec.hpp"

#include <cstdint>
#include <limits>

#include "governor/core/byte_codec.hpp"

namespace governor::ledger {
namespace {

using bytes::Reader;

constexpr unsigned char kVersion = 1;           // of a holds row
constexpr unsigned char kCallVersion = 1;       // of a stored call's record
constexpr unsigned char kCallBatchVersion = 1;  // of a call_batches row

// Which optional limits follow a record's fixed fields.
constexpr unsigned kHasSessionLimit = 1;
constexpr unsigned kHasDayLimit = 2;
constexpr unsigned kHasMonthLimit = 4;

// Which optional budget limits follow in a call record.
constexpr unsigned kHasTotal = 1;
constexpr unsigned kHasMaxInput = 2;
constexpr unsigned kHasMaxOutput = 4;
constexpr unsigned kHasHardStop = 8;

}  // namespace

void encode_call(const TaskRecord& task, const StepView& step, std::string& out) {
  const config::TaskBudget& b = task.budget;
  bytes::Writer w(out);
  w.byte(kCallVersion);
  w.text(task.session);
  w.text(task.policy);
  w.signed_varint(task.created_unix_ms);
  w.byte((b.total_dollars ? kHasTotal : 0) | (b.max_input_tokens ? kHasMaxInput : 0) |
         (b.max_output_tokens ? kHasMaxOutput : 0) |
         (b.hard_stop_after_retries ? kHasHardStop : 0));
  if (b.total_dollars) {
    w.signed_varint(b.total_dollars->micros());
  }
  if (b.max_input_tokens) {
    w.signed_varint(*b.max_input_tokens);
  }
  if (b.max_output_tokens) {
    w.signed_varint(*b.max_output_tokens);
  }
  if (b.hard_stop_after_retries) {
    w.varint(*b.hard_stop_after_retries);
  }
  w.signed_varint(b.reserve_for_final_synthesis.micros());
  w.signed_varint(b.reserve_for_human_handoff.micros());
  w.signed_varint(b.min_useful_output_tokens);
  w.text(to_string(step.step));
  w.text(step.model);
  w.text(step.tier);
  w.signed_varint(step.usage.input_tokens);
  w.signed_varint(step.usage.output_tokens);
  w.signed_varint(step.cost.micros());
  w.signed_varint(step.reserved.micros());
  w.text(step.outcome);
  w.text(step.reason);
  w.signed_varint(step.latency_ms);
  w.byte(step.usage_estimated ? 1 : 0);
}

bool decode_call(std::string_view bytes, TaskRecord& task, StepView& step) {
  Reader in(bytes);
  if (in.byte() != kCallVersion) {
    return false;
  }
  config::TaskBudget& b = task.budget;
  task.session = in.text();
  task.policy = in.text();
  task.created_unix_ms = in.signed_varint();
  const unsigned flags = in.byte();
  if (!in.ok() || (flags & ~15U) != 0) {
    return false;
  }
  b.total_dollars.reset();
  b.max_input_tokens.reset();
  b.max_output_tokens.reset();
  b.hard_stop_after_retries.reset();
  if ((flags & kHasTotal) != 0) {
    b.total_dollars = MicroUsd{in.signed_varint()};
  }
  if ((flags & kHasMaxInput) != 0) {
    b.max_input_tokens = in.signed_varint();
  }
  if ((flags & kHasMaxOutput) != 0) {
    b.max_output_tokens = in.signed_varint();
  }
  if ((flags & kHasHardStop) != 0) {
    const std::uint64_t hard_stop = in.varint();
    if (hard_stop > std::numeric_limits<std::uint32_t>::max()) {
      return false;
    }
    b.hard_stop_after_retries = static_cast<std::uint32_t>(hard_stop);
  }
  b.reserve_for_final_synthesis = MicroUsd{in.signed_varint()};
  b.reserve_for_human_handoff = MicroUsd{in.signed_varint()};
  b.min_useful_output_tokens = in.signed_varint();
  const std::optional<StepType> type = parse_step_type(in.text());
  step.model = in.text();
  step.tier = in.text();
  step.usage.input_tokens = in.signed_varint();
  step.usage.output_tokens = in.signed_varint();
  step.cost = MicroUsd{in.signed_varint()};
  step.reserved = MicroUsd{in.signed_varint()};
  step.outcome = in.text();
  step.reason = in.text();
  step.latency_ms = in.signed_varint();
  const unsigned char estimated = in.byte();
  if (!in.ok() || !type || estimated > 1 || !in.at_end()) {
    return false;
  }
  step.step = *type;
  step.usage_estimated = estimated == 1;
  step.time_unix_ms = task.created_unix_ms;
  return true;
}

void encode_call_batch(std::uint64_t first_id, std::span<const CallEntry> calls, std::string& out) {
  bytes::Writer w(out);
  w.byte(kCallBatchVersion);
  w.varint(calls.size());
  std::uint64_t previous = first_id;
  for (const CallEntry& c : calls) {
    w.varint(c.id - previous);
    previous = c.id;
    w.text(c.tenant);
    w.text(c.record);
    w.text(c.decision);
  }
}

bool decode_call_batch(std::string_view bytes, std::uint64_t first_id,
                       std::vector<CallEntry>& out) {
  out.clear();
  Reader in(bytes);
  if (in.byte() != kCallBatchVersion) {
    return false;
  }
  const std::uint64_t count = in.varint();
  // Each call takes at least 4 bytes: a count above that is not this format.
  if (!in.ok() || count > bytes.size() / 4) {
    return false;
  }
  out.reserve(count);
  std::uint64_t id = first_id;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t step = in.varint();
    if (step > std::numeric_limits<std::uint64_t>::max() - id) {
      return false;
    }
    id += step;
    CallEntry& c = out.emplace_back();
    c.id = id;
    c.tenant = in.text_view();
    c.record = in.text_view();
    c.decision = in.text_view();
  }
  return in.ok() && in.at_end();
}

void encode_holds(const std::vector<const ReservationRecord*>& reservations, std::string& out) {
  bytes::Writer w(out);
  w.byte(kVersion);
  w.varint(reservations.size());
  for (const ReservationRecord* r : reservations) {
    std::string_view session, day, month;
    for (const SpendKey& k : r->scopes) {
      switch (k.scope) {
        case Scope::session:
          session = k.name;
          break;
        case Scope::tenant_day:
          day = k.name;
          break;
        case Scope::tenant_month:
          month = k.name;
          break;
        case Scope::task:
          break;
      }
    }
    w.varint(r->id);
    w.text(r->task.tenant);
    w.text(r->task.task);
    w.text(session);
    w.text(day);
    w.text(month);
    w.text(to_string(r->step));  // by name: the format does not depend on enum order
    w.signed_varint(r->amount.micros());
    w.signed_varint(r->time_unix_ms);
    w.byte((r->session_limit ? kHasSessionLimit : 0) | (r->day_limit ? kHasDayLimit : 0) |
           (r->month_limit ? kHasMonthLimit : 0));
    for (const auto* limit : {&r->session_limit, &r->day_limit, &r->month_limit}) {
      if (*limit) {
        w.signed_varint((*limit)->micros());
      }
    }
  }
}

std::optional<std::vector<ReservationRecord>> decode_holds(std::string_view bytes) {
  Reader in(bytes);
  if (in.byte() != kVersion) {
    return std::nullopt;
  }
  const std::uint64_t count = in.varint();
  // Each record takes at least 10 bytes: a count above that is not this format.
  if (!in.ok() || count > bytes.size() / 10) {
    return std::nullopt;
  }
  std::vector<ReservationRecord> out;
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    ReservationRecord r;
    r.id = in.varint();
    r.task.tenant = in.text();
    r.task.task = in.text();
    std::string session = in.text();
    std::string day = in.text();
    std::string month = in.text();
    const std::optional<StepType> step = parse_step_type(in.text());
    r.amount = MicroUsd{in.signed_varint()};
    r.time_unix_ms = in.signed_varint();
    const unsigned flags = in.byte();
    if (!in.ok() || !step || (flags & ~7U) != 0) {
      return std::nullopt;
    }
    r.step = *step;
    if ((flags & kHasSessionLimit) != 0) {
      r.session_limit = MicroUsd{in.signed_varint()};
    }
    if ((flags & kHasDayLimit) != 0) {
      r.day_limit = MicroUsd{in.signed_varint()};
    }
    if ((flags & kHasMonthLimit) != 0) {
      r.month_limit = MicroUsd{in.signed_varint()};
    }
    if (!in.ok()) {
      return std::nullopt;
    }
    if (!session.empty()) {
      r.scopes.push_back(SpendKey{Scope::session, r.task.tenant, std::move(session)});
    }
    r.scopes.push_back(SpendKey{Scope::tenant_day, r.task.tenant, std::move(day)});
    r.scopes.push_back(SpendKey{Scope::tenant_month, r.task.tenant, std::move(month)});
    out.push_back(std::move(r));
  }
  if (!in.at_end()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace governor::ledger
