#include "governor/server/io_backend.hpp"

#include <gtest/gtest.h>

#include <boost/asio/detail/config.hpp>

#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#include <liburing.h>
#include <sys/utsname.h>

#include <cstdio>
#endif

namespace governor::server {
namespace {

TEST(IoBackend, RunsOnThisMachine) {
  const auto problem = io_backend_problem();
  EXPECT_FALSE(problem.has_value()) << *problem;
}

#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)

TEST(IoBackend, NamesIoUring) {
  EXPECT_EQ(io_backend_name(), "io_uring");
}

/** The kernel's major and minor version, from uname. */
std::pair<int, int> kernel_version() {
  utsname name{};
  int major = 0;
  int minor = 0;
  if (uname(&name) == 0) {
    std::sscanf(name.release, "%d.%d", &major, &minor);  // NOLINT(cert-err34-c)
  }
  return {major, minor};
}

TEST(IoBackend, RingsAreMadeWithCooperativeTaskRunWhereTheKernelHasIt) {
  // Asio calls io_uring_queue_init(entries, ring, 0): the call below resolves to the same
  // definition, which must be Governor's (flags added), not liburing's.
  io_uring ring{};
  ASSERT_EQ(::io_uring_queue_init(4, &ring, 0), 0);
  const unsigned flags = ring.flags;
  ::io_uring_queue_exit(&ring);
  // Before 5.19 the kernel refuses the flags, and the ring is made without them.
  const bool has_flags = kernel_version() >= std::pair{5, 19};
  EXPECT_EQ((flags & IORING_SETUP_COOP_TASKRUN) != 0, has_flags);
  EXPECT_EQ((flags & IORING_SETUP_TASKRUN_FLAG) != 0, has_flags);
}

#else

TEST(IoBackend, NamesEpoll) {
  EXPECT_EQ(io_backend_name(), "epoll");
}

#endif

}  // namespace
}  // namespace governor::server
