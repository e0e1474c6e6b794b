// The small functions of the ledger's public value types, and the hashes of its keys.
#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>

#include "governor/ledger/ledger.hpp"
#include "records.hpp"

namespace governor::ledger {

std::string_view to_string(Scope scope) {
  switch (scope) {
    case Scope::task:
      return "task";
    case Scope::session:
      return "session";
    case Scope::tenant_day:
      return "tenant_day";
    case Scope::tenant_month:
      return "tenant_month";
  }
  return "task";
}

namespace {
constexpr std::string_view kOneStepPrefix = "call-";
}  // namespace

std::string one_step_task_name(std::uint64_t reservation) {
  char digits[20];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), reservation).ptr;
  std::string name;
  name.reserve(kOneStepPrefix.size() + static_cast<std::size_t>(end - digits));
  name.append(kOneStepPrefix).append(digits, end);
  return name;
}

std::optional<std::uint64_t> one_step_call_id(std::string_view task) {
  if (!task.starts_with(kOneStepPrefix)) {
    return std::nullopt;
  }
  const std::string_view digits = task.substr(kOneStepPrefix.size());
  // Exactly what one_step_task_name writes: digits only, no sign, no leading zero, a rowid.
  if (digits.empty() || digits.front() == '0' ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || end != digits.data() + digits.size() ||
      id > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return id;
}

std::string_view to_string(Refusal::Reason reason) {
  switch (reason) {
    case Refusal::Reason::budget_exhausted:
      return "budget_exhausted";
    case Refusal::Reason::retry_limit:
      return "retry_limit";
    case Refusal::Reason::input_too_large:
      return "input_too_large";
    case Refusal::Reason::ledger_unavailable:
      return "ledger_unavailable";
  }
  return "budget_exhausted";
}

std::optional<MicroUsd> Remaining::tightest() const {
  std::optional<MicroUsd> least;
  for (const auto& r : {task, session, tenant_day, tenant_month}) {
    if (r && (!least || *r < *least)) {
      least = r;
    }
  }
  return least;
}

namespace {

std::size_t combine(std::size_t seed, std::size_t h) {
  // boost::hash_combine's mixing step.
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

std::size_t TaskKeyHash::operator()(const TaskKey& k) const {
  const std::hash<std::string> h;
  return combine(h(k.tenant), h(k.task));
}

std::size_t SpendKeyHash::operator()(const SpendKey& k) const {
  const std::hash<std::string> h;
  return combine(combine(static_cast<std::size_t>(k.scope), h(k.tenant)), h(k.name));
}

TaskRecord one_step_record_of(const ReservationRecord& reservation) {
  TaskRecord t;
  for (const SpendKey& k : reservation.scopes) {
    if (k.scope == Scope::session) {
      t.session = k.name;
    }
  }
  t.created_unix_ms = reservation.time_unix_ms;
  t.one_step = true;
  return t;
}

}  // namespace governor::ledger
