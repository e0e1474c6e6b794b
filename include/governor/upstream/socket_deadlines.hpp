#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>

#include "governor/upstream/worker_timer.hpp"

namespace governor::upstream {

namespace net = boost::asio;

/** The deadlines of one worker's sockets (its clients' and its upstream connections), enforced by
 *  one timer that sweeps them, instead of a timer armed and cancelled around every read and
 *  write: Beast's tcp_stream did that, about 4% of a proxied call's instructions and three
 *  extra trips through the scheduler (each cancelled wait still runs its handler).
 *
 *  A socket past its deadline is closed, as tcp_stream closes it: the operation pending on it
 *  completes with an error, and its owner asks Entry::expired() whether that was the deadline.
 *  Setting a deadline is a store, and a timer change only when it is earlier than the sweep
 *  already due. A sweep runs at the earliest deadline, at most `resolution` late, so a deadline
 *  holds to within `resolution`.
 *  @par Thread safety Only on the worker's thread, as its sockets. */
class SocketDeadlines {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDefaultResolution{10};

  /** One socket's deadline; registered for its whole life, none set at first. */
  class Entry {
   public:
    Entry(SocketDeadlines& owner, net::ip::tcp::socket& socket);
    ~Entry();
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;

    /** The socket is closed once `when` has passed, unless another deadline replaces it. */
    void expire_at(Clock::time_point when);
    void expire_never() { deadline_ = Clock::time_point::max(); }
    /** Whether the socket was closed for its deadline (since the last expire_at). */
    bool expired() const { return expired_; }

   private:
    friend class SocketDeadlines;
    SocketDeadlines& owner_;
    net::ip::tcp::socket& socket_;
    Clock::time_point deadline_ = Clock::time_point::max();
    bool expired_ = false;
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
  };

  /** `io` is only kept here: the timer is made at the first deadline (a worker constructs this
   *  before its io_context, which then outlives the calls' frames and their entries). */
  explicit SocketDeadlines(net::io_context& io,
                           std::chrono::steady_clock::duration resolution = kDefaultResolution);
  SocketDeadlines(const SocketDeadlines&) = delete;
  SocketDeadlines& operator=(const SocketDeadlines&) = delete;

  /** Closes the sockets whose deadline is at or before `now`; what the timer runs. */
  void sweep(Clock::time_point now);
  /** Stops the timer, for a worker whose loop has stopped, before its io_context goes. */
  void stop_timer();

  std::size_t entries() const { return entries_; }
  std::uint64_t expired() const { return expired_; }  ///< sockets closed for their deadline
  std::uint64_t sweeps() const { return sweeps_; }

 private:
  void wake_by(Clock::time_point when);

  std::chrono::steady_clock::duration resolution_;
  WorkerTimer timer_;
  Clock::time_point wake_at_ = Clock::time_point::max();  // the sweep due; max: none
  Entry* first_ = nullptr;
  std::size_t entries_ = 0;
  std::uint64_t expired_ = 0;
  std::uint64_t sweeps_ = 0;
};

}  // namespace governor::upstream
