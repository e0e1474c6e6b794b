#include "client_watch.hpp"

namespace governor::server {

struct ClientWatch::State {
  net::cancellation_signal* signal = nullptr;
  bool active = true;
  bool gone = false;
  char byte = 0;
};

ClientWatch::ClientWatch(net::ip::tcp::socket& socket, net::cancellation_signal& client_left)
    : socket_(socket), state_(std::make_shared<State>()) {
  state_->signal = &client_left;
  arm(socket_, state_);
}

ClientWatch::~ClientWatch() {
  state_->active = false;
  boost::system::error_code ignored;
  socket_.cancel(ignored);  // only the wait is pending on the client's socket by now
}

bool ClientWatch::gone() const {
  return state_->gone;
}

void ClientWatch::arm(net::ip::tcp::socket& socket, std::shared_ptr<State> state) {
  // A one-byte peek, not async_wait: a readiness wait re-arms the descriptor with epoll_ctl on
  // every call, while a receive is only queued until the next edge. Peeked bytes stay unread.
  auto& byte = state->byte;
  socket.async_receive(net::buffer(&byte, 1), net::socket_base::message_peek,
                       [state = std::move(state)](boost::system::error_code ec, std::size_t n) {
                         if (ec == net::error::operation_aborted || !state->active || n > 0) {
                           return;  // stopped, or a pipelined request the session reads next
                         }
                         state->gone = true;  // EOF, or an error such as a reset
                         state->signal->emit(net::cancellation_type::terminal);
                       });
}

}  // namespace governor::server
