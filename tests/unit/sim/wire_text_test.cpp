// The simulator writes every response as text it formats itself (sim/connection.hpp), not
// through Beast's writers: these tests hold that text to what Beast's serializer writes.
#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>
#include <string>

#include "sim/connection.hpp"

namespace governor::sim {
namespace {

template <class Message>
std::string beast_text(const Message& message) {
  std::ostringstream out;
  out << message;
  return out.str();
}

Response sample_response(unsigned status, std::string body, bool keep_alive) {
  Response response{static_cast<http::status>(status), 11};
  response.set(http::field::server, "governor-sim");
  response.set(http::field::content_type, "application/json");
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

TEST(WireText, AResponseWithALengthIsWhatBeastWrites) {
  for (const bool keep_alive : {true, false}) {
    for (const unsigned status : {200U, 404U, 429U, 503U}) {
      const auto response = sample_response(status, R"({"error":{"message":"x"}})", keep_alive);
      EXPECT_EQ(message_text(response), beast_text(response)) << status << keep_alive;
    }
  }
  const auto empty = sample_response(200, "", true);
  EXPECT_EQ(message_text(empty), beast_text(empty));
}

TEST(WireText, AChunkedResponseIsWhatBeastWrites) {
  auto response = sample_response(200, "data: {}\n\n", true);
  response.chunked(true);
  EXPECT_EQ(message_text(response), beast_text(response));
  EXPECT_TRUE(message_text(response).ends_with("0\r\n\r\n"));
}

TEST(WireText, TheHeaderAloneIsTheStartOfTheMessage) {
  http::response<http::empty_body> header{http::status::ok, 11};
  header.set(http::field::content_type, "text/event-stream");
  header.chunked(true);
  const auto text = header_text(header.base());
  EXPECT_EQ(text, beast_text(header.base()));
  EXPECT_TRUE(text.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_TRUE(text.ends_with("Transfer-Encoding: chunked\r\n\r\n"));
}

TEST(WireText, AChunkIsItsSizeInHexThenTheDataBetweenLineEnds) {
  EXPECT_EQ(chunk_text("abc"), "3\r\nabc\r\n");
  const std::string big(4095, 'x');
  EXPECT_EQ(chunk_text(big), "fff\r\n" + big + "\r\n");
}

}  // namespace
}  // namespace governor::sim
