#include "call_budget.hpp"

#include <memory>

#include "decision_json.hpp"

namespace governor::server {

namespace {

/** The settlement of `record`'s call, built where the ledger's queue keeps it: built in the
 *  coroutine's frame and passed by value, its five strings were moved twice on their way
 *  (about 200 instructions each time). */
std::unique_ptr<ledger::Settlement> call_settlement(const CallRecord& record,
                                                    std::uint64_t reservation) {
  auto settlement = std::make_unique<ledger::Settlement>();
  ledger::Settlement& s = *settlement;
  s.reservation = reservation;
  s.usage = record.usage;
  s.cost = record.cost;
  s.model = record.upstream;
  s.tier = record.tier;
  s.outcome = record.outcome;
  s.reason = record.reason;
  s.decision = decision_trace_bytes(record);
  s.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - record.started)
                     .count();
  s.usage_estimated = record.usage_estimated;
  return settlement;
}

}  // namespace

void CallBudget::granted(const ledger::Grant& grant) {
  grant_ = grant;
  remaining_ = grant.remaining;
}

boost::asio::awaitable<void> CallBudget::settle(CallRecord& record) {
  if (!owes_settlement()) {
    co_return;
  }
  settled_ = true;  // before the await: a second caller must not settle again meanwhile
  remaining_ = co_await ledger_->settle(call_settlement(record, grant_->reservation));
  record.budget_remaining = remaining_header();
  record.task_spent = remaining_->task_spent;
}

std::string CallBudget::remaining_header() const {
  return format_remaining(remaining_ ? remaining_->tightest() : std::nullopt);
}

std::string format_remaining(const std::optional<MicroUsd>& amount) {
  return amount ? amount->to_string() : std::string{"unlimited"};
}

openai::ApiError refusal_error(const ledger::Refusal& refusal) {
  switch (refusal.reason) {
    case ledger::Refusal::Reason::retry_limit:
      return openai::make_api_error(errc::retry_limit, refusal.message);
    case ledger::Refusal::Reason::input_too_large:
      return openai::make_api_error(errc::invalid_request, refusal.message, "messages");
    case ledger::Refusal::Reason::ledger_unavailable:
      return openai::make_api_error(errc::ledger_unavailable, refusal.message);
    case ledger::Refusal::Reason::budget_exhausted:
      break;
  }
  return openai::make_api_error(errc::budget_exhausted, refusal.message);
}

}  // namespace governor::server
