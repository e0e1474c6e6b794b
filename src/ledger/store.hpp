#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "governor/core/error.hpp"
#include "records.hpp"
#include "sqlite_db.hpp"

namespace governor::ledger {

/** A task as stored: its row and its steps, oldest first. */
struct LoadedTask {
  TaskRecord record;
  std::vector<StepRecord> steps;
};

/** The ledger's tables in one SQLite database (schema in docs/ledger.md): loads rows into the
 *  book, writes the rows a book operation changed, and reconciles what a crash left behind.
 *  Every failure is logged here (spdlog, with SQLite's message) and returned as errc::internal
 *  or false; nothing throws.
 *  @par Thread safety Not thread-safe: owned by the ledger thread. */
class Store {
 public:
  /** Opens or creates the database at `path` (":memory:" works the same, not durably), in WAL
   *  mode with synchronous=FULL, and creates the schema. The error names the path and cause. */
  /** @param fsync_commits synchronous=FULL (every commit fsynced) rather than NORMAL */
  static boost::system::result<std::unique_ptr<Store>, std::string> open(const std::string& path,
                                                                         bool fsync_commits);

  /** Counts every reservation left by a previous run as spent at its reserved amount (its step
   *  becomes "reconciled_after_restart") and deletes it, in one transaction. Returns how many. */
  Result<std::size_t> reconcile();
  /** One above the largest reservation id ever used, so ids never repeat across restarts. */
  Result<std::uint64_t> next_reservation_id();

  Result<std::optional<LoadedTask>> load_task(const TaskKey& key);
  /** Spent in a window; zero for a window never written. */
  Result<MicroUsd> load_spend(const SpendKey& key);
  Result<std::vector<ReservationRecord>> load_reservations();

  bool begin();
  bool commit();
  void rollback();
  /** Writes one operation's rows (inside the transaction begun by begin()). */
  bool write(const Effects& effects);

 private:
  explicit Store(sqlite::Database db) : db_(std::move(db)) {}
  bool prepare_all();
  bool fail(std::string_view what);
  bool write_task(const TaskRow& row);
  bool write_spend(const SpendRow& row);
  bool write_step(const StepRecord& step);
  bool write_reservation(const ReservationRecord& r);
  bool delete_reservation(std::uint64_t id);

  sqlite::Database db_;
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;
  sqlite::Statement upsert_task_;
  sqlite::Statement upsert_spend_;
  sqlite::Statement add_spend_;
  sqlite::Statement upsert_step_;
  sqlite::Statement insert_reservation_;
  sqlite::Statement delete_reservation_;
  sqlite::Statement select_task_;
  sqlite::Statement select_steps_;
  sqlite::Statement select_spend_;
  sqlite::Statement select_reservations_;
};

using StorePtr = std::unique_ptr<Store>;

}  // namespace governor::ledger
