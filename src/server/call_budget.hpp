#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "call_record.hpp"
#include "governor/ledger/ledger.hpp"
#include "governor/openai/error_body.hpp"

namespace governor::server {

/** The budget side of one call: the ledger's grant and the settle that must happen exactly once,
 *  whichever way the call ends (answered, failed, client gone, cancelled mid-stream). */
class CallBudget {
 public:
  explicit CallBudget(ledger::Ledger* ledger) : ledger_(ledger) {}

  void granted(const ledger::Grant& grant);
  bool reserved() const { return grant_.has_value(); }
  bool settled() const { return settled_; }
  /** Whether settle() has anything to do: call sites test this first, as awaiting a coroutine
   *  costs its frame even when it returns at once (every call without a ledger). */
  bool owes_settlement() const { return ledger_ != nullptr && grant_.has_value() && !settled_; }
  const std::optional<ledger::Grant>& grant() const { return grant_; }
  /** After the reservation, then after the settle. */
  const std::optional<ledger::Remaining>& remaining() const { return remaining_; }

  /** Settles to the record's usage and cost (zero when nothing was served), waits until the
   *  ledger has it durably, and sets record.budget_remaining. Does nothing when nothing was
   *  reserved or it already settled. */
  boost::asio::awaitable<void> settle(CallRecord& record);

  /** X-Governor-Budget-Remaining: the tightest scope's remaining dollars, or "unlimited". */
  std::string remaining_header() const;

 private:
  ledger::Ledger* ledger_;
  std::optional<ledger::Grant> grant_;
  std::optional<ledger::Remaining> remaining_;
  bool settled_ = false;
};

/** "0.000120" for an amount, "unlimited" for nullopt. */
std::string format_remaining(const std::optional<MicroUsd>& amount);

/** The 402 (or 400 for input over max_input_tokens) a refusal becomes. */
openai::ApiError refusal_error(const ledger::Refusal& refusal);

}  // namespace governor::server
