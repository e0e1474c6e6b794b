// Graceful shutdown: stop accepting, finish in-flight calls (streams included), close idle
// keep-alive connections, then stop.

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <future>
#include <thread>

#include "gateway_fixture.hpp"

namespace governor::testing {
namespace {

class LifecycleTest : public GatewayTest {};

bool can_connect(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

TEST_F(LifecycleTest, DrainLetsAnInFlightStreamFinishAndClosesIdleConnections) {
  sim::SimOptions so;
  so.tokens_per_second = 100;  // 30 tokens: ~300 ms
  start({}, so);
  const auto port = this->port();

  TestClient idle(port);
  ASSERT_EQ(idle.request("GET", "/healthz").status, 200);  // now idle on keep-alive

  TestClient streaming(port);
  const auto head =
      streaming.start("POST", "/v1/chat/completions",
                      chat_body("auto", "finish me", R"("stream":true,"max_tokens":30)"));
  ASSERT_EQ(head.status, 200);
  ASSERT_FALSE(streaming.read_some_body().empty());

  auto drained =
      std::async(std::launch::async, [&] { return gateway().shutdown(std::chrono::seconds(10)); });
  EXPECT_TRUE(idle.peer_closed());  // the idle connection is closed at once
  EXPECT_TRUE(eventually([&] { return !can_connect(port); }));  // no longer accepting

  const std::string rest = streaming.read_rest();  // the stream still completes
  const auto data = sse_data_lines(rest);
  ASSERT_FALSE(data.empty());
  EXPECT_EQ(data.back(), "[DONE]");
  EXPECT_TRUE(drained.get());
  server_.reset();
}

TEST_F(LifecycleTest, DrainTimeoutCutsWhatIsLeft) {
  sim::SimOptions so;
  so.tokens_per_second = 10;  // 100 tokens: ~10 s, far beyond the drain time
  start({}, so);
  TestClient streaming(port());
  const auto head =
      streaming.start("POST", "/v1/chat/completions",
                      chat_body("auto", "too long", R"("stream":true,"max_tokens":100)"));
  ASSERT_EQ(head.status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(gateway().shutdown(std::chrono::milliseconds(200)));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  server_.reset();
}

}  // namespace
}  // namespace governor::testing
