#include "client_watch.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

namespace governor::server {
namespace {

using namespace std::chrono_literals;
using net::ip::tcp;

/** A connected pair of loopback sockets: `server` is the gateway's end, `client` the caller's. */
struct Connection {
  explicit Connection(net::io_context& io) : server(io), client(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  tcp::socket server;
  tcp::socket client;
};

/** A session's cancellation signal, with a handler that records what was emitted. */
struct Session {
  Session() {
    left.slot().assign([this](net::cancellation_type type) { emitted = type; });
  }
  net::cancellation_signal left;
  net::cancellation_type emitted = net::cancellation_type::none;
};

// Ticks an hour apart never fire during a test: tick() is called by hand.
constexpr auto kNeverOnItsOwn = std::chrono::hours(1);

void run_a_while(net::io_context& io) {
  io.restart();
  io.run_for(20ms);
}

TEST(ClientWatch, StartsOnlyOnceItsCallHasLastedAWholeTick) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  ClientWatch watch(watches, c.server, session.left);
  EXPECT_FALSE(watch.started());
  EXPECT_EQ(watches.waiting(), 1u);
  watches.tick();  // the call may have started just before this tick
  EXPECT_FALSE(watch.started());
  watches.tick();  // a whole tick has passed
  EXPECT_TRUE(watch.started());
  EXPECT_EQ(watches.waiting(), 0u);
  EXPECT_EQ(watches.started(), 1u);
}

TEST(ClientWatch, AStartedWatchCancelsTheCallWhenTheClientLeaves) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  ClientWatch watch(watches, c.server, session.left);
  watches.tick();
  watches.tick();
  run_a_while(io);
  EXPECT_FALSE(watch.gone());  // the client is still there
  c.client.close();
  run_a_while(io);
  EXPECT_TRUE(watch.gone());
  EXPECT_EQ(session.emitted, net::cancellation_type::terminal);
}

TEST(ClientWatch, AClientThatLeftEarlyIsSeenAtTheStart) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  ClientWatch watch(watches, c.server, session.left);
  c.client.close();  // before the watch has started
  run_a_while(io);
  EXPECT_FALSE(watch.gone());
  watches.tick();
  watches.tick();
  run_a_while(io);
  EXPECT_TRUE(watch.gone());
  EXPECT_EQ(session.emitted, net::cancellation_type::terminal);
}

TEST(ClientWatch, APipelinedRequestIsLeftForTheSession) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  {
    ClientWatch watch(watches, c.server, session.left);
    watches.tick();
    watches.tick();
    net::write(c.client, net::buffer(std::string("GET /next")));
    run_a_while(io);
    EXPECT_FALSE(watch.gone());
  }
  EXPECT_EQ(session.emitted, net::cancellation_type::none);
  std::string next(9, '\0');
  net::read(c.server, net::buffer(next));
  EXPECT_EQ(next, "GET /next");  // peeked, not consumed
}

TEST(ClientWatch, ACallThatEndsWithinItsTickNeverTouchesTheSocket) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  auto watch = std::make_unique<ClientWatch>(watches, c.server, session.left);
  auto later = std::make_unique<ClientWatch>(watches, c.server, session.left);
  watches.tick();
  watch.reset();  // unlinked from the middle of the list...
  EXPECT_EQ(watches.waiting(), 1u);
  later.reset();  // ...and from its end
  EXPECT_EQ(watches.waiting(), 0u);
  watches.tick();
  watches.tick();
  EXPECT_EQ(watches.started(), 0u);
  c.client.close();
  run_a_while(io);
  EXPECT_EQ(session.emitted, net::cancellation_type::none);
}

TEST(ClientWatch, WatchesStartInTheOrderTheirCallsBegan) {
  net::io_context io;
  ClientWatches watches(io, kNeverOnItsOwn);
  Connection c(io);
  Session session;
  ClientWatch first(watches, c.server, session.left);
  watches.tick();
  ClientWatch second(watches, c.server, session.left);
  watches.tick();
  EXPECT_TRUE(first.started());
  EXPECT_FALSE(second.started());
  watches.tick();
  EXPECT_TRUE(second.started());
}

TEST(ClientWatches, TheTimerTicksWhileCallsWaitAndStopsWhenNoneDo) {
  net::io_context io;
  ClientWatches watches(io, 5ms);
  Connection c(io);
  Session session;
  const auto begin = std::chrono::steady_clock::now();
  {
    ClientWatch watch(watches, c.server, session.left);
    for (int i = 0; i < 200 && !watch.started(); ++i) {
      io.run_one_for(10ms);
    }
    EXPECT_TRUE(watch.started());
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 5ms);  // not before a whole tick
  }
  // No watch is waiting: the timer stops after its next tick, and the loop runs out of work.
  io.restart();
  const auto drained = std::chrono::steady_clock::now();
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - drained, 1s);
}

TEST(ClientWatches, AStoppedTimerStartsNothing) {
  net::io_context io;
  ClientWatches watches(io, 5ms);
  Connection c(io);
  Session session;
  ClientWatch watch(watches, c.server, session.left);
  watches.stop_timer();
  io.run_for(30ms);
  EXPECT_FALSE(watch.started());
}

}  // namespace
}  // namespace governor::server
