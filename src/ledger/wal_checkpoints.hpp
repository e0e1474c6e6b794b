#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sqlite_db.hpp"

namespace governor::ledger {

/** Keeps the ledger's write-ahead log short without making the ledger thread wait for a
 *  checkpoint's fsyncs.
 *
 *  SQLite checkpoints a WAL database inline by default: the commit that takes the log past 1000
 *  pages copies them into the database file and fsyncs the log and the file before it returns.
 *  On the project's VM those fsyncs took 3 to 5 ms, and while the ledger thread waited, every
 *  call waited on it, so the worker went idle (about 3.5% of the ledger thread's wall time was in
 *  `fdatasync` at 64 connections).
 *
 *  Here a thread of its own, with its own connection, does the copying and the fsyncs: a PASSIVE
 *  checkpoint, which never blocks the writer. A checkpoint from another connection cannot bring
 *  the log back to its start, though: the writer restarts the log only when every frame in it has
 *  been copied, and under load new frames arrive during every pass. So once a pass has ended,
 *  the writer's own thread, between two transactions, checkpoints the few frames written since
 *  (small fsyncs, a fraction of a millisecond), and its next transaction starts the log again.
 *
 *  @par Thread safety maintain() runs on the writer's thread (the one that commits through
 *  `writer`), between its transactions; the rest is internal. */
class WalCheckpoints {
 public:
  /** Log pages after which a background pass starts: SQLite's own default threshold. */
  static constexpr int kDefaultPassFrames = 1000;

  /** Opens a second connection to `path` and takes over the checkpoints of `writer`, a
   *  connection to the same WAL database (its automatic checkpoint is turned off). When the
   *  connection cannot be opened, returns nullptr and `writer` keeps SQLite's inline
   *  checkpoints. */
  static std::unique_ptr<WalCheckpoints> start(sqlite3* writer, const std::string& path,
                                               int pass_frames = kDefaultPassFrames);
  ~WalCheckpoints();
  WalCheckpoints(const WalCheckpoints&) = delete;
  WalCheckpoints& operator=(const WalCheckpoints&) = delete;

  /** Between the writer's transactions: starts a background pass when the log has grown by
   *  `pass_frames` since the last, and completes a pass that has ended. Cheap when neither. */
  void maintain();

  /** Background passes completed (for tests and telemetry). */
  std::uint64_t passes() const { return passes_.load(std::memory_order_relaxed); }
  /** Times the writer's thread completed a pass (the log then restarts unless a reader still
   *  uses it). */
  std::uint64_t completions() const { return completions_.load(std::memory_order_relaxed); }

 private:
  WalCheckpoints(sqlite3* writer, sqlite::Database connection, int pass_frames);
  /** sqlite3_wal_hook: called in the writer's commit with the pages now in the log. */
  static int on_commit(void* self, sqlite3* db, const char* schema, int log_frames);
  void run();

  sqlite3* writer_;
  const int pass_frames_;
  // The writer's thread only.
  int log_frames_ = 0;    ///< pages in the log after the last commit
  int next_pass_at_ = 0;  ///< log_frames_ that starts the next pass
  bool pass_running_ = false;

  sqlite::Database connection_;  ///< the checkpoint thread's own
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::atomic<bool> pass_done_{false};
  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::uint64_t> completions_{0};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace governor::ledger
