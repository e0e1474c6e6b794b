#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace governor::server {

/** The kernel interface this build's Asio waits on: "epoll" (the default) or "io_uring"
 *  (-DGOVERNOR_IO_URING=ON). Fixed at build time, for every io_context in the process. */
std::string_view io_backend_name();

/** Why this build's I/O backend cannot run here, or nullopt when it can. An io_uring build on a
 *  kernel that refuses io_uring (older than 5.10, `kernel.io_uring_disabled`, or a seccomp
 *  profile such as Docker's default) says so and how to proceed, instead of failing in the
 *  first io_context's constructor. */
std::optional<std::string> io_backend_problem();

}  // namespace governor::server
