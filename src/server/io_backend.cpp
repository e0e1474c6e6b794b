#include "governor/server/io_backend.hpp"

#include <boost/asio/detail/config.hpp>

#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#include <liburing.h>

#include <cerrno>
#include <cstring>

/** Asio's io_uring_service makes each io_context's ring with io_uring_queue_init(16384, ring, 0)
 *  and has no way to pass setup flags. This definition, linked into the executable with the
 *  server, is found before liburing's, and asks for two:
 *  - IORING_SETUP_COOP_TASKRUN: a receive that became ready is completed when the worker next
 *    enters the kernel, instead of the kernel interrupting the running worker (an inter-processor
 *    interrupt, costly in a VM) to do it at once. With the ledger on, the worker is interrupted
 *    about once a call without it (docs/performance.md, "io_uring").
 *  - IORING_SETUP_TASKRUN_FLAG: the ring then flags that such work is waiting, and liburing's
 *    non-blocking peek (Asio's poll between handlers) enters the kernel to run it.
 *  Kernels before 5.19 refuse them (EINVAL): the ring is then made as liburing would. */
extern "C" int io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags) {
  io_uring_params params{};
  params.flags = flags | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  const int result = ::io_uring_queue_init_params(entries, ring, &params);
  if (result != -EINVAL) {
    return result;
  }
  params = io_uring_params{};
  params.flags = flags;
  return ::io_uring_queue_init_params(entries, ring, &params);
}
#endif

namespace governor::server {

#if defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)

std::string_view io_backend_name() {
  return "io_uring";
}

std::optional<std::string> io_backend_problem() {
  io_uring ring{};
  const int result = ::io_uring_queue_init(2, &ring, 0);
  if (result == 0) {
    ::io_uring_queue_exit(&ring);
    return std::nullopt;
  }
  return std::string("this build runs on io_uring, which the kernel refused (io_uring_setup: ") +
         std::strerror(-result) +
         "). It needs Linux 5.10 or later with io_uring allowed: kernel.io_uring_disabled = 0 "
         "and, in a container, a seccomp profile that permits io_uring_setup, io_uring_enter "
         "and io_uring_register (Docker's default does not). Or build for epoll with "
         "-DGOVERNOR_IO_URING=OFF.";
}

#else

std::string_view io_backend_name() {
  return "epoll";
}

std::optional<std::string> io_backend_problem() {
  return std::nullopt;
}

#endif

}  // namespace governor::server
