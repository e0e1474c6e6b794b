#include "sim/connection.hpp"

#include <poll.h>

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>

namespace governor::sim {
namespace {

using namespace std::chrono_literals;

constexpr auto kWriteTimeout = 30s;  // a client that stops reading is dropped after this
constexpr auto kCloseTimeout = 500ms;
constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace

std::string header_text(const http::response_header<>& header) {
  // What Beast's serializer writes first: the status line and the fields, then a blank line.
  http::fields::writer writer{header, header.version(), header.result_int()};
  return beast::buffers_to_string(writer.get());
}

std::string chunk_text(std::string_view data) {
  std::array<char, 2 * sizeof(std::size_t)> hex{};
  const auto end = std::to_chars(hex.begin(), hex.end(), data.size(), 16).ptr;
  std::string text{hex.begin(), end};
  text += "\r\n";
  text += data;
  text += "\r\n";
  return text;
}

std::string message_text(const Response& response) {
  auto text = header_text(response.base());
  if (!response.chunked()) {
    return text + response.body();
  }
  if (!response.body().empty()) {
    text += chunk_text(response.body());
  }
  return text + std::string{kLastChunk};
}

Connection::Stream Connection::make_stream(tcp::socket socket, ssl::context* tls) {
  if (tls != nullptr) {
    return Stream{std::in_place_type<TlsStream>, std::move(socket), *tls};
  }
  return Stream{std::in_place_type<beast::tcp_stream>, std::move(socket)};
}

Connection::Connection(tcp::socket socket, ssl::context* tls)
    : stream_(make_stream(std::move(socket), tls)) {}

beast::tcp_stream& Connection::tcp_layer() noexcept {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    return tls->next_layer();
  }
  return std::get<beast::tcp_stream>(stream_);
}

tcp::socket& Connection::socket() noexcept {
  return tcp_layer().socket();
}

net::awaitable<beast::error_code> Connection::handshake(Clock::duration timeout) {
  auto* tls = std::get_if<TlsStream>(&stream_);
  if (tls == nullptr) {
    co_return beast::error_code{};
  }
  tcp_layer().expires_after(timeout);
  auto [ec] = co_await tls->async_handshake(ssl::stream_base::server, nothrow);
  tcp_layer().expires_never();
  co_return ec;
}

net::awaitable<beast::error_code> Connection::read_request(
    beast::flat_buffer& buffer, http::request_parser<http::string_body>& parser,
    Clock::duration timeout) {
  tcp_layer().expires_after(timeout);
  auto [ec, n] = co_await std::visit(
      [&](auto& stream) { return http::async_read(stream, buffer, parser, nothrow); }, stream_);
  tcp_layer().expires_never();
  co_return ec;
}

net::awaitable<beast::error_code> Connection::write(const Response& response) {
  co_return co_await write_bytes(message_text(response));
}

net::awaitable<beast::error_code> Connection::write_header(const http::response_header<>& header) {
  co_return co_await write_bytes(header_text(header));
}

net::awaitable<beast::error_code> Connection::write_bytes(std::string_view bytes) {
  // The only write that reaches the stream: each buffer sequence type written through
  // ssl::stream instantiates its whole chain of composed operations again, which made this
  // file take minutes to compile under the sanitizers when every message, header and chunk
  // went through Beast's own writers.
  tcp_layer().expires_after(kWriteTimeout);
  auto [ec, n] = co_await std::visit(
      [&](auto& stream) { return net::async_write(stream, net::buffer(bytes), nothrow); }, stream_);
  co_return ec;
}

net::awaitable<beast::error_code> Connection::write_chunk(std::string_view data) {
  co_return co_await write_bytes(chunk_text(data));
}

net::awaitable<beast::error_code> Connection::write_last_chunk() {
  co_return co_await write_bytes(kLastChunk);
}

bool Connection::peer_gone() noexcept {
  // POLLRDHUP reports the peer's FIN even when unread bytes are still queued ahead of it,
  // which a zero-byte peek cannot (and, over TLS, those bytes may be the close_notify alert).
  pollfd poller{};
  poller.fd = socket().native_handle();
  poller.events = POLLIN | POLLRDHUP;
  if (::poll(&poller, 1, 0) < 0) {
    return false;
  }
  return (poller.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

net::awaitable<bool> Connection::sleep_until(Clock::time_point deadline) {
  if (!socket().is_open()) {
    co_return true;
  }
  if (deadline <= Clock::now()) {
    co_return peer_gone();
  }
  net::steady_timer timer{co_await net::this_coro::executor, deadline};
  if (watch_peer_) {
    using namespace net::experimental::awaitable_operators;
    // Race the pause against the socket becoming readable: a readable socket mid-response is a
    // hang-up (or, rarely, a pipelined request). The wait does not consume any bytes.
    auto first = co_await (timer.async_wait(nothrow) ||
                           socket().async_wait(tcp::socket::wait_read, nothrow));
    if (first.index() == 0) {
      co_return false;
    }
    if (std::get<0>(std::get<1>(first)) || peer_gone()) {
      co_return true;
    }
    // Unread bytes but no hang-up: the socket stays readable, so watching again would spin.
    // Stop watching on this connection; the next write failure still catches a hang-up.
    watch_peer_ = false;
  }
  co_await timer.async_wait(nothrow);
  co_return false;
}

void Connection::reset() noexcept {
  beast::error_code ec;
  socket().set_option(net::socket_base::linger(true, 0), ec);
  socket().close(ec);
}

net::awaitable<void> Connection::close(bool drain) {
  if (!socket().is_open()) {
    co_return;
  }
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    // Send close_notify; the peer rarely answers it, so do not wait long for that.
    tcp_layer().expires_after(kCloseTimeout);
    co_await tls->async_shutdown(nothrow);
  }
  beast::error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
  if (drain && !ec) {
    std::array<char, 4096> scratch{};
    tcp_layer().expires_after(kCloseTimeout);
    for (;;) {
      auto [read_ec, n] = co_await tcp_layer().async_read_some(net::buffer(scratch), nothrow);
      if (read_ec) {
        break;
      }
    }
  }
  socket().close(ec);
}

}  // namespace governor::sim
