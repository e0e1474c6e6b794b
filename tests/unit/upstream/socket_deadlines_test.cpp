#include "governor/upstream/socket_deadlines.hpp"

#include <gtest/gtest.h>

#include <boost/asio/read.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "support/loopback_pair.hpp"

namespace governor::upstream {
namespace {

using namespace std::chrono_literals;
using net::ip::tcp;
using Connection = testing::LoopbackPair;
using Clock = SocketDeadlines::Clock;

/** A read pending on `socket` that records how it ended. */
struct PendingRead {
  explicit PendingRead(tcp::socket& socket) {
    socket.async_read_some(net::buffer(byte),
                           [this](boost::system::error_code e, std::size_t) { ec = e; });
  }
  char byte[1] = {};
  std::optional<boost::system::error_code> ec;
};

// A resolution longer than any test: only sweep() by hand moves them.
constexpr auto kHandSwept = std::chrono::hours(1);

TEST(SocketDeadlines, ASweepClosesOnlyTheSocketsPastTheirDeadline) {
  net::io_context io;
  SocketDeadlines deadlines(io, kHandSwept);
  Connection late(io);
  Connection early(io);
  Connection none(io);
  SocketDeadlines::Entry late_deadline(deadlines, late.ours);
  SocketDeadlines::Entry early_deadline(deadlines, early.ours);
  SocketDeadlines::Entry no_deadline(deadlines, none.ours);
  EXPECT_EQ(deadlines.entries(), 3u);
  const auto now = Clock::now();
  late_deadline.expire_at(now + 10s);
  early_deadline.expire_at(now + 1s);
  PendingRead read(early.ours);

  deadlines.sweep(now + 999ms);
  EXPECT_FALSE(early_deadline.expired());
  deadlines.sweep(now + 1s);
  EXPECT_TRUE(early_deadline.expired());
  EXPECT_FALSE(late_deadline.expired());
  EXPECT_FALSE(no_deadline.expired());
  EXPECT_FALSE(early.ours.is_open());
  EXPECT_TRUE(late.ours.is_open());
  EXPECT_TRUE(none.ours.is_open());
  io.run_for(50ms);
  ASSERT_TRUE(read.ec.has_value());
  EXPECT_EQ(*read.ec, net::error::operation_aborted);  // what was pending on it ends
  EXPECT_EQ(deadlines.expired(), 1u);
}

TEST(SocketDeadlines, ANewDeadlineReplacesTheOldAndClearsExpired) {
  net::io_context io;
  SocketDeadlines deadlines(io, kHandSwept);
  Connection c(io);
  SocketDeadlines::Entry deadline(deadlines, c.ours);
  const auto now = Clock::now();
  deadline.expire_at(now + 1s);
  deadline.expire_at(now + 5s);
  deadlines.sweep(now + 2s);
  EXPECT_FALSE(deadline.expired());
  deadline.expire_never();
  deadlines.sweep(now + 1h);
  EXPECT_FALSE(deadline.expired());
  EXPECT_TRUE(c.ours.is_open());
  deadline.expire_at(now);
  deadlines.sweep(now);
  EXPECT_TRUE(deadline.expired());
  deadline.expire_at(now + 1h);  // the owner starts over: no longer expired
  EXPECT_FALSE(deadline.expired());
}

TEST(SocketDeadlines, EntriesLeaveTheListFromAnywhere) {
  net::io_context io;
  SocketDeadlines deadlines(io, kHandSwept);
  Connection a(io);
  Connection b(io);
  Connection c(io);
  auto first = std::make_unique<SocketDeadlines::Entry>(deadlines, a.ours);
  auto middle = std::make_unique<SocketDeadlines::Entry>(deadlines, b.ours);
  SocketDeadlines::Entry last(deadlines, c.ours);
  const auto now = Clock::now();
  first->expire_at(now);
  middle->expire_at(now);
  last.expire_at(now);
  middle.reset();
  first.reset();
  EXPECT_EQ(deadlines.entries(), 1u);
  deadlines.sweep(now);
  EXPECT_TRUE(last.expired());
  EXPECT_TRUE(a.ours.is_open());  // no longer watched
  EXPECT_TRUE(b.ours.is_open());
}

TEST(SocketDeadlines, TheTimerSweepsAtTheEarliestDeadline) {
  net::io_context io;
  SocketDeadlines deadlines(io, 1ms);
  Connection slow(io);
  Connection fast(io);
  SocketDeadlines::Entry slow_deadline(deadlines, slow.ours);
  SocketDeadlines::Entry fast_deadline(deadlines, fast.ours);
  const auto start = Clock::now();
  slow_deadline.expire_at(start + 1h);
  fast_deadline.expire_at(start + 20ms);  // earlier than the sweep due: brings it forward
  PendingRead read(fast.ours);
  while (!read.ec && Clock::now() - start < 5s) {
    io.run_one_for(50ms);
  }
  EXPECT_TRUE(fast_deadline.expired());
  EXPECT_GE(Clock::now() - start, 20ms);
  EXPECT_FALSE(slow_deadline.expired());
  EXPECT_EQ(deadlines.sweeps(), 1u);
  slow_deadline.expire_never();
}

TEST(SocketDeadlines, AStoppedTimerClosesNothing) {
  net::io_context io;
  SocketDeadlines deadlines(io, 1ms);
  Connection c(io);
  SocketDeadlines::Entry deadline(deadlines, c.ours);
  deadline.expire_at(Clock::now() + 5ms);
  deadlines.stop_timer();
  io.run_for(30ms);
  EXPECT_FALSE(deadline.expired());
  EXPECT_TRUE(c.ours.is_open());
}

}  // namespace
}  // namespace governor::upstream
