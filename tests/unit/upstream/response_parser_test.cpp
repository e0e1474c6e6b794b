#include "response_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>
#include <string_view>

namespace governor::upstream {
namespace {

namespace http = boost::beast::http;

/** Feeds `wire` to `parser` the way Exchange does: all of it at once, the body drawn into
 *  `piece`-sized outputs; returns the body read and the last error other than need_buffer. */
struct Fed {
  std::string body;
  boost::system::error_code ec;
};
Fed feed(ResponseParser& parser, std::string_view wire, std::size_t piece_size) {
  Fed fed;
  std::string piece(piece_size, '\0');
  parser.body_limit(boost::none);
  while (!wire.empty() && !parser.is_done()) {
    parser.set_output(piece.data(), piece.size());
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
    wire.remove_prefix(used);
    fed.body.append(piece.data(), piece.size() - parser.room());
    if (ec && ec != http::error::need_buffer) {
      fed.ec = ec;
      return fed;
    }
    if (used == 0 && parser.room() == piece.size()) {
      break;  // needs more input than there is
    }
  }
  return fed;
}

TEST(ResponseParser, KeepsTheStatusAndTheHeadersGovernorReads) {
  ResponseParser parser;
  const std::string long_type = "application/json; charset=utf-8; " + std::string(80, 'x');
  const Fed fed = feed(parser,
                       "HTTP/1.1 429 Too Many Requests\r\n"
                       "Server: nginx\r\n"
                       "content-TYPE: " +
                           long_type +
                           "\r\n"
                           "Retry-After: 7\r\n"
                           "RETRY-AFTER-MS: 1500\r\n"
                           "Retry-After: 99\r\n"
                           "Content-Length: 2\r\n"
                           "\r\n"
                           "{}",
                       64);
  EXPECT_FALSE(fed.ec) << fed.ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status(), 429u);
  EXPECT_EQ(parser.content_type(), long_type);  // longer than the inline store
  EXPECT_EQ(parser.retry_after(), "7");         // the first of a repeated header
  EXPECT_EQ(parser.retry_after_ms(), "1500");
  EXPECT_EQ(fed.body, "{}");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(ResponseParser, AbsentHeadersAreEmpty) {
  ResponseParser parser;
  const Fed fed = feed(parser, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 16);
  EXPECT_FALSE(fed.ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.status(), 200u);
  EXPECT_EQ(parser.content_type(), "");
  EXPECT_EQ(parser.retry_after(), "");
  EXPECT_EQ(parser.retry_after_ms(), "");
}

TEST(ResponseParser, FillsEachOutputAndAsksForTheNext) {
  const std::string body(1000, 'b');
  for (const std::size_t piece : {1u, 7u, 999u, 1000u, 4096u}) {
    ResponseParser parser;
    const Fed fed = feed(parser,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         "Content-Length: 1000\r\n\r\n" +
                             body,
                         piece);
    EXPECT_FALSE(fed.ec) << piece;
    EXPECT_TRUE(parser.is_done()) << piece;
    EXPECT_EQ(fed.body, body) << piece;
    EXPECT_EQ(parser.content_type(), "application/json");
  }
}

TEST(ResponseParser, ReadsAChunkedStream) {
  ResponseParser parser;
  const Fed fed = feed(parser,
                       "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"
                       "6\r\ndata: \r\n"
                       "c\r\n{\"a\":1}\n\n...\r\n"
                       "0\r\n\r\n",
                       5);
  EXPECT_FALSE(fed.ec) << fed.ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(fed.body, "data: {\"a\":1}\n\n...");
  EXPECT_EQ(parser.content_type(), "text/event-stream");
}

TEST(ResponseParser, WithoutAnOutputTheBodyWaits) {
  ResponseParser parser;
  boost::system::error_code ec;
  const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
  std::size_t used = parser.put(boost::asio::buffer(wire), ec);
  EXPECT_FALSE(ec);  // the header alone
  EXPECT_TRUE(parser.is_header_done());
  used = parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
  EXPECT_EQ(ec, http::error::need_buffer);
  EXPECT_EQ(used, 0u);
}

TEST(ResponseParser, ConnectionCloseIsNotKeptAlive) {
  ResponseParser parser;
  const Fed fed =
      feed(parser, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 8);
  EXPECT_FALSE(fed.ec);
  EXPECT_FALSE(parser.keep_alive());
}

TEST(ResponseParser, RefusesWhatIsNotHttp) {
  ResponseParser parser;
  const Fed fed = feed(parser, "SSH-2.0-OpenSSH\r\n\r\n", 8);
  EXPECT_TRUE(fed.ec);
  EXPECT_FALSE(parser.is_done());
}

}  // namespace
}  // namespace governor::upstream
