#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace governor::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

/** Boost 1.81 spelling: as_tuple needs an inner token (no bare net::as_tuple). */
inline constexpr auto nothrow = net::as_tuple(net::use_awaitable);

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

/** The bytes of `header` on the wire: status line, fields, blank line. */
std::string header_text(const http::response_header<>& header);
/** One chunk of a chunked body: size in hex, CRLF, the data, CRLF. */
std::string chunk_text(std::string_view data);
/** The whole of `response` on the wire: its header, then its body (chunk-encoded if chunked). */
std::string message_text(const Response& response);

/** One accepted connection, plain TCP or TLS, with the few operations the simulator needs. Each
 *  operation arms its own timeout; errors come back as values (disconnects are routine here).
 *  Owned by the session coroutine's frame; used only from that coroutine. */
class Connection {
 public:
  Connection(tcp::socket socket, ssl::context* tls);

  /** The TLS handshake (no-op for plain TCP). */
  net::awaitable<beast::error_code> handshake(Clock::duration timeout);
  /** Reads one request into `parser`; `timeout` bounds the wait for it (keep-alive idle). */
  net::awaitable<beast::error_code> read_request(beast::flat_buffer& buffer,
                                                 http::request_parser<http::string_body>& parser,
                                                 Clock::duration timeout);
  /** The whole response, as Beast's serializer would write it. */
  net::awaitable<beast::error_code> write(const Response& response);
  /** Only the status line and fields (then the body goes by hand). */
  net::awaitable<beast::error_code> write_header(const http::response_header<>& header);
  /** Raw bytes, as they are. */
  net::awaitable<beast::error_code> write_bytes(std::string_view bytes);
  /** One chunk of a chunked body, and the terminating chunk. */
  net::awaitable<beast::error_code> write_chunk(std::string_view data);
  net::awaitable<beast::error_code> write_last_chunk();

  /** Waits until `deadline` while watching the peer. Returns true as soon as the peer has gone
   *  (FIN, RST or a socket error): a client that hangs up during a ttft or inter-token pause is
   *  noticed at once, not at the next write. */
  net::awaitable<bool> sleep_until(Clock::time_point deadline);

  /** Aborts the connection: SO_LINGER 0 then close, so the peer gets a RST (ECONNRESET). */
  void reset() noexcept;
  /** Closes politely: TLS close_notify, then FIN. With `drain`, reads and discards what the
   *  client still sends for a moment first, so a 400/413 sent before the whole request was read
   *  is not destroyed by a RST. */
  net::awaitable<void> close(bool drain = false);

 private:
  using TlsStream = ssl::stream<beast::tcp_stream>;
  using Stream = std::variant<beast::tcp_stream, TlsStream>;

  static Stream make_stream(tcp::socket socket, ssl::context* tls);
  beast::tcp_stream& tcp_layer() noexcept;
  tcp::socket& socket() noexcept;
  bool peer_gone() noexcept;

  Stream stream_;
  bool watch_peer_ = true;  // false once unread data sits in the socket (see sleep_until)
};

}  // namespace governor::sim
