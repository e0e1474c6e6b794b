// The one-pass reader of common requests: whatever it reads, Beast's parser (RequestParser)
// reads the same way, to the byte; whatever else it leaves to that parser.
#include "simple_request.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "request_parser.hpp"
#include "support/http_damage.hpp"

namespace governor::server {
namespace {

namespace http = boost::beast::http;

constexpr RequestLimits kLimits{1024, 4096};

/** What RequestParser reads of `wire` (all of it available at once, eager, as the session). */
struct BeastRead {
  bool done = false;
  std::size_t used = 0;
};
BeastRead beast_read(std::string_view wire, Request& request, RequestLimits limits = kLimits) {
  RequestParser parser{request};
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
  parser.body_limit(limits.body_bytes);
  parser.eager(true);
  boost::system::error_code ec;
  BeastRead read;
  read.used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  read.done = !ec && parser.is_done();
  return read;
}

std::vector<std::pair<std::string, std::string>> fields_of(const Request& r) {
  std::vector<std::pair<std::string, std::string>> out;
  r.for_each_field([&](std::string_view n, std::string_view v) { out.emplace_back(n, v); });
  return out;
}

/** Reads `wire` with read_simple_request and, when it reads it, checks that RequestParser reads
 *  the same. Returns the bytes it took. */
std::size_t read_checked(std::string_view wire, RequestLimits limits = kLimits) {
  Request simple;
  const std::size_t n = read_simple_request(wire, simple, limits);
  if (n == 0) {
    return 0;
  }
  Request beast;
  const BeastRead read = beast_read(wire, beast, limits);
  EXPECT_TRUE(read.done) << "read one Beast refuses: "
                         << ::testing::PrintToString(std::string(wire));
  EXPECT_EQ(read.used, n) << ::testing::PrintToString(std::string(wire));
  EXPECT_EQ(simple.method(), beast.method());
  EXPECT_EQ(simple.method_string(), beast.method_string());
  EXPECT_EQ(simple.target(), beast.target());
  EXPECT_EQ(simple.version(), beast.version());
  EXPECT_EQ(simple.keep_alive(), beast.keep_alive()) << ::testing::PrintToString(std::string(wire));
  EXPECT_EQ(fields_of(simple), fields_of(beast)) << ::testing::PrintToString(std::string(wire));
  EXPECT_EQ(simple.body(), beast.body());
  return n;
}

const std::string kSdkRequest =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "accept: application/json\r\n"
    "content-type: application/json\r\n"
    "user-agent: OpenAI/JS 4.77.0\r\n"
    "x-stainless-lang: js\r\n"
    "Authorization: Bearer gk-123\r\n"
    "X-Governor-Task: t1\r\n"
    "x-governor-step:  act \t\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "{\"model\":\"m\"}";

TEST(SimpleRequest, ReadsAnSdkRequestAsBeastDoes) {
  Request r;
  ASSERT_EQ(read_simple_request(kSdkRequest, r, kLimits), kSdkRequest.size());
  EXPECT_EQ(r.method(), http::verb::post);
  EXPECT_EQ(r.target(), "/v1/chat/completions");
  EXPECT_EQ(r.version(), 11u);
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(r.body(), "{\"model\":\"m\"}");
  EXPECT_EQ(r.field("authorization"), "Bearer gk-123");
  EXPECT_EQ(r.field("x-governor-step"), "act");
  EXPECT_EQ(r.field("content-type"), std::nullopt) << "kept: Authorization and X-Governor-* only";
  EXPECT_EQ(read_checked(kSdkRequest), kSdkRequest.size());
}

TEST(SimpleRequest, ReadsTheCommonShapesAsBeastDoes) {
  for (const std::string& wire : {
           std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("GET /v1/models HTTP/1.0\r\n\r\n"),
           std::string("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
           std::string("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"),
           std::string("POST /x HTTP/1.1\r\nconnection:close\r\ncontent-length:0\r\n\r\n"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nabGET / HTTP/1.1\r\n\r\n"),
           std::string("DELETE /v1/tasks/%C3%A9?x=1&y HTTP/1.1\r\nX-Empty:\r\n\r\n"),
           std::string("GET /\x80\xff HTTP/1.1\r\nX-Governor-Bin: \x80\xfe\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nX-Governor-A: 1\r\nAuthorization: a\r\n"
                       "x-GOVERNOR-a: 2\r\n\r\n"),
           std::string("PUT / HTTP/1.1\r\nX-Tab:\ta\tb\t\r\nContent-Length: 000\r\n\r\n"),
       }) {
    EXPECT_GT(read_checked(wire), 0u) << ::testing::PrintToString(wire);
  }
}

TEST(SimpleRequest, LeavesEveryOtherShapeToBeast) {
  for (const std::string& wire : {
           std::string("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),  // body still coming
           std::string("GET / HTTP/1.1\r\nHost: x\r\n"),                    // fields still coming
           std::string("GET / HTTP/1.1\r\nHost: x\r\n\r"),
           std::string("GET / HTTP/1.1\r\nHost: x\r"),
           std::string("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\na"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nX-Folded: a\r\n b\r\n\r\n"),
           std::string("GET / HTTP/2.0\r\n\r\n"),
           std::string("GET / HTTP/1.1\n\n"),
           std::string("get / HTTP/1.1\r\n\r\n"),  // an unknown method, kept as text by Beast
           std::string("BREW / HTTP/1.1\r\n\r\n"),
           std::string("GET  / HTTP/1.1\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\n: x\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nX-Ctl: a\x01z\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nX-Del: a\x7fz\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nX-Lf: a\nz\r\n\r\n"),
           std::string("GET /a\x7f HTTP/1.1\r\n\r\n"),
           std::string("POST /x HTTP/1.1\r\nContent-Length: 4097\r\n\r\n"),  // over body_bytes
       }) {
    Request r;
    EXPECT_EQ(read_simple_request(wire, r, kLimits), 0u) << ::testing::PrintToString(wire);
  }
  // A head at the header limit or over it: Beast's verdict.
  const std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(1000, 'b') + "\r\n\r\n";
  Request r;
  EXPECT_EQ(read_simple_request(big, r, kLimits), 0u);
  EXPECT_EQ(read_simple_request(big, r, RequestLimits{big.size() + 1, 0}), big.size());
}

TEST(SimpleRequest, AFalseReadLeavesNothingBeastDoesNotReset) {
  // Read up to a field it leaves to Beast: the fields it kept are gone once Beast reads.
  const std::string wire =
      "POST /x HTTP/1.1\r\nAuthorization: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\nb\r\n0\r\n\r\n";
  Request r;
  ASSERT_EQ(read_simple_request(wire, r, kLimits), 0u);
  const BeastRead read = beast_read(wire, r);
  ASSERT_TRUE(read.done);
  EXPECT_EQ(fields_of(r).size(), 1u);
  EXPECT_EQ(r.body(), "b");
}

/** Random damage to requests of every shape above: whatever the reader still reads, Beast must
 *  read the same. */
TEST(SimpleRequest, NeverReadsWhatBeastReadsOtherwiseUnderRandomDamage) {
  const std::vector<std::string> seeds = {
      kSdkRequest,
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 2\r\nX-Governor-Task: t\r\n\r\nab",
      "GET /v1/tasks/t1 HTTP/1.1\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n",
  };
  std::mt19937 random(20261124);
  std::size_t read = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string wire = testing::damaged_message(seeds, random);
    if (read_checked(wire) > 0) {
      ++read;
    }
    if (::testing::Test::HasFailure()) {
      break;  // one case is enough to see
    }
  }
  EXPECT_GT(read, 1'000u) << "the damage left too few requests readable to test anything";
}

}  // namespace
}  // namespace governor::server
