// One Governor per ledger database: a second Store on a file another one holds is refused before
// it touches the database, whether the holder is this process or another (named by its pid), and
// a holder killed with SIGKILL leaves no stale lock behind.
#include "database_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "ledger_test_support.hpp"
#include "store.hpp"

namespace governor::ledger::testing {
namespace {

/** A child process holding the lock of `database` (through DatabaseLock, as a Governor would)
 *  until it is killed. */
class OtherProcessHolding {
 public:
  explicit OtherProcessHolding(const std::string& database) {
    int ready[2];
    if (::pipe(ready) != 0) {
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      auto lock = DatabaseLock::acquire(database);
      const char held = lock ? 'y' : 'n';
      [[maybe_unused]] const ssize_t told = ::write(ready[1], &held, 1);
      for (;;) {
        ::pause();  // until SIGKILL
      }
    }
    ::close(ready[1]);
    char held = 0;
    started_ = pid_ > 0;
    holding_ = started_ && ::read(ready[0], &held, 1) == 1 && held == 'y';
    ::close(ready[0]);
  }
  ~OtherProcessHolding() { kill_now(); }
  OtherProcessHolding(const OtherProcessHolding&) = delete;
  OtherProcessHolding& operator=(const OtherProcessHolding&) = delete;

  bool holding() const { return holding_; }
  pid_t pid() const { return pid_; }
  /** SIGKILL, then reaps it: its lock is gone once this returns. */
  void kill_now() {
    if (started_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      started_ = false;
    }
  }

 private:
  pid_t pid_ = -1;
  bool started_ = false;
  bool holding_ = false;
};

TEST(DatabaseLock, ASecondStoreOnTheSameFileIsRefusedAndNamesTheHolder) {
  TempDir dir;
  const std::string path = dir.file("ledger.sqlite3");
  auto first = Store::open(path, false);
  ASSERT_TRUE(first) << first.error();

  auto second = Store::open(path, false);
  ASSERT_FALSE(second);
  const std::string& message = second.error();
  EXPECT_NE(message.find("ledger database " + path + " is in use by another Governor process"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << message;
  EXPECT_NE(message.find("ledger.data_dir"), std::string::npos) << message;

  // The refused open changed nothing: the first store still writes, and once it is closed the
  // file opens again.
  ASSERT_TRUE((*first)->begin() && (*first)->commit());
  first->reset();
  auto third = Store::open(path, false);
  EXPECT_TRUE(third) << third.error();
}

TEST(DatabaseLock, AnotherProcessHoldingItBlocksTheOpenUntilItIsKilled) {
  TempDir dir;
  const std::string path = dir.file("ledger.sqlite3");
  OtherProcessHolding other{path};
  ASSERT_TRUE(other.holding());

  auto refused = Store::open(path, false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("is in use by another Governor process (pid " +
                                 std::to_string(other.pid()) + ")"),
            std::string::npos)
      << refused.error();

  other.kill_now();  // kill -9: the kernel drops its lock
  auto opened = Store::open(path, false);
  EXPECT_TRUE(opened) << opened.error();
}

TEST(DatabaseLock, InMemoryDatabasesNeedNoLock) {
  auto a = Store::open(":memory:", false);
  auto b = Store::open(":memory:", false);
  EXPECT_TRUE(a) << a.error();
  EXPECT_TRUE(b) << b.error();
}

TEST(DatabaseLock, AnUnwritableDirectoryIsAClearError) {
  const auto lock = DatabaseLock::acquire("/nonexistent-governor-dir/ledger.sqlite3");
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().find("cannot open the ledger's lock file "
                              "/nonexistent-governor-dir/ledger.sqlite3-lock"),
            std::string::npos)
      << lock.error();
}

}  // namespace
}  // namespace governor::ledger::testing
