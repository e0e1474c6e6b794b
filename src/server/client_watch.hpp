#pragma once

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "governor/upstream/worker_timer.hpp"

namespace governor::server {

namespace net = boost::asio;

class ClientWatches;

/** Watches a client's socket while its call is served. When the client closes (EOF or reset)
 *  it emits terminal cancellation on the signal the session's coroutine is bound to, which
 *  cancels whatever the call is waiting on, the upstream read included. A readable socket that
 * still holds bytes is a pipelined next request: they are left for the session to read, and the
 * watch ends.
 *
 *  The watch starts only once the call has lasted a whole tick of its worker's ClientWatches
 *  (between one and two ticks): a call that ends sooner never touches the socket. Watching is a
 *  one-byte peek queued on the socket, and right after a request was read Asio performs that
 *  receive at once, a `recvfrom` that finds nothing (EAGAIN): one system call of a proxied call's
 *  five, about 5% of its CPU. A model call worth cancelling lasts seconds, so leaving a client
 *  that has gone unnoticed for a tick or two costs nothing that matters.
 *
 *  A plain receive with a callback, not a coroutine raced against the call: the `awaitable ||`
 *  it replaces spawned two coroutine threads and a parallel group per call, about 10% of a
 *  proxied call's CPU. Stops (cancels the receive, if it started) when destroyed.
 *  @par Thread safety Only on the worker's thread, as the socket. */
class ClientWatch {
 public:
  /** Watches `socket` from the next tick but one of `watches`; `client_left` is emitted on when
   *  the client leaves (it must outlive the watch's pending handler: the session's signal does).
   */
  ClientWatch(ClientWatches& watches, net::ip::tcp::socket& socket,
              net::cancellation_signal& client_left);
  ~ClientWatch();
  ClientWatch(const ClientWatch&) = delete;
  ClientWatch& operator=(const ClientWatch&) = delete;

  /** Whether the client was seen to leave. */
  bool gone() const;
  /** Whether the receive was started (the call lasted long enough). */
  bool started() const { return state_ != nullptr; }

 private:
  friend class ClientWatches;
  struct State;
  void start();

  ClientWatches& watches_;
  net::ip::tcp::socket& socket_;
  net::cancellation_signal& client_left_;
  std::uint64_t added_at_tick_ = 0;
  // Links in the watches' list of those not started yet (oldest first).
  ClientWatch* prev_ = nullptr;
  ClientWatch* next_ = nullptr;
  bool waiting_ = false;
  std::shared_ptr<State> state_;  // once started; shared with the pending receive's handler
};

/** A worker's calls in flight that are not watched yet, and the tick that starts the watches of
 *  those that have lasted a whole tick. The timer runs only while some call waits for it.
 *  @par Thread safety Only on the worker's thread. */
class ClientWatches {
 public:
  static constexpr std::chrono::milliseconds kDefaultTick{50};

  /** `io` is only kept here: the timer is made at the first watch (a worker constructs this before
   *  its io_context, which then outlives the calls' frames). */
  explicit ClientWatches(net::io_context& io,
                         std::chrono::steady_clock::duration tick = kDefaultTick);
  ClientWatches(const ClientWatches&) = delete;
  ClientWatches& operator=(const ClientWatches&) = delete;

  /** Starts the watches that were added before the previous tick; what the timer runs. */
  void tick();
  /** Stops the timer; watches added later wait for a tick that never comes. For a worker whose
   *  loop has stopped, before its io_context goes (a call's frame, destroyed with it, may still
   *  hold a watch, so the list outlives the timer). */
  void stop_timer();

  std::size_t waiting() const { return waiting_; }
  std::uint64_t started() const { return started_; }  ///< watches started since construction

 private:
  friend class ClientWatch;
  void add(ClientWatch& watch);
  void remove(ClientWatch& watch);
  void schedule();

  std::chrono::steady_clock::duration tick_;
  upstream::WorkerTimer timer_;
  bool timer_running_ = false;
  std::uint64_t ticks_ = 0;
  ClientWatch* oldest_ = nullptr;
  ClientWatch* newest_ = nullptr;
  std::size_t waiting_ = 0;
  std::uint64_t started_ = 0;
};

}  // namespace governor::server
