#include "governor/upstream/socket_deadlines.hpp"

#include <algorithm>

namespace governor::upstream {

SocketDeadlines::Entry::Entry(SocketDeadlines& owner, net::ip::tcp::socket& socket)
    : owner_(owner), socket_(socket), next_(owner.first_) {
  if (next_ != nullptr) {
    next_->prev_ = this;
  }
  owner_.first_ = this;
  ++owner_.entries_;
}

SocketDeadlines::Entry::~Entry() {
  (prev_ != nullptr ? prev_->next_ : owner_.first_) = next_;
  if (next_ != nullptr) {
    next_->prev_ = prev_;
  }
  --owner_.entries_;
}

void SocketDeadlines::Entry::expire_at(Clock::time_point when) {
  deadline_ = when;
  expired_ = false;
  if (when < owner_.wake_at_) {
    owner_.wake_by(when);
  }
}

SocketDeadlines::SocketDeadlines(net::io_context& io,
                                 std::chrono::steady_clock::duration resolution)
    : resolution_(resolution), timer_(io) {}

void SocketDeadlines::stop_timer() {
  timer_.stop();
  wake_at_ = Clock::time_point::min();  // no entry asks for a wake-up again
}

void SocketDeadlines::sweep(Clock::time_point now) {
  ++sweeps_;
  Clock::time_point next = Clock::time_point::max();
  for (Entry* e = first_; e != nullptr; e = e->next_) {
    if (e->deadline_ <= now) {
      e->deadline_ = Clock::time_point::max();
      e->expired_ = true;
      ++expired_;
      boost::system::error_code ignored;
      e->socket_.close(ignored);  // what is pending on it completes with an error
    } else {
      next = std::min(next, e->deadline_);
    }
  }
  if (next != Clock::time_point::max()) {
    wake_by(next);
  }
}

void SocketDeadlines::wake_by(Clock::time_point when) {
  if (timer_.stopped()) {
    return;
  }
  // Not sooner than a resolution from now: a burst of near deadlines shares one sweep.
  wake_at_ = std::max(when, Clock::now() + resolution_);
  timer_.schedule(wake_at_, [this] {
    wake_at_ = Clock::time_point::max();
    sweep(Clock::now());
  });
}

}  // namespace governor::upstream
