#include "request_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>
#include <string_view>

#include "request_headers.hpp"

namespace governor::server {
namespace {

namespace http = boost::beast::http;

/** Puts `wire` to `parser` `piece` bytes at a time at most, as reads would bring it (eager, as
 *  the session reads); returns how much it used and the last error other than need_more. */
struct Fed {
  std::size_t used = 0;
  boost::system::error_code ec;
};
Fed feed(RequestParser& parser, std::string_view wire, std::size_t piece = 1 << 20) {
  Fed fed;
  parser.eager(true);
  std::string pending;  // what was read and not yet used, as the session's buffer holds it
  while (!parser.is_done()) {
    const std::size_t n = std::min(piece, wire.size() - fed.used - pending.size());
    if (n == 0) {
      break;  // needs more than there is
    }
    pending.append(wire.substr(fed.used + pending.size(), n));
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    fed.used += used;
    if (ec && ec != http::error::need_more) {
      fed.ec = ec;
      break;
    }
  }
  return fed;
}

TEST(RequestParser, ReadsTheRequestLineAndAContentLengthBody) {
  Request request;
  RequestParser parser{request};
  const std::string wire =
      "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
      "Host: gw\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: 13\r\n"
      "\r\n"
      "{\"model\":\"m\"}";
  const Fed fed = feed(parser, wire);
  EXPECT_FALSE(fed.ec) << fed.ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(fed.used, wire.size());
  EXPECT_EQ(request.method(), http::verb::post);
  EXPECT_EQ(request.method_string(), "POST");
  EXPECT_EQ(request.target(), "/v1/chat/completions?x=1");
  EXPECT_EQ(request.version(), 11u);
  EXPECT_TRUE(request.keep_alive());
  EXPECT_EQ(request.body(), "{\"model\":\"m\"}");
}

TEST(RequestParser, DecodesAChunkedBody) {
  Request request;
  RequestParser parser{request};
  const Fed fed = feed(parser,
                       "POST /v1/chat/completions HTTP/1.1\r\n"
                       "Transfer-Encoding: chunked\r\n"
                       "\r\n"
                       "5;ext=1\r\n{\"a\":\r\n"
                       "3\r\n1}x\r\n"
                       "0\r\n"
                       "\r\n",
                       7);
  EXPECT_FALSE(fed.ec) << fed.ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(request.body(), "{\"a\":1}x");
}

TEST(RequestParser, ABodySplitOverManyPutsIsWholeAtTheEnd) {
  const std::string body(1000, 'b');
  const std::string wire = "POST /x HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + body;
  for (const std::size_t piece : {1u, 7u, 100u, 999u}) {
    Request request;
    RequestParser parser{request};
    const Fed fed = feed(parser, wire, piece);
    EXPECT_FALSE(fed.ec) << piece;
    EXPECT_TRUE(parser.is_done()) << piece;
    EXPECT_EQ(request.body(), body) << piece;
  }
}

TEST(RequestParser, TwoPipelinedRequestsInOneBufferAreReadOneAfterTheOther) {
  const std::string wire =
      "POST /first HTTP/1.1\r\nX-Governor-Task: one\r\nContent-Length: 3\r\n\r\nabc"
      "GET /second HTTP/1.1\r\nAuthorization: Bearer k\r\n\r\n";
  Request request;
  RequestParser first{request};
  const Fed one = feed(first, wire);
  EXPECT_FALSE(one.ec);
  ASSERT_TRUE(first.is_done());
  EXPECT_EQ(request.target(), "/first");
  EXPECT_EQ(request.body(), "abc");
  EXPECT_EQ(governor_headers(request).task, "one");

  RequestParser second{request};  // the same Request again, as the session reads
  const Fed two = feed(second, std::string_view(wire).substr(one.used));
  EXPECT_FALSE(two.ec);
  ASSERT_TRUE(second.is_done());
  EXPECT_EQ(one.used + two.used, wire.size());
  EXPECT_EQ(request.method(), http::verb::get);
  EXPECT_EQ(request.target(), "/second");
  EXPECT_EQ(request.body(), "");
  EXPECT_EQ(header_of(request, "authorization"), "Bearer k");
  EXPECT_FALSE(governor_headers(request).task) << "nothing of the first request is left";
}

TEST(RequestParser, KeepsOnlyTheHeadersGovernorReadsTheFirstOfARepeatInAnyCase) {
  Request request;
  RequestParser parser{request};
  const std::string long_auth = "Bearer " + std::string(300, 'k');
  const Fed fed = feed(parser,
                       "POST /v1/chat/completions HTTP/1.1\r\n"
                       "authorization: " +
                           long_auth +
                           "\r\n"
                           "User-Agent: OpenAI/Python 1.0\r\n"
                           "X-GOVERNOR-TASK: t1\r\n"
                           "x-stainless-lang: python\r\n"
                           "x-governor-task: t2\r\n"
                           "X-Governor-Step: plan\r\n"
                           "Authorization: Bearer second\r\n"
                           "Content-Length: 0\r\n"
                           "\r\n");
  EXPECT_FALSE(fed.ec);
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(header_of(request, "Authorization"), long_auth);
  EXPECT_EQ(header_of(request, "X-Governor-Task"), "t1");
  EXPECT_EQ(header_of(request, "x-governor-step"), "plan");
  EXPECT_EQ(header_of(request, "User-Agent"), std::nullopt);
  EXPECT_EQ(header_of(request, "x-stainless-lang"), std::nullopt);
  EXPECT_EQ(header_of(request, "Content-Length"), std::nullopt);
  const GovernorHeaders h = governor_headers(request);
  EXPECT_EQ(h.task, "t1");
  EXPECT_EQ(h.step, "plan");
  EXPECT_FALSE(h.session);
  int fields = 0;
  request.for_each_field([&](std::string_view, std::string_view) { ++fields; });
  EXPECT_EQ(fields, 5);
}

TEST(RequestParser, AnUnknownMethodKeepsItsName) {
  Request request;
  RequestParser parser{request};
  const Fed fed = feed(parser, "FROB /v1/models HTTP/1.1\r\nX-Governor-Task: t\r\n\r\n");
  EXPECT_FALSE(fed.ec);
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(request.method(), http::verb::unknown);
  EXPECT_EQ(request.method_string(), "FROB");
  EXPECT_EQ(request.target(), "/v1/models");
  EXPECT_EQ(header_of(request, "x-governor-task"), "t");
}

TEST(RequestParser, Http10IsKeptAliveOnlyWhenItAsks) {
  {
    Request request;
    RequestParser parser{request};
    EXPECT_FALSE(feed(parser, "GET /healthz HTTP/1.0\r\n\r\n").ec);
    ASSERT_TRUE(parser.is_done());
    EXPECT_EQ(request.version(), 10u);
    EXPECT_FALSE(request.keep_alive());
  }
  {
    Request request;
    RequestParser parser{request};
    EXPECT_FALSE(feed(parser, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").ec);
    ASSERT_TRUE(parser.is_done());
    EXPECT_TRUE(request.keep_alive());
  }
  {
    Request request;
    RequestParser parser{request};
    EXPECT_FALSE(feed(parser, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n").ec);
    ASSERT_TRUE(parser.is_done());
    EXPECT_FALSE(request.keep_alive());
  }
}

TEST(RequestParser, HeadersPastTheLimitAreRefused) {
  Request request;
  RequestParser parser{request};
  parser.header_limit(64);
  const Fed fed =
      feed(parser, "GET / HTTP/1.1\r\nX-Padding: " + std::string(100, 'p') + "\r\n\r\n");
  EXPECT_EQ(fed.ec, http::error::header_limit);
}

TEST(RequestParser, ABodyPastTheLimitIsRefusedWhetherDeclaredOrChunked) {
  {
    Request request;
    RequestParser parser{request};
    parser.body_limit(10);
    const Fed fed = feed(parser, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
    EXPECT_EQ(fed.ec, http::error::body_limit);
  }
  {
    Request request;
    RequestParser parser{request};
    parser.body_limit(10);
    const Fed fed = feed(parser,
                         "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
    EXPECT_EQ(fed.ec, http::error::body_limit);
  }
}

TEST(RequestParser, RefusesWhatIsNotHttp) {
  Request request;
  RequestParser parser{request};
  const Fed fed = feed(parser, "SSH-2.0-OpenSSH\r\n\r\n");
  EXPECT_TRUE(fed.ec);
  EXPECT_FALSE(parser.is_done());
}

TEST(RequestParser, ACutRequestIsAPartialMessageAtEof) {
  Request request;
  RequestParser parser{request};
  const Fed fed = feed(parser, "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab");
  EXPECT_FALSE(fed.ec);
  EXPECT_FALSE(parser.is_done());
  boost::system::error_code ec;
  parser.put_eof(ec);
  EXPECT_EQ(ec, http::error::partial_message);
}

}  // namespace
}  // namespace governor::server
