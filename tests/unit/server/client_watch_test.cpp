#include "client_watch.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "support/loopback_pair.hpp"

namespace governor::server {
namespace {

using namespace std::chrono_literals;

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

/** One worker's watches, ticked by hand, and a client connection with its session's signal. */
class ClientWatchTest : public ::testing::Test {
 protected:
  void run_a_while() {
    io.restart();
    io.run_for(20ms);
  }
  /** Ticks twice: a watch added before is then started. */
  void a_whole_tick() {
    watches.tick();
    watches.tick();
  }

  net::io_context io;
  ClientWatches watches{io, kNeverOnItsOwn};
  testing::LoopbackPair c{io};  // ours: the gateway's end; theirs: the client's
  Session session;
};

TEST_F(ClientWatchTest, StartsOnlyOnceItsCallHasLastedAWholeTick) {
  ClientWatch watch(watches, c.ours, session.left);
  EXPECT_FALSE(watch.started());
  EXPECT_EQ(watches.waiting(), 1u);
  watches.tick();  // the call may have started just before this tick
  EXPECT_FALSE(watch.started());
  watches.tick();  // a whole tick has passed
  EXPECT_TRUE(watch.started());
  EXPECT_EQ(watches.waiting(), 0u);
  EXPECT_EQ(watches.started(), 1u);
}

TEST_F(ClientWatchTest, AStartedWatchCancelsTheCallWhenTheClientLeaves) {
  ClientWatch watch(watches, c.ours, session.left);
  a_whole_tick();
  run_a_while();
  EXPECT_FALSE(watch.gone());  // the client is still there
  c.theirs.close();
  run_a_while();
  EXPECT_TRUE(watch.gone());
  EXPECT_EQ(session.emitted, net::cancellation_type::terminal);
}

TEST_F(ClientWatchTest, AClientThatLeftEarlyIsSeenAtTheStart) {
  ClientWatch watch(watches, c.ours, session.left);
  c.theirs.close();  // before the watch has started
  run_a_while();
  EXPECT_FALSE(watch.gone());
  a_whole_tick();
  run_a_while();
  EXPECT_TRUE(watch.gone());
  EXPECT_EQ(session.emitted, net::cancellation_type::terminal);
}

TEST_F(ClientWatchTest, APipelinedRequestIsLeftForTheSession) {
  {
    ClientWatch watch(watches, c.ours, session.left);
    a_whole_tick();
    net::write(c.theirs, net::buffer(std::string("GET /next")));
    run_a_while();
    EXPECT_FALSE(watch.gone());
  }
  EXPECT_EQ(session.emitted, net::cancellation_type::none);
  std::string next(9, '\0');
  net::read(c.ours, net::buffer(next));
  EXPECT_EQ(next, "GET /next");  // peeked, not consumed
}

TEST_F(ClientWatchTest, ACallThatEndsWithinItsTickNeverTouchesTheSocket) {
  auto watch = std::make_unique<ClientWatch>(watches, c.ours, session.left);
  auto later = std::make_unique<ClientWatch>(watches, c.ours, session.left);
  watches.tick();
  watch.reset();  // unlinked from the middle of the list...
  EXPECT_EQ(watches.waiting(), 1u);
  later.reset();  // ...and from its end
  EXPECT_EQ(watches.waiting(), 0u);
  a_whole_tick();
  EXPECT_EQ(watches.started(), 0u);
  c.theirs.close();
  run_a_while();
  EXPECT_EQ(session.emitted, net::cancellation_type::none);
}

TEST_F(ClientWatchTest, WatchesStartInTheOrderTheirCallsBegan) {
  ClientWatch first(watches, c.ours, session.left);
  watches.tick();
  ClientWatch second(watches, c.ours, session.left);
  watches.tick();
  EXPECT_TRUE(first.started());
  EXPECT_FALSE(second.started());
  watches.tick();
  EXPECT_TRUE(second.started());
}

TEST(ClientWatches, TheTimerTicksWhileCallsWaitAndStopsWhenNoneDo) {
  net::io_context io;
  ClientWatches watches(io, 5ms);
  testing::LoopbackPair c(io);
  Session session;
  const auto begin = std::chrono::steady_clock::now();
  {
    ClientWatch watch(watches, c.ours, session.left);
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
  testing::LoopbackPair c(io);
  Session session;
  ClientWatch watch(watches, c.ours, session.left);
  watches.stop_timer();
  io.run_for(30ms);
  EXPECT_FALSE(watch.started());
}

}  // namespace
}  // namespace governor::server
