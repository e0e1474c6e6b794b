#include "row_codec.hpp"

#include <cstdint>
#include <limits>

#include "governor/core/byte_codec.hpp"

namespace governor::ledger {
namespace {

using bytes::put_signed;
using bytes::put_text;
using bytes::put_varint;
using bytes::Reader;

constexpr unsigned char kVersion = 1;      // of a holds row
constexpr unsigned char kCallVersion = 1;  // of a calls row's record

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
  out.push_back(static_cast<char>(kCallVersion));
  put_text(out, task.session);
  put_text(out, task.policy);
  put_signed(out, task.created_unix_ms);
  const unsigned flags =
      (b.total_dollars ? kHasTotal : 0) | (b.max_input_tokens ? kHasMaxInput : 0) |
      (b.max_output_tokens ? kHasMaxOutput : 0) | (b.hard_stop_after_retries ? kHasHardStop : 0);
  out.push_back(static_cast<char>(flags));
  if (b.total_dollars) {
    put_signed(out, b.total_dollars->micros());
  }
  if (b.max_input_tokens) {
    put_signed(out, *b.max_input_tokens);
  }
  if (b.max_output_tokens) {
    put_signed(out, *b.max_output_tokens);
  }
  if (b.hard_stop_after_retries) {
    put_varint(out, *b.hard_stop_after_retries);
  }
  put_signed(out, b.reserve_for_final_synthesis.micros());
  put_signed(out, b.reserve_for_human_handoff.micros());
  put_signed(out, b.min_useful_output_tokens);
  put_text(out, to_string(step.step));
  put_text(out, step.model);
  put_text(out, step.tier);
  put_signed(out, step.usage.input_tokens);
  put_signed(out, step.usage.output_tokens);
  put_signed(out, step.cost.micros());
  put_signed(out, step.reserved.micros());
  put_text(out, step.outcome);
  put_text(out, step.reason);
  put_signed(out, step.latency_ms);
  out.push_back(step.usage_estimated ? 1 : 0);
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

void encode_holds(const std::vector<const ReservationRecord*>& reservations, std::string& out) {
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, reservations.size());
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
    put_varint(out, r->id);
    put_text(out, r->task.tenant);
    put_text(out, r->task.task);
    put_text(out, session);
    put_text(out, day);
    put_text(out, month);
    put_text(out, to_string(r->step));  // by name: the format does not depend on enum order
    put_signed(out, r->amount.micros());
    put_signed(out, r->time_unix_ms);
    const unsigned flags = (r->session_limit ? kHasSessionLimit : 0) |
                           (r->day_limit ? kHasDayLimit : 0) |
                           (r->month_limit ? kHasMonthLimit : 0);
    out.push_back(static_cast<char>(flags));
    for (const auto& limit : {r->session_limit, r->day_limit, r->month_limit}) {
      if (limit) {
        put_signed(out, limit->micros());
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
