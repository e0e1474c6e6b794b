#include "wal_checkpoints.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "ledger_test_support.hpp"
#include "sqlite_db.hpp"

namespace governor::ledger {
namespace {

using testing::TempDir;

constexpr int kPassFrames = 20;

/** A writer as the ledger's: a WAL database with a table to append to. */
struct Writer {
  explicit Writer(const std::string& path) : db(path) {
    ok = db.is_open() && db.exec("PRAGMA journal_mode=WAL") &&
         db.exec("PRAGMA synchronous=NORMAL") &&
         db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)");
  }
  /** One transaction of one row of 2 KiB: a frame or two in the log. */
  bool append() {
    ++rows;
    return db.exec(
        ("INSERT INTO t (id, body) VALUES (" + std::to_string(rows) + ", randomblob(2000))")
            .c_str());
  }
  sqlite::Database db;
  bool ok = false;
  int rows = 0;
};

/** What another connection sees of the log: its frames, by a PASSIVE checkpoint of its own
 *  (which copies nothing new once the log has been checkpointed). */
int log_frames(const std::string& path) {
  sqlite::Database other{path};
  auto checkpoint = other.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  if (!checkpoint.valid() || checkpoint.step() != sqlite::Statement::Step::row) {
    return -1;
  }
  return static_cast<int>(checkpoint.int64(1));
}

/** Appends (with maintain() between transactions, as the ledger thread does) until `done`, or
 *  fails after 20 s. */
template <class Done>
void append_until(Writer& w, WalCheckpoints& checkpoints, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    ASSERT_TRUE(w.append()) << w.db.error();
    checkpoints.maintain();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no checkpoint completed";
  }
}

TEST(WalCheckpoints, AFinishedPassLetsTheNextTransactionStartTheLogAgain) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Writer w{path};
  ASSERT_TRUE(w.ok) << w.db.error();
  auto checkpoints = WalCheckpoints::start(w.db.handle(), path, kPassFrames);
  ASSERT_NE(checkpoints, nullptr);

  append_until(w, *checkpoints, [&] { return checkpoints->completions() == 1; });
  EXPECT_EQ(checkpoints->passes(), 1U);
  // Every frame is in the database file now: this transaction writes from the log's start.
  ASSERT_TRUE(w.append()) << w.db.error();
  const int frames = log_frames(path);
  EXPECT_GE(frames, 1);
  EXPECT_LE(frames, 3) << "the log did not start again";
  EXPECT_GT(w.rows, kPassFrames / 2);  // the log had grown past the threshold first

  // And again: the passes go on as the log grows.
  append_until(w, *checkpoints, [&] { return checkpoints->completions() == 3; });
  checkpoints.reset();
  sqlite::Database reader{path};
  auto count = reader.prepare("SELECT COUNT(*) FROM t");
  ASSERT_EQ(count.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(count.int64(0), w.rows);
}

TEST(WalCheckpoints, AReaderHoldingTheLogDelaysItsRestartButNotTheWriter) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Writer w{path};
  ASSERT_TRUE(w.ok) << w.db.error();
  ASSERT_TRUE(w.append());
  auto checkpoints = WalCheckpoints::start(w.db.handle(), path, kPassFrames);
  ASSERT_NE(checkpoints, nullptr);

  // A reader (an operator's sqlite3 shell, say) in the middle of a read transaction.
  sqlite::Database reader{path};
  ASSERT_TRUE(reader.exec("BEGIN")) << reader.error();
  auto count = reader.prepare("SELECT COUNT(*) FROM t");
  ASSERT_EQ(count.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(count.int64(0), 1);
  count.reset();

  append_until(w, *checkpoints, [&] { return checkpoints->completions() == 2; });
  ASSERT_TRUE(w.append());
  EXPECT_GT(log_frames(path), kPassFrames) << "the log restarted under a reader";
  ASSERT_EQ(count.step(), sqlite::Statement::Step::row);
  EXPECT_EQ(count.int64(0), 1) << "the reader's snapshot moved";
  count = sqlite::Statement{};
  ASSERT_TRUE(reader.exec("COMMIT")) << reader.error();

  // With the reader gone, the next completed pass lets the log start again.
  const auto completed = checkpoints->completions();
  append_until(w, *checkpoints, [&] { return checkpoints->completions() == completed + 1; });
  ASSERT_TRUE(w.append());
  EXPECT_LE(log_frames(path), 3);
}

TEST(WalCheckpoints, ADatabaseWithoutALogHasNone) {
  sqlite::Database memory{":memory:"};
  ASSERT_TRUE(memory.is_open());
  EXPECT_EQ(WalCheckpoints::start(memory.handle(), ":memory:"), nullptr);

  TempDir dir;
  const std::string path = dir.file("rollback.db");
  sqlite::Database rollback{path};
  ASSERT_TRUE(rollback.exec("CREATE TABLE t (x)")) << rollback.error();
  EXPECT_EQ(WalCheckpoints::start(rollback.handle(), path), nullptr);
}

}  // namespace
}  // namespace governor::ledger
