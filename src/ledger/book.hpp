#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "governor/ledger/ledger.hpp"
#include "records.hpp"
#include "windows.hpp"

namespace governor::ledger {

/** The budget ledger's arithmetic: every scope's spent and reserved amounts, the tasks with their
 *  fixed budgets, retries and steps, and the live reservations. No I/O and no clock: time is
 *  passed in. Each operation is atomic across scopes (it checks every scope before changing any)
 *  and returns the rows it changed, for the caller to make durable.
 *
 *  The book is also a cache of the database: before an operation touches a task or a spend
 *  window that is not in memory, the owner loads it (has_task / install_task and friends). A
 *  book used on its own simply starts empty.
 *  @par Thread safety Not thread-safe: one owner (the ledger thread). */
class Book {
 public:
  Book() = default;
  // Not copyable: a live reservation points at this book's own spend counters.
  Book(const Book&) = delete;
  Book& operator=(const Book&) = delete;
  Book(Book&&) = default;  // the counters move with their map's nodes
  Book& operator=(Book&&) = default;

  template <class T>
  struct Applied {
    T outcome;
    Effects effects;  ///< empty when nothing changed (refusals, unknown ids, existing tasks)
  };

  /** Admits a call or refuses it; see docs/ledger.md for the rule. A refused call changes
   *  nothing, not even a task it would have created. */
  Applied<ReserveOutcome> reserve(const ReserveRequest& request, TimePoint now);
  /** Releases the reservation from the scopes and windows it was taken from and charges the real
   *  cost (in full, even above the reservation). A one-step task is forgotten once its last
   *  reservation is settled (its rows stay in the database).
   *
   *  A one-step task (a call without a task id) writes no task or step row when it is reserved:
   *  only its reservation row, which is what a crash needs. Its task row is written once, with
   *  its final values and its one step in it (TaskRow::only_step), when it settles. A task with
   *  an id writes its task and step rows at its first reservation, so its trace shows calls in
   *  flight. */
  Applied<Remaining> settle(const Settlement& settlement);
  /** reserve() and settle() with the changed rows written into `effects`, which must be empty
   *  (as a new Effects is). The ledger thread keeps one Effects for all its operations: GCC 12
   *  zero-fills the storage of every std::optional it constructs, and a new Effects each
   *  (about 900 bytes of rows) cost about 120 instructions an operation. */
  ReserveOutcome reserve(const ReserveRequest& request, TimePoint now, Effects& effects);
  Remaining settle(const Settlement& settlement, Effects& effects);
  Applied<OpenResult> open(const OpenTask& request, TimePoint now);
  /** The task's card; tenant windows are those of `now`. Nullopt when the tenant has no such
   *  task in the book. */
  std::optional<TaskView> view(const TaskKey& key, const config::SessionBudget& session_budget,
                               const config::TenantBudget& tenant_budget, TimePoint now) const;

  /** The spend windows a call of `tenant` in `session` at `now` is counted in: the session
   *  (when non-empty), then the tenant's day and month. */
  static std::vector<SpendKey> spend_keys(std::string_view tenant, std::string_view session,
                                          TimePoint now);

  bool has_task(const TaskKey& key) const { return tasks_.contains(key); }
  /** The task's stored state, nullptr when it is not in the book. */
  const TaskRecord* find_task(const TaskKey& key) const {
    const auto it = tasks_.find(key);
    return it == tasks_.end() ? nullptr : &it->second.record;
  }
  void install_task(const TaskKey& key, TaskRecord record, std::vector<StepRecord> steps);
  bool has_spend(const SpendKey& key) const { return spend_.contains(key); }
  void install_spend(const SpendKey& key, MicroUsd spent);
  /** Installs the task of a one-step call still in flight, when rebuilding the book: its row
   *  waits for the settlement, so the database has only the reservation. `as_reserved` is its
   *  record from before the rebuild when known (policy and budget included; the spend it shows
   *  is dropped, as a rolled-back batch may have settled it); else the task gets what the
   *  reservation knows. install_reservation() then holds the call and adds its step. */
  void install_unsettled_task(const ReservationRecord& reservation, const TaskRecord* as_reserved);
  /** Re-adds a live reservation (rebuilding the book from the database). Its task and spend
   *  windows must be installed first. */
  void install_reservation(ReservationRecord reservation);

  std::uint64_t next_reservation_id() const { return next_id_; }
  void set_next_reservation_id(std::uint64_t id) { next_id_ = id; }

  std::size_t task_count() const { return tasks_.size(); }
  std::size_t window_count() const { return spend_.size(); }

  /** Starts a new period of use and returns its number: every task and spend window an
   *  operation touches from now on is stamped with it. Periods start at 0. */
  std::uint64_t begin_period() { return ++period_; }
  struct Evicted {
    std::size_t tasks = 0;
    std::size_t windows = 0;
    bool done = false;  ///< the sweep has looked at everything (sweep_step)
  };
  /** Forgets the tasks and spend windows last touched before `period` that nothing in flight
   *  needs: a task with no call in flight whose row is stored, a window no live reservation
   *  holds. The book is a cache of the database, so a forgotten one is loaded again, as after a
   *  restart, the next time an operation needs it (the owner's has_task / install_task). Call
   *  it only when every row the book handed out is in the database. */
  Evicted evict_before(std::uint64_t period);
  /** The same in steps, so that no single call holds the owner up for long: begin_sweep()
   *  starts a walk through both maps, and each sweep_step() looks at up to `buckets` more
   *  buckets of each, from where the last one stopped, until it returns done. Operations may
   *  run between steps (what they touch is stamped with a newer period and stays). */
  void begin_sweep() { sweep_tasks_at_ = sweep_windows_at_ = 0; }
  Evicted sweep_step(std::uint64_t period, std::size_t buckets);
  std::size_t reservation_count() const { return reservations_.size(); }
  /** Settlements whose cost was above their reservation, and by how much in all. */
  struct Overruns {
    std::uint64_t count = 0;
    MicroUsd amount{0};  ///< the sum of each one's cost less its reservation
  };
  const Overruns& overruns() const { return overruns_; }

 private:
  struct Counter {
    MicroUsd spent;
    MicroUsd reserved;
    std::uint64_t used = 0;  ///< the period that last touched it (see begin_period)
  };
  struct Step {
    std::uint64_t id = 0;
    StepView view;
    bool stored = true;  ///< its row is in the database (or in the caller's pending writes)
  };
  struct TaskState {
    TaskRecord record;
    bool stored = true;  ///< its row is in the database (or in the caller's pending writes)
    MicroUsd reserved;
    MicroUsd synthesis_reserved;
    MicroUsd handoff_reserved;
    std::uint32_t in_flight = 0;
    std::uint64_t used = 0;   ///< the period that last touched it (see begin_period)
    std::vector<Step> steps;  ///< oldest first
    /** Back to a new task's state, keeping the memory of `steps` (a recycled node). */
    void reset();
  };
  using TaskMap = std::unordered_map<TaskKey, TaskState, TaskKeyHash>;
  /** One limited-or-not scope of a call, as checked by reserve. */
  struct Check {
    Scope scope = Scope::task;
    std::optional<MicroUsd> available;
  };
  /** A call counts in at most three windows: its session, its tenant's day and month. */
  static constexpr std::size_t kMaxWindows = 3;
  using WindowCounters = std::array<Counter*, kMaxWindows>;
  /** A live reservation and the counters of its windows (record.scopes, in order), found once at
   *  the grant: a node of an unordered_map never moves, so the settlement hashes no key again. */
  struct Held {
    ReservationRecord record;
    WindowCounters counters{};
  };
  /** The spend windows of a call (spend_keys()), and the book's counters of them (nullptr where
   *  the book has none yet). */
  struct Windows {
    std::vector<SpendKey> keys;
    WindowCounters counters{};
    bool recalled = false;  ///< copied from recent_windows_
  };
  /** The windows of the last grant. Calls come in runs from one tenant and session on one day,
   *  and the windows of such a run are the same: copied from here, with no date to format and no
   *  key to hash (about 600 instructions a call). The counters stay valid: spend_ keeps every
   *  window it gets, and an unordered_map's nodes never move. */
  struct RecentWindows {
    std::string tenant;
    std::string session;
    std::chrono::sys_days day;
    Windows windows;     ///< every counter set
    bool known = false;  ///< false until the first grant
    bool match(std::string_view call_tenant, std::string_view call_session,
               std::chrono::sys_days call_day) const {
      return known && day == call_day && tenant == call_tenant && session == call_session;
    }
  };

  static std::optional<MicroUsd> available_for(const TaskState& task, StepType step);
  static std::optional<MicroUsd> remaining_of(std::optional<MicroUsd> limit, const Counter& c);
  Counter counter(const SpendKey& key) const;
  /** The window's counter, nullptr when the book has none (nothing spent or held in it yet). */
  Counter* find_counter(const SpendKey& key);
  /** The counter of the reservation's `i`th window. */
  Counter& counter_of(Held& held, std::size_t i);
  /** The windows a call of `tenant` in `session` at `now` counts in. */
  Windows windows_of(std::string_view tenant, std::string_view session, TimePoint now);
  /** Keeps a granted call's windows (its counters all set) for the calls after it. */
  void remember_windows(std::string_view tenant, std::string_view session, TimePoint now,
                        const Windows& windows);
  /** A new one-step task's place in tasks_, in a node a forgotten task left in spare_tasks_
   *  (or, when a task of that name is there already, that task, as try_emplace finds it). */
  std::pair<TaskMap::iterator, bool> emplace_in_spare(const TaskKey& key);
  /** Erases a settled one-step task, keeping its node for the next one (see spare_tasks_). */
  void forget_task(TaskMap::iterator it);
  void hold(TaskState& task, StepType step, MicroUsd amount);
  void release(TaskState& task, StepType step, MicroUsd amount, MicroUsd cost);

  TaskMap tasks_;
  /** Nodes of forgotten one-step tasks, for the one-step calls after them: a call without a
   *  task id makes a task and forgets it at its settlement, and a new node each time (with its
   *  steps' vector, each allocated and freed) cost about 120 instructions a call more than one
   *  made new again in place. At most kSpareTasks. */
  std::vector<TaskMap::node_type> spare_tasks_;
  static constexpr std::size_t kSpareTasks = 64;
  std::unordered_map<SpendKey, Counter, SpendKeyHash> spend_;
  std::unordered_map<std::uint64_t, Held> reservations_;
  RecentWindows recent_windows_;
  std::uint64_t next_id_ = 1;
  Overruns overruns_;
  std::uint64_t period_ = 0;
  std::size_t sweep_tasks_at_ = 0;    ///< the next bucket of tasks_ a sweep step looks at
  std::size_t sweep_windows_at_ = 0;  ///< the next bucket of spend_ a sweep step looks at
};

}  // namespace governor::ledger
