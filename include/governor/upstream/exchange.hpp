#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "governor/upstream/failure.hpp"

namespace governor::upstream {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

class ConnectionPool;
class UpstreamPools;

/** One upstream response being read: the status line and headers have arrived, the body is
 *  pulled piece by piece (never buffered whole). Owns its connection; when the body was read to
 *  the end on a keep-alive connection, destruction returns the connection to its pool, otherwise
 *  (error, timeout, cancellation, early drop) the connection is closed.
 *  @par Thread safety Bound to the worker that created it. */
class Exchange {
 public:
  Exchange(Exchange&&) noexcept;
  Exchange& operator=(Exchange&&) noexcept;
  ~Exchange();

  unsigned status() const;
  /** The response's Content-Type, Retry-After and Retry-After-Ms headers (the first of each),
   *  "" when absent: the only headers Governor reads of an upstream's response. */
  std::string_view content_type() const;
  std::string_view retry_after() const;
  std::string_view retry_after_ms() const;
  bool body_done() const;

  /** Next piece of the body as it arrives (an empty piece means the body ended). The view is
   *  valid until the next call. Each read is bounded by the idle timeout and the deadline. */
  net::awaitable<boost::system::result<std::string_view, Failure>> read_some();
  /** The rest of the body, failing (protocol) when it exceeds `limit` bytes. */
  net::awaitable<boost::system::result<std::string, Failure>> read_all(std::size_t limit);

  /** Whether the connection came from the pool (for metrics and tests). */
  bool reused_connection() const;

 private:
  friend class ConnectionPool;
  friend class UpstreamPools;
  struct Impl;
  explicit Exchange(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace governor::upstream
