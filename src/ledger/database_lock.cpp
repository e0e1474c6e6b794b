#include "database_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace governor::ledger {
namespace {

/** The pid the holder wrote into the lock file, as text; empty when there is none yet. */
std::string holder_pid(int fd) {
  std::array<char, 32> text{};
  const ssize_t n = ::pread(fd, text.data(), text.size() - 1, 0);
  if (n <= 0) {
    return {};
  }
  std::string_view pid{text.data(), static_cast<std::size_t>(n)};
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) {
    pid.remove_suffix(1);
  }
  return pid.find_first_not_of("0123456789") == std::string_view::npos ? std::string{pid}
                                                                       : std::string{};
}

/** Clears the pid (so a later holder that writes none is not named after this process), then
 *  closes the file, which releases the flock. */
void release(int fd) {
  [[maybe_unused]] const int cleared = ::ftruncate(fd, 0);
  ::close(fd);
}

}  // namespace

boost::system::result<DatabaseLock, std::string> DatabaseLock::acquire(
    const std::string& database_path) {
  const std::string path = database_path + "-lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "cannot open the ledger's lock file " + path + ": " + std::strerror(errno);
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string pid = error == EWOULDBLOCK ? holder_pid(fd) : std::string{};
    ::close(fd);  // not release(): the pid in the file is the holder's
    if (error != EWOULDBLOCK) {
      return "cannot lock " + path + ": " + std::strerror(error);
    }
    return "ledger database " + database_path + " is in use by another Governor process" +
           (pid.empty() ? std::string{} : " (pid " + pid + ")") +
           ": each Governor needs a ledger.data_dir of its own (lock file " + path + ")";
  }
  DatabaseLock lock{fd};
  // Best effort: the pid only makes the message above more useful.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return lock;
}

DatabaseLock::DatabaseLock(DatabaseLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DatabaseLock& DatabaseLock::operator=(DatabaseLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      release(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) {
    release(fd_);
  }
}

}  // namespace governor::ledger
