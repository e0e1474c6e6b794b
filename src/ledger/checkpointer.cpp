#include "checkpointer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace governor::ledger {

std::unique_ptr<Checkpointer> Checkpointer::start(const std::string& path, bool fsync_commits) {
  sqlite::Database db{path};
  if (!db.is_open() ||
      !db.exec(fsync_commits ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") ||
      !db.exec("PRAGMA busy_timeout=5000")) {
    spdlog::warn(
        "ledger checkpoint_connection_failed path={} error=\"{}\": checkpoints stay on "
        "the ledger thread",
        path, db.error());
    return nullptr;
  }
  std::unique_ptr<Checkpointer> c{new Checkpointer(std::move(db))};
  c->thread_ = std::thread([raw = c.get()] { raw->run(); });
  return c;
}

Checkpointer::~Checkpointer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::function<void(int)>* Checkpointer::hook(sqlite::Database& ledger_db) {
  hook_ = [this, &ledger_db](int pages) {
    if (pages >= kInlinePages) {
      int left = 0;
      ledger_db.checkpoint_passive(&left);  // fallen far behind: as SQLite would, inline
      return;
    }
    if (pages >= kCheckpointPages) {
      {
        const std::lock_guard lock(mutex_);
        due_ = true;
      }
      wake_.notify_one();
    }
  };
  return &hook_;
}

void Checkpointer::run() {
  pthread_setname_np(pthread_self(), "gov-checkpoint");
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return due_ || stopping_; });
      if (stopping_) {
        return;
      }
      due_ = false;
    }
    // Frames appended while a checkpoint runs are left for the next; a second pass usually
    // catches up, and a log copied in full lets the next commit start it again from the top.
    for (int pass = 0; pass < 2; ++pass) {
      int left = 0;
      if (!db_.checkpoint_passive(&left)) {
        spdlog::warn("ledger checkpoint_failed error=\"{}\"", db_.error());
        break;
      }
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      if (left == 0) {
        break;
      }
    }
  }
}

}  // namespace governor::ledger
