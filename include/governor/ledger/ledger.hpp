#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "governor/config/policy.hpp"
#include "governor/core/money.hpp"
#include "governor/core/step_type.hpp"

namespace governor::ledger {

/** The name the ledger gives a one-step task (a call sent without a task id): "call-" and the
 *  call's reservation id in decimal, so the task is found by that integer alone. The server
 *  refuses client task ids of this form. */
std::string one_step_task_name(std::uint64_t reservation);
/** The reservation id in a one-step task's name; nullopt for any other id. */
std::optional<std::uint64_t> one_step_call_id(std::string_view task);

/** Where spend is counted. A call is reserved against all of its scopes at once. */
enum class Scope { task, session, tenant_day, tenant_month };
std::string_view to_string(Scope scope);

/** Wall clock of the ledger (tenant windows are UTC days and months); injectable for tests. */
using WallClock = std::function<std::chrono::system_clock::time_point()>;

/** One upstream the call could go to, in order of preference (the routed choice first, then, when
 *  the policy degrades, cheaper tiers). The ledger reserves for the first that fits. */
struct Candidate {
  ModelPrices prices;
  std::int64_t max_output_tokens = 0;  ///< already clamped by request, policy and context window
  bool operator==(const Candidate&) const = default;
};

/** Everything the ledger needs to admit one call. Budgets are values from the policy: the task's
 *  budget is fixed when the task is first seen (or opened with POST /v1/tasks) and later
 *  requests' task_budget is ignored; session and tenant limits apply as given on each call. */
struct ReserveRequest {
  std::string tenant;
  /** Empty for a one-step call's first reservation: the ledger names its task (Grant::task). */
  std::string task;
  std::string session;    ///< empty: the task belongs to no session
  bool one_step = false;  ///< no task id was given: the task ends with this call
  std::string policy;     ///< name of the policy applied (recorded with a new task)
  config::TaskBudget task_budget;
  config::SessionBudget session_budget;
  config::TenantBudget tenant_budget;
  StepType step = StepType::act;
  std::int64_t input_tokens = 0;  ///< an upper bound of the call's input tokens (reserved)
  /** The typical estimate (about 4 bytes per token) checked against max_input_tokens: the upper
   *  bound above is several times the real count and would refuse honest calls. 0: use
   *  input_tokens. */
  std::int64_t input_tokens_estimate = 0;
  std::int64_t min_output_tokens = 1;  ///< clamping below this refuses instead
  std::vector<Candidate> candidates;   ///< at least one
  bool explicit_retry = false;         ///< the client said this call retries a step
  std::uint64_t messages_hash = 0;     ///< same hash as the task's previous call: a retry
  /** A cascade escalating the call it just judged: the same step at a stronger tier, never
   *  counted as a retry. */
  bool escalation = false;
};

/** Remaining budget per scope after an operation (nullopt: the scope has no limit, or, for the
 *  session, the call has no session): limit - spent - reserved, never below zero. The task's
 *  figure includes its synthesis/handoff reserves (they are still the task's money). */
struct Remaining {
  std::optional<MicroUsd> task;
  std::optional<MicroUsd> session;
  std::optional<MicroUsd> tenant_day;
  std::optional<MicroUsd> tenant_month;
  /** The task's spend so far, after a settle (for the per-task spend metric); nullopt after a
   *  reserve or for an unknown reservation. Not part of tightest(). */
  std::optional<MicroUsd> task_spent;
  /** The tightest of the four, nullopt when none is limited. */
  std::optional<MicroUsd> tightest() const;
  bool operator==(const Remaining&) const = default;
};

/** An admitted call: `amount` is reserved in every scope until settle. */
struct Grant {
  std::uint64_t reservation = 0;
  std::size_t candidate = 0;       ///< index into ReserveRequest::candidates
  std::int64_t output_tokens = 0;  ///< max_tokens to send upstream (<= the candidate's bound)
  bool clamped = false;            ///< output_tokens is below the candidate's bound
  MicroUsd amount;                 ///< worst-case cost reserved
  std::uint32_t retries = 0;       ///< retries counted in the task so far, this call included
  Remaining remaining;             ///< after the reservation
  Scope binding = Scope::task;     ///< the scope with the least left (what clamped or degraded)
  /** The task the call counts in: for a one-step call, the name the ledger gave it. */
  std::string task;
  bool operator==(const Grant&) const = default;
};

/** A refused call; nothing was reserved. */
struct Refusal {
  enum class Reason {
    budget_exhausted,   ///< no candidate fits a scope, even clamped to min_output_tokens
    retry_limit,        ///< the task's hard_stop_after_retries would be exceeded
    input_too_large,    ///< input_tokens above the task's max_input_tokens
    ledger_unavailable  ///< the reservation could not be made durable (storage error): retryable
  };
  Reason reason = Reason::budget_exhausted;
  Scope scope = Scope::task;  ///< the scope that did not fit
  MicroUsd remaining;         ///< what that scope has left for this step
  MicroUsd needed;            ///< the smallest reservation that would have been useful
  std::string message;        ///< human-readable, names the scope and the amounts
  bool operator==(const Refusal&) const = default;
};

std::string_view to_string(Refusal::Reason reason);

using ReserveOutcome = std::variant<Grant, Refusal>;

/** What one call finally cost; settles (and releases the rest of) its reservation. A failed call
 *  settles with zero usage and cost. */
struct Settlement {
  std::uint64_t reservation = 0;
  TokenUsage usage;
  MicroUsd cost;
  std::string model;  ///< upstream name that served (empty when none did)
  std::string tier;
  std::string outcome;   ///< "ok", "upstream_error", "client_gone", ...
  std::string reason;    ///< why this model (routing reason codes)
  std::string decision;  ///< the routing trace, encoded by the gateway (empty for a pinned call)
  std::int64_t latency_ms = 0;
  bool usage_estimated = false;  ///< usage counted by Governor, not reported by the upstream
  bool operator==(const Settlement&) const = default;
};

/** Limit and use of one scope. */
struct ScopeView {
  std::optional<MicroUsd> limit;
  MicroUsd spent;
  MicroUsd reserved;
  std::optional<MicroUsd> remaining;  ///< limit - spent - reserved (never below zero)
  bool operator==(const ScopeView&) const = default;
};

/** One settled (or in-flight) call of a task. */
struct StepView {
  std::int64_t time_unix_ms = 0;
  StepType step = StepType::act;
  std::string model;
  std::string tier;
  TokenUsage usage;
  MicroUsd cost;
  MicroUsd reserved;    ///< what was reserved for it
  std::string outcome;  ///< "in_flight" until settled
  std::string reason;
  /// the routing trace as the gateway encoded it (server::decision_trace_bytes; JSON text in
  /// ledgers before version 4): stored and returned as it is; empty: none
  std::string decision;
  std::int64_t latency_ms = 0;
  bool usage_estimated = false;
  bool operator==(const StepView&) const = default;
};

/** The ledger's view of one task: the trace card's data. */
struct TaskView {
  std::string id;
  std::string session;
  std::string policy;
  config::TaskBudget budget;
  std::int64_t created_unix_ms = 0;
  std::uint32_t retries = 0;
  ScopeView task;
  ScopeView session_scope;
  ScopeView tenant_day;
  ScopeView tenant_month;
  std::vector<StepView> steps;  ///< oldest first
  bool operator==(const TaskView&) const = default;
};

/** POST /v1/tasks: a task opened by the agent with its own (never looser) budget. */
struct OpenTask {
  std::string tenant;
  std::string task;
  std::string session;
  std::string policy;
  config::TaskBudget budget;
  config::SessionBudget session_budget;  ///< for the session/tenant views in the reply
  config::TenantBudget tenant_budget;
};
enum class OpenResult {
  created,
  already_exists,
  unavailable  ///< the task could not be stored (storage error); nothing was created
};

/** Counters for telemetry; read without locks. */
struct LedgerStats {
  std::uint64_t reservations = 0;
  std::uint64_t refusals = 0;
  std::uint64_t settlements = 0;
  std::uint64_t overruns = 0;     ///< settlements that cost more than their reservation
  MicroUsd overrun_amount{0};     ///< how much more, over all of them
  std::uint64_t commits = 0;      ///< transactions (each covers a batch of operations)
  std::uint64_t batched_ops = 0;  ///< operations written, over all commits
  std::size_t queue_depth = 0;    ///< operations waiting for the ledger thread now
  std::int64_t last_commit_us = 0;
  std::uint64_t checkpoints = 0;      ///< log checkpoints completed (the log then starts again)
  std::size_t cached_tasks = 0;       ///< tasks the ledger keeps in memory now
  std::size_t cached_windows = 0;     ///< session, day and month spend windows kept in memory now
  std::uint64_t evicted_tasks = 0;    ///< idle tasks dropped from memory (still stored)
  std::uint64_t evicted_windows = 0;  ///< idle spend windows dropped from memory (still stored)
};

/** The budget ledger. Every operation is atomic across all scopes of the call, and a completed
 *  reserve or settle is durable (committed) before the awaiting coroutine resumes. Awaiting never
 *  blocks the caller's thread: the coroutine resumes on its own executor.
 *  @par Thread safety all members may be called from any thread concurrently. */
class Ledger {
 public:
  virtual ~Ledger() = default;

  virtual boost::asio::awaitable<ReserveOutcome> reserve(ReserveRequest request) = 0;
  /** reserve() of a request already on the heap, which a ledger that queues requests boxed
   *  takes as it is. Passed by value, a request (four strings, a vector, three budgets) is
   *  copied or moved once more on its way: about 270 instructions of the chat handler's call. */
  virtual boost::asio::awaitable<ReserveOutcome> reserve(std::unique_ptr<ReserveRequest> request) {
    return reserve(std::move(*request));
  }
  /** Returns the remaining budgets after settling (with the limits the call was reserved
   *  under). Unknown reservation ids are ignored and return a Remaining with no figures. */
  virtual boost::asio::awaitable<Remaining> settle(Settlement settlement) = 0;
  /** settle() of a settlement already on the heap, taken as it is (as reserve() of a boxed
   *  request): its five strings are moved once fewer. */
  virtual boost::asio::awaitable<Remaining> settle(std::unique_ptr<Settlement> settlement) {
    return settle(std::move(*settlement));
  }
  /** nullopt when the tenant has no such task (another tenant's task is "no such task"). */
  virtual boost::asio::awaitable<std::optional<TaskView>> task(
      std::string tenant, std::string task, config::SessionBudget session_budget,
      config::TenantBudget tenant_budget) = 0;
  virtual boost::asio::awaitable<OpenResult> open_task(OpenTask request) = 0;

  virtual LedgerStats stats() const = 0;
};

using LedgerPtr = std::unique_ptr<Ledger>;

/** The embedded backend. */
struct SqliteLedgerOptions {
  std::string path;              ///< database file; ":memory:" for a non-durable in-memory ledger
  WallClock clock;               ///< defaults to system_clock::now
  std::size_t max_batch = 1024;  ///< operations per transaction at most
  /** What a commit survives before a call may proceed. `process_crash` (SQLite WAL with
   *  synchronous=NORMAL): a kill -9 or crash of Governor loses nothing committed; an OS crash or
   *  power loss may lose the last commits. `power_loss` (synchronous=FULL): every commit is
   *  fsynced, at the cost of one fsync per group commit on the call path. */
  enum class Durability { process_crash, power_loss };
  Durability durability = Durability::power_loss;
  /** Called on the ledger thread after each group commit that wrote something, with its
   *  duration (metrics). Must be cheap and thread-safe; may be empty. */
  std::function<void(std::chrono::microseconds)> on_commit;
  /** The ledger keeps the tasks and spend windows it touches in memory and loads the others
   *  from the database. One idle (no call in flight, untouched) for between one and two of
   *  these is dropped from memory, so a long-lived process does not grow with every task it
   *  ever served; zero keeps everything. The sweep runs between batches, once per period. */
  std::chrono::milliseconds cache_idle = std::chrono::minutes(10);
};

/** Opens (creating if needed) the database, reconciles reservations left by a crash (each is
 *  counted as spent at its reserved amount), and starts the ledger thread. Errors (unwritable
 *  directory, corrupt file) come back as a message. */
struct OpenLedgerResult {
  LedgerPtr ledger;
  std::string error;
  std::size_t reconciled = 0;  ///< reservations found from a previous run and counted as spent
};
OpenLedgerResult open_sqlite_ledger(SqliteLedgerOptions options);

}  // namespace governor::ledger
