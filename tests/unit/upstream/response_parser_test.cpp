#include "response_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_damage.hpp"

namespace governor::upstream {
namespace {

namespace http = boost::beast::http;

/** Feeds `wire` to `parser` the way Exchange does: all of it at once, the body drawn into
 *  `piece`-sized outputs; returns the body read and the last error other than need_buffer. */
struct Fed {
  std::string body;
  boost::system::error_code ec;
  std::size_t used = 0;
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
    fed.used += used;
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

/** What a response reads as, one way or the other. */
struct Read {
  bool simple = false;
  unsigned status = 0;
  std::string content_type, retry_after, retry_after_ms, body;
  bool finished = false;
  bool reusable = false;
  std::size_t used = 0;
  bool operator==(const Read&) const = default;
};

/** Reads `wire` as Exchange does: the head in one pass when read_simple_head takes it (then the
 *  body through take_body), else all of it through put(); bodies drawn 7 bytes at a time. */
Read read(std::string_view wire, bool try_simple) {
  ResponseParser parser;
  parser.header_limit(64 * 1024);
  Read r;
  if (try_simple) {
    r.used = parser.read_simple_head(wire);
    r.simple = r.used > 0;
  }
  if (r.simple) {
    std::string piece(7, '\0');
    while (!parser.finished()) {
      parser.set_output(piece.data(), piece.size());
      const std::size_t n = parser.take_body(wire.substr(r.used));
      if (n == 0) {
        break;  // the body is not all here
      }
      r.used += n;
      r.body.append(piece.data(), n);
    }
  } else {
    const Fed fed = feed(parser, wire, 7);
    if (fed.ec || !parser.is_done()) {
      return Read{};  // refused, or not all here: nothing to compare
    }
    r.body = fed.body;
    r.used = fed.used;
  }
  r.status = parser.status();
  r.content_type = parser.content_type();
  r.retry_after = parser.retry_after();
  r.retry_after_ms = parser.retry_after_ms();
  r.finished = parser.finished();
  r.reusable = parser.reusable();
  return r;
}

/** When read_simple_head reads `wire`, Beast's parser reads it the same. Returns whether it did. */
bool read_checked(const std::string& wire) {
  Read simple = read(wire, true);
  if (!simple.simple) {
    return false;
  }
  const Read beast = read(wire, false);
  if (!simple.finished) {
    return true;  // its body is not all here: Beast's parser would wait for it too
  }
  EXPECT_TRUE(beast.finished) << "read one Beast refuses: " << ::testing::PrintToString(wire);
  simple.simple = false;
  EXPECT_EQ(simple, beast) << ::testing::PrintToString(wire);
  return true;
}

const std::string kNginxAnswer =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Tue, 24 Nov 2026 18:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 15\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "{\"id\":\"c-1\",\"x\":1}";

TEST(ResponseParserSimple, ReadsACommonHeadInOnePassAsBeastDoes) {
  ResponseParser parser;
  const std::size_t head = kNginxAnswer.find("\r\n\r\n") + 4;
  ASSERT_EQ(parser.read_simple_head(kNginxAnswer), head);
  EXPECT_TRUE(parser.simple());
  EXPECT_TRUE(parser.head_done());
  EXPECT_TRUE(parser.started());
  EXPECT_FALSE(parser.finished());
  EXPECT_EQ(parser.status(), 200u);
  EXPECT_EQ(parser.content_type(), "application/json");
  EXPECT_TRUE(read_checked(kNginxAnswer));
  for (const std::string& wire : {
           std::string("HTTP/1.1 503 \r\nRetry-After: 7\r\nretry-after-ms:  1500\t\r\n"
                       "Retry-After: 99\r\nContent-Length: 2\r\n\r\n{}"),
           std::string("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\na"),
           std::string("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc"),
           std::string("HTTP/1.1 404 Not\tFound \x80\r\nContent-Length: 1\r\n\r\nab"),
       }) {
    EXPECT_TRUE(read_checked(wire)) << ::testing::PrintToString(wire);
  }
}

TEST(ResponseParserSimple, LeavesEveryOtherShapeToBeast) {
  for (const std::string& wire : {
           std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\n\r\nto the close"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"),
           std::string("HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n"),
           std::string("HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n"),
           std::string("HTTP/1.1 100 Continue\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 2,2\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nConnection: close, x\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nX-Big: " + std::string(9000, 'b') +
                       "\r\nContent-Length: 0\r\n\r\n"),
       }) {
    ResponseParser parser;
    EXPECT_EQ(parser.read_simple_head(wire), 0u) << ::testing::PrintToString(wire);
    EXPECT_FALSE(parser.simple());
    EXPECT_FALSE(parser.started());
  }
}

TEST(ResponseParserSimple, NeverReadsWhatBeastReadsOtherwiseUnderRandomDamage) {
  const std::vector<std::string> seeds = {
      kNginxAnswer,
      "HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nContent-Type: text/plain\r\n"
      "Content-Length: 4\r\nConnection: close\r\n\r\nslow",
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
  };
  std::mt19937 random(20261124);
  std::size_t simple = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string wire = testing::damaged_message(seeds, random);
    if (read_checked(wire)) {
      ++simple;
    }
    if (::testing::Test::HasFailure()) {
      break;  // one case is enough to see
    }
  }
  EXPECT_GT(simple, 1'000u) << "the damage left too few heads readable to test anything";
}

}  // namespace
}  // namespace governor::upstream
