#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "book.hpp"
#include "completion.hpp"
#include "governor/ledger/ledger.hpp"
#include "store.hpp"

namespace governor::ledger {

/** The embedded ledger: one thread owns the SQLite connection and the book. Callers' operations
 *  wait in a queue; the ledger thread takes everything pending (up to max_batch), applies it to
 *  the book in order, writes the changed rows in ONE transaction, commits, and only then
 *  completes each operation on its caller's executor. While one commit (an fsync) runs, the next
 *  batch accumulates: under load many operations share one fsync (group commit).
 *
 *  Failure is safe: when a batch cannot be made durable, its transaction is rolled back, the book
 *  is rebuilt from the database, grants become `ledger_unavailable` refusals, new tasks become
 *  OpenResult::unavailable, and settlements are retried in a later batch (a few times; then the
 *  reservation stays held until a restart reconciles it at its reserved amount).
 *  @par Thread safety Every public member may be called from any thread. */
class SqliteLedger final : public Ledger {
 public:
  SqliteLedger(StorePtr store, WallClock clock, std::size_t max_batch,
               std::uint64_t next_reservation_id,
               std::function<void(std::chrono::microseconds)> on_commit = {},
               std::chrono::milliseconds cache_idle = std::chrono::milliseconds{0});
  /** Completes every queued operation, then joins the ledger thread. */
  ~SqliteLedger() override;
  SqliteLedger(const SqliteLedger&) = delete;
  SqliteLedger& operator=(const SqliteLedger&) = delete;

  net::awaitable<ReserveOutcome> reserve(ReserveRequest request) override;
  net::awaitable<ReserveOutcome> reserve(std::unique_ptr<ReserveRequest> request) override;
  net::awaitable<Remaining> settle(Settlement settlement) override;
  net::awaitable<Remaining> settle(std::unique_ptr<Settlement> settlement) override;
  net::awaitable<std::optional<TaskView>> task(std::string tenant, std::string task,
                                               config::SessionBudget session_budget,
                                               config::TenantBudget tenant_budget) override;
  net::awaitable<OpenResult> open_task(OpenTask request) override;
  LedgerStats stats() const override;

 private:
  struct TaskQuery {
    TaskKey key;
    config::SessionBudget session_budget;
    config::TenantBudget tenant_budget;
  };
  /** One queued operation: what to do, its result once applied, and whom to tell. */
  template <class Payload, class T>
  struct Pending {
    /** Boxed: an operation moves from coroutine frame to queue to batch to delivery, and a
     *  ReserveRequest or Settlement moved member by member (four or five strings) at each step
     *  cost about 1.5k instructions a call. */
    std::unique_ptr<Payload> payload;
    Completion<T> done;
    std::optional<T> result;
    bool wrote = false;     ///< changed rows: it needs the commit
    unsigned attempts = 0;  ///< settlements retried after a failed commit
  };
  using ReserveOp = Pending<ReserveRequest, ReserveOutcome>;
  using SettleOp = Pending<Settlement, Remaining>;
  using TaskOp = Pending<TaskQuery, std::optional<TaskView>>;
  using OpenOp = Pending<OpenTask, OpenResult>;
  using Op = std::variant<ReserveOp, SettleOp, TaskOp, OpenOp>;

  /** A batch's operations of one caller executor, in queue order, waiting to be posted. */
  struct Delivery {
    net::any_io_executor executor;
    std::vector<Op> ops;
  };
  /** Emptied operation vectors, handed back by the callers' threads once delivered, so the
   *  ledger thread neither allocates a vector per batch nor moves every operation into one.
   *  Shared: a delivery may run after the ledger is gone. */
  class OpVectors {
   public:
    /** A vector with room for `n` operations: a handed-back one if there is one. */
    std::vector<Op> take(std::size_t n);
    /** Clears `ops` (on the caller's thread, where its operations' memory came from) and keeps
     *  it for take(). */
    void give(std::vector<Op>&& ops);

   private:
    std::mutex mutex_;
    std::vector<std::vector<Op>> free_;  // guarded by mutex_
  };
  /** The function posted to a caller's executor: hands each operation its result, in order. */
  struct Deliver {
    net::any_io_executor executor;  ///< untracked: the posted function is the work
    std::vector<Op> ops;
    std::shared_ptr<OpVectors> vectors;  ///< where ops goes once delivered
    void operator()();
  };

  template <class T, class Payload>
  net::awaitable<T> submit(std::unique_ptr<Payload> payload);
  void enqueue(Op&& op);

  // The ledger thread.
  void run();
  void process(std::vector<Op>& batch);
  /** Completes each operation that has a result, in order; settlements without one wait in
   *  retry_ for the next batch. */
  void complete(std::vector<Op>& batch);
  /** Something threw while a batch was in hand (out of memory): roll back, rebuild, and fail
   *  what the batch promised rather than let an exception end the ledger thread. */
  void recover(std::vector<Op>& batch) noexcept;
  void apply(ReserveOp& op, TimePoint now);
  void apply(SettleOp& op, TimePoint now);
  void apply(TaskOp& op, TimePoint now);
  void apply(OpenOp& op, TimePoint now);
  /** The batch could not be committed: turn what it promised into failures. */
  void fail(ReserveOp& op);
  void fail(SettleOp& op);
  void fail(TaskOp& op);
  void fail(OpenOp& op);
  /** Writes the batch's pending rows now (a load is about to read one of them). */
  bool flush();
  bool ensure_task(const TaskKey& key);
  bool ensure_spend(const std::vector<SpendKey>& keys);
  /** Forgets the book and reloads the live reservations from the database. */
  void rebuild();
  /** Between batches: once per cache_idle_, drops what the book has not touched since the last
   *  sweep (SqliteLedgerOptions::cache_idle), and publishes the book's size. */
  void sweep_cache(TimePoint now);
  /** Publishes how many tasks and windows the book holds (LedgerStats::cached_*). */
  void publish_book_size();

  StorePtr store_;
  WallClock clock_;
  std::size_t max_batch_;
  const std::function<void(std::chrono::microseconds)> on_commit_;  ///< may be empty
  const std::chrono::milliseconds cache_idle_;                      ///< zero: never sweep

  // Owned by the ledger thread.
  Book book_;
  bool batch_ok_ = true;   ///< no load or write of the current batch has failed
  bool degraded_ = false;  ///< the book could not be rebuilt: refuse until it can
  Book::Overruns batch_overruns_;
  std::vector<Op> retry_;                ///< settlements to apply again in the next batch
  TimePoint batch_time_{};               ///< the clock's time for the last batch
  std::optional<TimePoint> last_sweep_;  ///< unset until the first batch
  std::uint64_t sweep_period_ = 0;       ///< the book's period since the last sweep
  /// While a sweep is under way: what it forgets was last touched before this period.
  std::optional<std::uint64_t> sweep_threshold_;
  /** Buckets of each of the book's maps one sweep step looks at (a few hundred entries). */
  static constexpr std::size_t kSweepBuckets = 256;
  /** The tenant, session and time whose spend windows the book was last made to hold. */
  struct EnsuredWindows {
    std::string tenant;
    std::string session;
    TimePoint now;
  };
  std::optional<EnsuredWindows> spend_ensured_;
  std::vector<Delivery> deliveries_;  ///< complete()'s groups, kept for their memory
  std::shared_ptr<OpVectors> op_vectors_ = std::make_shared<OpVectors>();
  WriteSet writes_;  ///< the current batch's changed rows, written once before the commit
  /** One operation's changed rows on their way into writes_, kept (see Book::reserve). */
  Effects effects_;
  /** effects_, emptied for the next operation. */
  Effects& fresh_effects();

  std::mutex mutex_;
  /// Shared with the kicks posted to callers' executors, which may outlive the ledger.
  std::shared_ptr<std::condition_variable> wake_ = std::make_shared<std::condition_variable>();
  /** Rounds of a caller's event loop a kick waits before it wakes the ledger thread. */
  static constexpr int kKickHops = 4;
  /** Posted to a caller's executor to wake the ledger thread after `hops` rounds of its loop. */
  struct Kick {
    net::any_io_executor executor;
    std::shared_ptr<std::condition_variable> wake;
    int hops;
    void operator()();
  };
  std::vector<Op> queue_;  // guarded by mutex_
  /// Callers' executors with a kick posted since the thread last took the queue (guarded by
  /// mutex_): one kick per executor and batch, however many operations it submits.
  std::vector<net::any_io_executor> kicks_pending_;
  bool stopping_ = false;  // guarded by mutex_

  std::atomic<std::uint64_t> reservations_{0};
  std::atomic<std::uint64_t> refusals_{0};
  std::atomic<std::uint64_t> settlements_{0};
  std::atomic<std::uint64_t> overruns_{0};
  std::atomic<std::int64_t> overrun_micros_{0};
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> batched_ops_{0};
  std::atomic<std::size_t> queue_depth_{0};
  std::atomic<std::int64_t> last_commit_us_{0};
  std::atomic<std::size_t> cached_tasks_{0};
  std::atomic<std::size_t> cached_windows_{0};
  std::atomic<std::uint64_t> evicted_tasks_{0};
  std::atomic<std::uint64_t> evicted_windows_{0};

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace governor::ledger
