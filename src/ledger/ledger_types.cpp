// The small functions of the ledger's public value types, and the hashes of its keys.
#include <algorithm>
#include <functional>

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
