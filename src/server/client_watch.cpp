#include "client_watch.hpp"

namespace governor::server {

struct ClientWatch::State {
  net::cancellation_signal* signal = nullptr;
  bool active = true;
  bool gone = false;
  char byte = 0;
};

ClientWatch::ClientWatch(ClientWatches& watches, net::ip::tcp::socket& socket,
                         net::cancellation_signal& client_left)
    : watches_(watches), socket_(socket), client_left_(client_left) {
  watches_.add(*this);
}

ClientWatch::~ClientWatch() {
  if (waiting_) {
    watches_.remove(*this);
  }
  if (state_) {
    state_->active = false;
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // only the receive is pending on the client's socket by now
  }
}

bool ClientWatch::gone() const {
  return state_ && state_->gone;
}

void ClientWatch::start() {
  state_ = std::make_shared<State>();
  state_->signal = &client_left_;
  // A one-byte peek, not async_wait: a readiness wait re-arms the descriptor with epoll_ctl,
  // while a receive is only queued until the next edge. Peeked bytes stay unread.
  auto& byte = state_->byte;
  socket_.async_receive(net::buffer(&byte, 1), net::socket_base::message_peek,
                        [state = state_](boost::system::error_code ec, std::size_t n) {
                          if (ec == net::error::operation_aborted || !state->active || n > 0) {
                            return;  // stopped, or a pipelined request the session reads next
                          }
                          state->gone = true;  // EOF, or an error such as a reset
                          state->signal->emit(net::cancellation_type::terminal);
                        });
}

ClientWatches::ClientWatches(net::io_context& io, std::chrono::steady_clock::duration tick)
    : tick_(tick), timer_(io) {}

void ClientWatches::stop_timer() {
  timer_.stop();
  timer_running_ = false;
}

void ClientWatches::add(ClientWatch& watch) {
  watch.added_at_tick_ = ticks_;
  watch.waiting_ = true;
  watch.prev_ = newest_;
  watch.next_ = nullptr;
  (newest_ != nullptr ? newest_->next_ : oldest_) = &watch;
  newest_ = &watch;
  ++waiting_;
  if (!timer_running_ && !timer_.stopped()) {
    schedule();
  }
}

void ClientWatches::remove(ClientWatch& watch) {
  (watch.prev_ != nullptr ? watch.prev_->next_ : oldest_) = watch.next_;
  (watch.next_ != nullptr ? watch.next_->prev_ : newest_) = watch.prev_;
  watch.prev_ = watch.next_ = nullptr;
  watch.waiting_ = false;
  --waiting_;
}

void ClientWatches::tick() {
  ++ticks_;
  // Oldest first: stop at the first watch added since the previous tick.
  while (oldest_ != nullptr && oldest_->added_at_tick_ + 2 <= ticks_) {
    ClientWatch& watch = *oldest_;
    remove(watch);
    watch.start();
    ++started_;
  }
}

void ClientWatches::schedule() {
  timer_running_ = true;
  timer_.schedule(upstream::WorkerTimer::Clock::now() + tick_, [this] {
    timer_running_ = false;
    tick();
    if (waiting_ > 0) {
      schedule();
    }
  });
}

}  // namespace governor::server
