#include "wal_checkpoints.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <utility>

namespace governor::ledger {

std::unique_ptr<WalCheckpoints> WalCheckpoints::start(sqlite3* writer, const std::string& path,
                                                      int pass_frames) {
  sqlite::Database connection{path};
  if (!connection.is_open()) {
    spdlog::warn("ledger checkpoints inline: cannot open a second connection to {}: {}", path,
                 connection.error());
    return nullptr;
  }
  // Only a WAL database has a log to checkpoint (":memory:", which opens a private database
  // here, and a file that could not switch to WAL have none). synchronous=NORMAL: the pass fsyncs
  // the log before it copies and the database file after, as the writer's own checkpoint would.
  auto mode = connection.prepare("PRAGMA journal_mode");
  if (!mode.valid() || mode.step() != sqlite::Statement::Step::row || mode.text(0) != "wal" ||
      !connection.exec("PRAGMA synchronous=NORMAL")) {
    return nullptr;
  }
  // Finalized here, on this thread: once the connection is its thread's, nothing else may touch
  // it (and an unfinalized statement would keep a read open).
  mode = sqlite::Statement{};
  return std::unique_ptr<WalCheckpoints>(
      new WalCheckpoints(writer, std::move(connection), pass_frames));
}

WalCheckpoints::WalCheckpoints(sqlite3* writer, sqlite::Database connection, int pass_frames)
    : writer_(writer),
      pass_frames_(pass_frames),
      next_pass_at_(pass_frames),
      connection_(std::move(connection)) {
  // Replaces the writer's automatic checkpoint (sqlite3_wal_autocheckpoint is this same hook).
  sqlite3_wal_hook(writer_, &WalCheckpoints::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

WalCheckpoints::~WalCheckpoints() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int WalCheckpoints::on_commit(void* self, sqlite3*, const char*, int log_frames) {
  auto& c = *static_cast<WalCheckpoints*>(self);
  if (log_frames < c.log_frames_) {
    c.next_pass_at_ = c.pass_frames_;  // the log started again from its beginning
  }
  c.log_frames_ = log_frames;
  return SQLITE_OK;
}

void WalCheckpoints::maintain() {
  if (pass_running_) {
    if (!pass_done_.load(std::memory_order_acquire)) {
      return;
    }
    pass_done_.store(false, std::memory_order_relaxed);
    pass_running_ = false;
    // The frames the pass could not see, copied here between two transactions: with this the
    // whole log is in the database file, and the next transaction starts it again (unless a
    // reader still uses it; the next pass then waits for another pass_frames_ pages).
    int log = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(writer_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("ledger checkpoint failed: {}", sqlite3_errmsg(writer_));
    }
    next_pass_at_ = log_frames_ + pass_frames_;
    completions_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (log_frames_ >= next_pass_at_) {
    pass_running_ = true;
    {
      const std::lock_guard lock(mutex_);
      requested_ = true;
    }
    wake_.notify_one();
  }
}

void WalCheckpoints::run() {
  pthread_setname_np(pthread_self(), "gov-checkpoint");
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return requested_ || stopping_; });
      if (stopping_) {
        return;
      }
      requested_ = false;
    }
    // PASSIVE: copies what no reader still needs, without waiting for the writer or readers.
    int log = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(connection_.handle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("ledger background checkpoint failed: {}", connection_.error());
    }
    passes_.fetch_add(1, std::memory_order_relaxed);
    pass_done_.store(true, std::memory_order_release);
  }
}

}  // namespace governor::ledger
