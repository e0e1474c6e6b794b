#pragma once

#include <array>
#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "database_lock.hpp"
#include "governor/core/error.hpp"
#include "records.hpp"
#include "row_codec.hpp"
#include "sqlite_db.hpp"
#include "wal_checkpoints.hpp"

namespace governor::ledger {

/** A task as stored: its row and its steps, oldest first. */
struct LoadedTask {
  TaskRecord record;
  std::vector<StepRecord> steps;
};

/** The rows a batch of book operations changed, coalesced: each task, spend window and step is
 *  kept once, at its latest value (rows are absolute values, so the last one is the state after
 *  the whole batch), and a reservation both added and removed in the set needs neither write.
 *  Written by Store::write(const WriteSet&) inside the batch's transaction.
 *  @par Thread safety Not thread-safe: owned by the ledger thread. */
class WriteSet {
 public:
  /** Takes one operation's changed rows, after every operation added before it. */
  void add(Effects&& effects);
  bool empty() const;
  /** Forgets every row (keeps the memory for the next batch). */
  void clear();
  /** True when the set holds a row of this task or window that the database does not have yet:
   *  a load of it must see the set written first. */
  bool has_task(const TaskKey& key) const;
  bool has_spend(const SpendKey& key) const;
  /** The record of a task row the set inserts (a task new in this batch), nullptr if none. */
  const TaskRecord* added_task(const TaskKey& key) const;

 private:
  friend class Store;
  /** A row and whether the database has it yet (an INSERT) or already (an UPDATE). */
  template <class Row>
  struct Entry {
    Row row;
    bool added = false;
  };
  /** Keeps `row` once per key, at its latest value; returns where it is in `rows`. */
  template <class Row, class Key, class Hash, class KeyOf>
  static std::size_t upsert(std::vector<Entry<Row>>& rows,
                            std::unordered_multimap<std::size_t, std::size_t>& index, Row&& row,
                            bool added, const Key& key, const Hash& hash, const KeyOf& key_of);
  void add_spend(SpendRow&& row);

  // Rows in the order first seen; the index maps a key's hash to the rows with that hash.
  std::vector<Entry<TaskRow>> tasks_;
  std::unordered_multimap<std::size_t, std::size_t> task_index_;
  std::vector<Entry<SpendRow>> spend_;
  std::unordered_multimap<std::size_t, std::size_t> spend_index_;
  /** For each Scope, where the last spend row of that scope went in spend_ (maybe stale, after
   *  clear(): the key is compared). A batch's settlements mostly count in the same few windows
   *  (a tenant's day and month), so that row is tried before a key is hashed. */
  std::array<std::size_t, 4> recent_spend_{};  // one slot per Scope (task .. tenant_month)
  static_assert(static_cast<std::size_t>(Scope::tenant_month) == 3);
  std::vector<Entry<StepRecord>> steps_;
  std::unordered_map<std::uint64_t, std::size_t> step_index_;
  /** A reservation new in the set; `record` is nullptr once it is removed again in the set. */
  struct Added {
    std::uint64_t id = 0;
    const ReservationRecord* record = nullptr;
  };
  /** In id order, so a removal finds its grant by binary search: a book's ids only grow, so each
   *  grant goes at the end (a hash map here was two allocations per call). */
  std::vector<Added> added_;
  std::vector<std::uint64_t> removed_;
};

/** The ledger's tables in one SQLite database (schema in docs/ledger.md): loads rows into the
 *  book, writes the rows a book operation changed, and reconciles what a crash left behind.
 *  Every failure is logged here (spdlog, with SQLite's message) and returned as errc::internal
 *  or false; nothing throws.
 *  @par Thread safety Not thread-safe: owned by the ledger thread. */
class Store {
 public:
  /** Opens or creates the database at `path` (":memory:" works the same, not durably), in WAL
   *  mode with synchronous=FULL when `fsync_commits` (every commit fsynced), else NORMAL, and
   *  creates the schema. First it takes the database's DatabaseLock (not for ":memory:"): a file
   *  another store holds, in this process or another, is refused before it is touched. The
   *  error names the path and cause. */
  static boost::system::result<std::unique_ptr<Store>, std::string> open(const std::string& path,
                                                                         bool fsync_commits);

  /** Counts every reservation left by a previous run (and not settled) as spent at its reserved
   *  amount (its step becomes "reconciled_after_restart") and deletes every holds row, in one
   *  transaction. Returns how many. */
  Result<std::size_t> reconcile();
  /** One above the largest reservation id ever used, so ids never repeat across restarts. */
  Result<std::uint64_t> next_reservation_id();

  Result<std::optional<LoadedTask>> load_task(const TaskKey& key);
  /** Spent in a window; zero for a window never written. */
  Result<MicroUsd> load_spend(const SpendKey& key);
  /** The live reservations, by id: those in `holds` rows whose settlement was not stored, and
   *  any version-3 `reservations` rows. Also rereads which row holds each (call it after a
   *  rollback, before the next write). */
  Result<std::vector<ReservationRecord>> load_reservations();

  bool begin();
  bool commit();
  void rollback();
  /** Between transactions, on the ledger thread: keeps the write-ahead log short (see
   *  WalCheckpoints; without it, SQLite checkpoints inline in commit()). */
  void maintain();
  /** Checkpoints of the log completed since open (0 when SQLite checkpoints inline). Safe to
   *  call from any thread. */
  std::uint64_t checkpoints() const;
  /** Writes one operation's rows (inside the transaction begun by begin()). */
  bool write(const Effects& effects);
  /** Writes a batch's coalesced rows (inside the transaction begun by begin()). */
  bool write(const WriteSet& writes);

 private:
  Store(DatabaseLock lock, sqlite::Database db) : lock_(std::move(lock)), db_(std::move(db)) {}
  bool prepare_all();
  bool fail(std::string_view what);
  bool write_task(const TaskRow& row);
  bool write_spend(const SpendRow& row);
  bool write_step(const StepRecord& step);
  /** UPDATEs of rows the database has: cheaper than an upsert (no index entry is rewritten). */
  bool update_task(const TaskRow& row);
  bool update_step(const StepRecord& step);
  bool delete_reservation(std::uint64_t id);
  /** Stores a batch's new reservations as one `holds` row (nothing when there are none). */
  bool write_holds(const std::vector<const ReservationRecord*>& reservations);
  /** A settled reservation: its `holds` row is deleted with the last of its batch to settle (a
   *  version-3 `reservations` row at once). */
  bool release_hold(std::uint64_t id);
  /** True when the settlement of a reservation still in a `holds` row was stored. */
  Result<bool> settled(const ReservationRecord& r);
  Result<std::vector<ReservationRecord>> load_version_three_reservations();
  /** Records in meta that ids up to `id` are taken. A one-step task's step id is kept only in
   *  its task row, where next_reservation_id() cannot find it; commit() calls this once for the
   *  transaction's largest such id. */
  bool write_last_id(std::uint64_t id);
  /** A one-step task of one step (fits_call_row): its call goes into the transaction's
   *  `call_batches` rows, written by commit() (or by a read that must see it). */
  bool write_call(const TaskRow& row);
  /** Writes the calls write_call() took since the last time as `call_batches` rows: one row per
   *  transaction (more when their ids span kCallBatchSpan or more), not one per call. A row per
   *  call was about 6k instructions, the largest item of the ledger thread. */
  bool write_pending_calls();
  /** Where a call is in `call_batches`: the row, and its place in that row's calls. */
  struct BatchedCall {
    std::int64_t batch = 0;
    std::size_t index = 0;
  };
  /** Finds call `id` in the newest `call_batches` row that has it; `blob` gets that row's bytes
   *  and `calls` its calls (views into `blob`). Writes pending calls first. */
  Result<std::optional<BatchedCall>> find_batched_call(std::uint64_t id, std::string& blob,
                                                       std::vector<CallEntry>& calls);
  /** Removes call `id` wherever it is stored (a version-4 `calls` row, or its batch's row,
   *  which is rewritten without it). */
  bool delete_call(std::uint64_t id);
  /** When `r` is the escalated step of a one-step task whose first step is a stored call (both
   *  were cut short and the first was reconciled just before), moves that task to a `tasks`
   *  row and its first step to a `steps` row, where the second step joins them. */
  bool move_call_to_task_rows(const ReservationRecord& r);
  /** The one-step task of stored call `id`, if it is there and `key`'s tenant's. */
  Result<std::optional<LoadedTask>> load_call(const TaskKey& key, std::uint64_t id);

  DatabaseLock lock_;  ///< before db_: released only once the database is closed
  sqlite::Database db_;
  std::unique_ptr<WalCheckpoints> checkpoints_;  ///< after db_: removes its hook before db_ closes
  // The live reservations' `holds` rows, and how many live reservations each row still has.
  // Changed by writes; after a rollback, load_reservations() (the book's rebuild) reads them again.
  std::unordered_map<std::uint64_t, std::uint64_t> hold_row_;
  std::unordered_map<std::uint64_t, std::uint32_t> live_in_row_;
  std::uint64_t largest_held_id_ = 0;  ///< the largest reservation id load_reservations() read
  std::vector<const ReservationRecord*> batch_holds_;  ///< write()'s list, kept for its memory
  std::string hold_bytes_;                             ///< write_holds()' buffer, likewise
  std::string call_bytes_;                             ///< a `call_batches` row's buffer, likewise
  /** A call write_call() took, not yet in a row: its tenant, record and decision, one after the
   *  other, from `at` in pending_bytes_. */
  struct PendingCall {
    std::uint64_t id = 0;
    std::size_t at = 0;
    std::size_t tenant = 0;
    std::size_t record = 0;
    std::size_t decision = 0;
  };
  std::vector<PendingCall> pending_calls_;
  std::string pending_bytes_;
  std::vector<CallEntry> batch_calls_;  ///< write_pending_calls()' list, kept for its memory
  std::uint64_t unindexed_id_ = 0;      ///< largest step id written in a task row, this transaction
  std::uint64_t recorded_id_ = 0;       ///< ids up to this are marked taken in meta (committed)
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;
  sqlite::Statement upsert_task_;
  sqlite::Statement insert_call_batch_;
  sqlite::Statement select_call_batches_;
  sqlite::Statement update_call_batch_;
  sqlite::Statement delete_call_batch_;
  sqlite::Statement upsert_spend_;
  sqlite::Statement update_spend_;
  sqlite::Statement add_spend_;
  sqlite::Statement upsert_step_;
  sqlite::Statement update_task_;
  sqlite::Statement update_step_;
  sqlite::Statement delete_reservation_;
  sqlite::Statement insert_holds_;
  sqlite::Statement delete_holds_;
  sqlite::Statement select_holds_;
  sqlite::Statement select_settled_;
  sqlite::Statement upsert_next_id_;
  sqlite::Statement select_task_;
  sqlite::Statement select_call_;
  sqlite::Statement delete_call_;
  sqlite::Statement select_steps_;
  sqlite::Statement select_spend_;
  sqlite::Statement select_reservations_;
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace governor::ledger
