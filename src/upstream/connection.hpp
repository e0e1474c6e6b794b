#pragma once

// Private to the upstream module: Beast types stay out of public headers to keep the rest of the
// build fast.

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <variant>

#include "governor/upstream/exchange.hpp"
#include "governor/upstream/socket_deadlines.hpp"

namespace governor::upstream {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

inline constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/** Read buffer capacity of an upstream connection. Beast reads `capacity - size` bytes at a time
 *  (at least 512): an empty buffer read a 1 kB chat.completion in two recvmsg calls. */
inline constexpr std::size_t kUpstreamReadBuffer = 8192;

/** Bytes of a response body handed out per read (Exchange::read_some). */
inline constexpr std::size_t kBodyPiece = 16 * 1024;

/** One transport connection to an upstream, plain or TLS, with its read buffers: kept with the
 *  pooled connection rather than allocated for every exchange. Its reads and writes are bounded
 *  by `deadline` (the worker's SocketDeadlines), not by tcp_stream's per-operation timer, which
 *  is used for the connect and the TLS handshake only. */
struct Connection {
  Connection(net::any_io_executor ex, SocketDeadlines& deadlines)
      : stream(std::in_place_index<0>, ex), deadline(deadlines, tcp().socket()) {
    buffer.reserve(kUpstreamReadBuffer);
  }
  Connection(net::any_io_executor ex, ssl::context& ctx, SocketDeadlines& deadlines)
      : stream(std::in_place_index<1>, ex, ctx), deadline(deadlines, tcp().socket()) {
    buffer.reserve(kUpstreamReadBuffer);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool is_tls() const { return stream.index() == 1; }
  beast::tcp_stream& tcp() {
    return is_tls() ? beast::get_lowest_layer(std::get<1>(stream)) : std::get<0>(stream);
  }

  std::variant<beast::tcp_stream, TlsStream> stream;
  SocketDeadlines::Entry deadline;  // after `stream`: it refers to the socket
  beast::flat_buffer buffer;
  std::array<char, kBodyPiece> piece;  // uninitialized: the parser writes before anything reads
  Clock::time_point idle_since{};
  bool reused = false;
};

using ConnectionPtr = std::unique_ptr<Connection>;

}  // namespace governor::upstream
