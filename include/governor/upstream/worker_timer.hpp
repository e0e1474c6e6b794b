#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace governor::upstream {

namespace net = boost::asio;

/** A one-shot timer on a worker's loop that its owner can stop for good before the io_context
 *  goes: a handler already queued then does nothing, so it never touches an owner that is gone.
 *  The timer is made at the first schedule, which lets an owner be constructed before the
 *  io_context it names (a worker's per-call registries are, so that they outlive the calls'
 *  frames the io_context destroys).
 *  @par Thread safety Only on the worker's thread. */
class WorkerTimer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit WorkerTimer(net::io_context& io) : io_(io) {}
  ~WorkerTimer() { stop(); }
  WorkerTimer(const WorkerTimer&) = delete;
  WorkerTimer& operator=(const WorkerTimer&) = delete;

  /** Runs `on_due()` once `at` has come, replacing the wait pending (whose handler then does
   *  nothing). Does nothing once stopped. */
  template <class OnDue>
  void schedule(Clock::time_point at, OnDue on_due) {
    if (stopped_) {
      return;
    }
    if (!timer_) {
      timer_.emplace(io_);
    }
    timer_->expires_at(at);
    timer_->async_wait([alive = std::weak_ptr<char>(alive_),
                        on_due = std::move(on_due)](boost::system::error_code ec) mutable {
      if (!ec && !alive.expired()) {
        on_due();
      }
    });
  }
  /** Cancels the wait pending for good, while the io_context still exists. */
  void stop() {
    timer_.reset();
    alive_.reset();
    stopped_ = true;
  }
  bool stopped() const { return stopped_; }

 private:
  net::io_context& io_;
  std::optional<net::steady_timer> timer_;
  std::shared_ptr<char> alive_ = std::make_shared<char>();  // expires when stopped
  bool stopped_ = false;
};

}  // namespace governor::upstream
