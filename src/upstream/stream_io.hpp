#pragma once

// Private to the upstream module: the reads of a response, written as a read and a parse rather
// than through Beast's composed http::async_read_header / async_read_some. Those wrap each read
// in two more operations (read_op, read_some_op) and, on a tcp_stream, a third (transfer_op,
// with its timer bookkeeping and executor work guards): about 2.6k instructions of a proxied
// call went to the layers, not the read. A plain connection is read on its socket; a TLS connection
// on its ssl_stream.

#include <array>
#include <boost/system/error_code.hpp>

#include "connection.hpp"
#include "response_parser.hpp"

namespace governor::upstream {

/** The most one read takes into a connection's buffer (as Beast's own reads). */
inline constexpr std::size_t kMaxReadPiece = 65536;

/** Feeds the parser what `buffer` holds, consuming what it took. need_more is no error. */
inline boost::system::error_code parse_buffered(beast::flat_buffer& buffer,
                                                ResponseParser& parser) {
  if (parser.simple()) {  // a Content-Length body after a head read in one pass
    const auto data = buffer.data();
    buffer.consume(parser.take_body({static_cast<const char*>(data.data()), data.size()}));
    return {};
  }
  boost::system::error_code ec;
  buffer.consume(parser.put(buffer.data(), ec));
  if (ec == http::error::need_more) {
    ec = {};
  }
  return ec;
}

/** What the end of the stream means to the response being read, as in Beast's read: a
 *  response begun is given its end (a body that runs to the close is then done; one cut short is
 *  partial_message), none begun is end_of_stream. */
inline boost::system::error_code end_of_input(ResponseParser& parser) {
  if (parser.simple()) {
    return http::error::partial_message;  // read only while some of its body is missing
  }
  if (!parser.got_some()) {
    return http::error::end_of_stream;
  }
  boost::system::error_code ec;
  parser.put_eof(ec);
  return ec;
}

/** One read from `stream` into `buffer`, then parsed as far as it goes. */
template <class Stream>
net::awaitable<boost::system::error_code> read_and_parse(Stream& stream, beast::flat_buffer& buffer,
                                                         ResponseParser& parser) {
  auto [ec, n] = co_await stream.async_read_some(
      buffer.prepare(beast::read_size(buffer, kMaxReadPiece)), nothrow);
  if (ec) {
    co_return ec == net::error::eof ? end_of_input(parser) : ec;
  }
  buffer.commit(n);
  co_return parse_buffered(buffer, parser);
}

/** Sends `request` (head and body in one gather write), then reads until the response's header
 *  is parsed. The parser is not eager: body bytes that came with the header stay in `buffer`.
 *  One coroutine for both, reading in place: each nested one is another frame a call. */
template <class Stream>
net::awaitable<boost::system::error_code> send_and_read_header(
    Stream& stream, beast::flat_buffer& buffer, const std::array<net::const_buffer, 2>& request,
    ResponseParser& parser) {
  if (auto [ec, n] = co_await net::async_write(stream, request, nothrow); ec) {
    co_return ec;
  }
  for (;;) {
    if (buffer.size() > 0) {
      // A head of the common shape that came whole is read in one pass; any other (or one still
      // coming) goes to Beast's parser from its first byte.
      if (!parser.started()) {
        const auto data = buffer.data();
        if (const std::size_t n =
                parser.read_simple_head({static_cast<const char*>(data.data()), data.size()});
            n > 0) {
          buffer.consume(n);
          co_return boost::system::error_code{};
        }
      }
      if (auto ec = parse_buffered(buffer, parser); ec || parser.is_header_done()) {
        co_return ec;
      }
    }
    auto [ec, n] = co_await stream.async_read_some(
        buffer.prepare(beast::read_size(buffer, kMaxReadPiece)), nothrow);
    if (ec) {
      co_return ec == net::error::eof ? end_of_input(parser) : ec;
    }
    buffer.commit(n);
  }
}

}  // namespace governor::upstream
