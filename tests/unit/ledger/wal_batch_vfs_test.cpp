#include "wal_batch_vfs.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "ledger_test_support.hpp"
#include "sqlite_db.hpp"

namespace governor::ledger::sqlite {
namespace {

using testing::TempDir;

/** What another process would see: a connection through SQLite's default VFS, so nothing of
 *  the batching VFS is involved in reading. */
class PlainReader {
 public:
  explicit PlainReader(const std::string& path) {
    sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr);
  }
  ~PlainReader() { sqlite3_close_v2(db_); }
  PlainReader(const PlainReader&) = delete;
  PlainReader& operator=(const PlainReader&) = delete;

  /** The first column of the first row of `query`, as text ("" on error). */
  std::string value(const char* query) const {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, query, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(stmt, 0);
      out = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

/** One transaction of `rows` rows of 300 bytes, updating every row it inserted a second time
 *  (so that, with a small cache, pages spilled to the log are written again in place). */
bool write_rows(Database& db, int rows) {
  const std::string sql =
      "BEGIN IMMEDIATE;"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
      std::to_string(rows) +
      ") INSERT INTO t (id, body) SELECT i, randomblob(300) FROM n;"
      "UPDATE t SET body = randomblob(300);"
      "COMMIT;";
  return db.exec(sql.c_str());
}

bool open_table(Database& db) {
  return db.exec("PRAGMA journal_mode=WAL") && db.exec("PRAGMA synchronous=NORMAL") &&
         db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)");
}

TEST(WalBatchVfs, IsRegisteredAndUsedByTheLedgersConnections) {
  ASSERT_NE(wal_batch_vfs(), nullptr);
  EXPECT_NE(sqlite3_vfs_find(wal_batch_vfs()), nullptr);
  EXPECT_NE(sqlite3_vfs_find(nullptr), sqlite3_vfs_find(wal_batch_vfs())) << "not the default";
}

TEST(WalBatchVfs, ACommitIsInTheFileWhenItReturns) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Database db{path};
  ASSERT_TRUE(db.is_open()) << db.error();
  ASSERT_TRUE(open_table(db)) << db.error();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(
        db.exec(("INSERT INTO t (id, body) VALUES (" + std::to_string(i) + ", 'x')").c_str()));
    // The writer is still open: the reader finds the frames in the log file itself.
    PlainReader reader{path};
    EXPECT_EQ(reader.value("SELECT COUNT(*) FROM t"), std::to_string(i));
  }
}

TEST(WalBatchVfs, ATransactionThatSpillsAndRewritesFramesCommitsWhole) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  Database db{path};
  ASSERT_TRUE(db.is_open()) << db.error();
  ASSERT_TRUE(open_table(db)) << db.error();
  ASSERT_TRUE(db.exec("PRAGMA cache_size=4")) << db.error();  // spill early and often
  ASSERT_TRUE(write_rows(db, 3000)) << db.error();
  PlainReader reader{path};
  EXPECT_EQ(reader.value("SELECT COUNT(*) FROM t"), "3000");
  EXPECT_EQ(reader.value("PRAGMA integrity_check"), "ok");
}

TEST(WalBatchVfs, CommitsSurviveSigkillAndRecoverWithTheDefaultVfs) {
  TempDir dir;
  const std::string path = dir.file("t.db");
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    Database db{path};
    if (!db.is_open() || !open_table(db) || !db.exec("PRAGMA cache_size=4") ||
        !write_rows(db, 2000) || !db.exec("INSERT INTO t (id, body) VALUES (5000, 'last')")) {
      _exit(2);
    }
    raise(SIGKILL);  // no close, no checkpoint: everything is in the log
    _exit(3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  PlainReader reader{path};
  EXPECT_EQ(reader.value("SELECT COUNT(*) FROM t"), "2001");
  EXPECT_EQ(reader.value("SELECT body FROM t WHERE id = 5000"), "last");
  EXPECT_EQ(reader.value("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace governor::ledger::sqlite
