#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite_db.hpp"

namespace governor::ledger {

/** Copies the ledger's write-ahead log back into its database file on a thread and connection of
 *  its own. SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so
 *  the ledger thread, and every call waiting on that batch, sat through the checkpoint's writes
 *  and fsyncs (the budgets row of the proxy benchmark had a p99 of 14-20 ms from them). A PASSIVE
 *  checkpoint from another connection runs beside the ledger's commits instead.
 *
 *  The ledger's connection reports the log's size after each commit (`hook()`, installed with
 *  Database::on_wal_commit). From kCheckpointPages pages on, this thread is woken. Should it fall
 *  behind until the log holds kInlinePages, the commit checkpoints inline as SQLite would, so the
 *  log stays bounded whatever happens.
 *  @par Thread safety hook() runs on the ledger thread; checkpoints() from any thread. */
class Checkpointer {
 public:
  static constexpr int kCheckpointPages = 1000;  ///< SQLite's own default threshold
  static constexpr int kInlinePages = 16000;     ///< about 64 MB of log

  /** Opens a second connection to `path` with the ledger's synchronous setting and starts the
   *  thread. Null when the connection cannot be opened (the caller keeps SQLite's automatic
   *  checkpoint). */
  static std::unique_ptr<Checkpointer> start(const std::string& path, bool fsync_commits);
  /** Stops the thread (a checkpoint under way finishes first). */
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /** For Database::on_wal_commit on the ledger's connection, which `ledger_db` is. */
  std::function<void(int)>* hook(sqlite::Database& ledger_db);
  /** Checkpoints run by this thread so far. */
  std::uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

 private:
  explicit Checkpointer(sqlite::Database db) : db_(std::move(db)) {}
  void run();

  sqlite::Database db_;  ///< this thread's connection
  std::function<void(int)> hook_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;       // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<std::uint64_t> checkpoints_{0};
  std::thread thread_;
};

}  // namespace governor::ledger
