#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "governor/config/policy.hpp"
#include "governor/core/money.hpp"
#include "governor/core/step_type.hpp"
#include "governor/ledger/ledger.hpp"

// The ledger's state as rows: what the book hands the store to write, and what the store loads
// back into the book. Plain values, no SQL and no containers of the book.

namespace governor::ledger {

/** A task is named by its tenant and its id: another tenant's task of the same id is another task.
 */
struct TaskKey {
  std::string tenant;
  std::string task;
  bool operator==(const TaskKey&) const = default;
};

/** One spend window of a session or tenant scope: (session, tenant, session id),
 *  (tenant_day, tenant, "YYYY-MM-DD") or (tenant_month, tenant, "YYYY-MM"). The task scope
 *  lives in the task's own row. */
struct SpendKey {
  Scope scope = Scope::session;
  std::string tenant;
  std::string name;
  bool operator==(const SpendKey&) const = default;
};

struct TaskKeyHash {
  std::size_t operator()(const TaskKey& k) const;
};
struct SpendKeyHash {
  std::size_t operator()(const SpendKey& k) const;
};

/** A task's durable state (its row). Reserved amounts are not stored: every reservation has its
 *  own row, and a restart turns those into spend. */
struct TaskRecord {
  std::string session;
  std::string policy;
  config::TaskBudget budget;
  std::int64_t created_unix_ms = 0;
  bool one_step = false;
  std::uint32_t retries = 0;
  std::uint64_t last_hash = 0;
  MicroUsd spent;
  MicroUsd synthesis_spent;  ///< spent by summarize steps (draws on the synthesis reserve first)
  MicroUsd handoff_spent;    ///< spent by handoff steps (draws on the handoff reserve first)
  bool operator==(const TaskRecord&) const = default;
};

/** One call of a task; `id` is its reservation id (ids only grow, so they order the steps). */
struct StepRecord {
  std::uint64_t id = 0;
  TaskKey task;
  StepView view;
  bool operator==(const StepRecord&) const = default;
};

struct TaskRow {
  TaskKey key;
  TaskRecord record;
  /** A one-step task's one step, stored in the task's own row (no `steps` row): set only when
   *  the step is final (settled or reconciled). */
  std::optional<StepRecord> only_step;
  bool operator==(const TaskRow&) const = default;
};

struct SpendRow {
  SpendKey key;
  MicroUsd spent;
  bool operator==(const SpendRow&) const = default;
};

/** A live reservation: enough to release it from exactly the windows it was taken from, and to
 *  report what remains under the limits it was admitted with. */
struct ReservationRecord {
  std::uint64_t id = 0;
  TaskKey task;
  std::vector<SpendKey> scopes;  ///< session (when the call had one), tenant_day, tenant_month
  MicroUsd amount;
  StepType step = StepType::act;
  std::int64_t time_unix_ms = 0;
  std::optional<MicroUsd> session_limit;
  std::optional<MicroUsd> day_limit;
  std::optional<MicroUsd> month_limit;
};

/** What a reservation row knows of the one-step task it belongs to (a one-step call's task row
 *  waits for its settlement): its session and when it was created, not its policy or budget. */
TaskRecord one_step_record_of(const ReservationRecord& reservation);

/** What one book operation changed, as rows to write in the batch's transaction. Rows carry
 *  absolute values (not deltas), so writing one twice is harmless. */
struct Effects {
  std::optional<TaskRow> task;  ///< upsert
  std::vector<SpendRow> spend;  ///< upsert
  /** The book's own record of a new reservation, not a copy (a copy, two strings and a vector
   *  of three keys, was about 600 instructions a grant). Valid while the reservation is live in
   *  that book, which is long enough: the batch writes it, or drops it unwritten when the same
   *  batch settles it (WriteSet::add of the settlement's effects). */
  const ReservationRecord* reservation_added = nullptr;
  std::optional<std::uint64_t> reservation_removed;
  std::optional<StepRecord> step;  ///< upsert
  bool task_added = false;  ///< `task` is new: not in the database yet (else it is an update)
  bool step_added = false;  ///< `step` is new: not in the database yet (else it is an update)
  bool empty() const {
    return !task && spend.empty() && !reservation_added && !reservation_removed && !step;
  }
};

}  // namespace governor::ledger
