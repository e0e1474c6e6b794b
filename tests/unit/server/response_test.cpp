#include "response.hpp"

#include <gtest/gtest.h>

namespace governor::server {
namespace {

namespace http = boost::beast::http;

TEST(Response, HeadHasTheStatusLineFieldsInOrderAndTheBodyLength) {
  Response res{http::status::payment_required, 11};
  res.set(http::field::server, "governor");
  res.set("X-Governor-Task", "t1");
  res.body() = R"({"error":{}})";
  EXPECT_EQ(res.head(),
            "HTTP/1.1 402 Payment Required\r\n"
            "Server: governor\r\n"
            "X-Governor-Task: t1\r\n"
            "Content-Length: 12\r\n"
            "\r\n");
  EXPECT_EQ(res.result_int(), 402u);
}

TEST(Response, SettingAFieldAgainReplacesItWhateverTheCaseOfItsName) {
  Response res{http::status::ok, 11};
  res.set("X-Request-Id", "first");
  res.set(http::field::content_type, "application/json");
  res.set("x-request-id", "second");
  res.set(http::field::content_type, "text/plain");
  EXPECT_EQ(res.field("X-Request-Id"), "second");
  EXPECT_EQ(res.field("content-type"), "text/plain");
  EXPECT_EQ(res.field("X-Request"), std::nullopt) << "a prefix of a name is not the name";
  EXPECT_EQ(res.head(),
            "HTTP/1.1 200 OK\r\n"
            "x-request-id: second\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(Response, AddAppendsWithoutLookingAndSetStillFindsWhatItAdded) {
  Response res{http::status::ok, 11};
  res.add(http::field::server, "governor");
  res.add("X-Governor-Tier", "cheap");
  res.set("x-governor-tier", "premium");
  EXPECT_EQ(res.field("X-Governor-Tier"), "premium");
  EXPECT_EQ(res.field("Server"), "governor");
}

TEST(Response, SetTellsApartNamesOfTheSameLengthAndInitial) {
  // find() skips its scan for a name whose (length, initial) no field has: names that share
  // them are still compared in full.
  Response res{http::status::ok, 11};
  res.add("X-Governor-Tier", "cheap");
  res.set("X-Governor-Task", "t1");  // 15 characters and an 'x', like the tier's name
  res.set("x-GOVERNOR-tier", "premium");
  res.set("X-Request-Id", "r1");
  EXPECT_EQ(res.field("X-Governor-Tier"), "premium");
  EXPECT_EQ(res.field("X-Governor-Task"), "t1");
  EXPECT_EQ(res.field("X-Governor-Tick"), std::nullopt);
  EXPECT_EQ(res.field("Y-Request-Id"), std::nullopt);
  EXPECT_EQ(res.head(),
            "HTTP/1.1 200 OK\r\n"
            "X-Governor-Task: t1\r\n"
            "x-GOVERNOR-tier: premium\r\n"
            "X-Request-Id: r1\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(Response, ConnectionFollowsTheVersionsDefault) {
  Response closing{http::status::ok, 11};
  closing.keep_alive(false);
  EXPECT_NE(closing.head().find("\r\nConnection: close\r\n"), std::string::npos);

  Response kept_10{http::status::ok, 10};
  EXPECT_EQ(kept_10.head().substr(0, 17), "HTTP/1.0 200 OK\r\n");
  EXPECT_NE(kept_10.head().find("\r\nConnection: keep-alive\r\n"), std::string::npos);

  Response closing_10{http::status::ok, 10};
  closing_10.keep_alive(false);
  EXPECT_EQ(closing_10.head().find("Connection"), std::string::npos);

  Response kept_11{http::status::ok, 11};
  EXPECT_EQ(kept_11.head().find("Connection"), std::string::npos);
}

TEST(Response, AChunkedHeadHasNoLength) {
  Response res{http::status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.chunked(true);
  EXPECT_EQ(res.head(),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n"
            "\r\n");
}

}  // namespace
}  // namespace governor::server
