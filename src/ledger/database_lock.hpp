#pragma once

#include <boost/system/result.hpp>
#include <string>

namespace governor::ledger {

/** One Governor process per ledger database. Each process keeps the budgets it serves in its own
 *  book and, when it opens the database, counts every reservation it finds there as spent (they
 *  are what a crash left behind). A second process on the same file would reconcile the first
 *  one's live reservations away and spend from a book the first one never sees: budgets would
 *  stop holding. The lock is an flock(2) on `<database>-lock`, taken before the database is
 *  opened and held for the life of this object; the kernel drops it with the process, so a
 *  kill -9 never leaves a stale lock. It locks nothing inside SQLite: a backup tool or the sqlite3
 *  shell can still read the database while Governor runs.
 *  @par Thread safety Not thread-safe; one owner (the Store). */
class DatabaseLock {
 public:
  /** Takes the lock of the database at `database_path`, or says which process holds it. The
   *  lock file records the holder's pid, for that message. */
  static boost::system::result<DatabaseLock, std::string> acquire(const std::string& database_path);

  DatabaseLock() = default;  ///< holds nothing (an in-memory database needs no lock)
  DatabaseLock(DatabaseLock&& other) noexcept;
  DatabaseLock& operator=(DatabaseLock&& other) noexcept;
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;
  ~DatabaseLock();

  bool held() const { return fd_ >= 0; }

 private:
  explicit DatabaseLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace governor::ledger
