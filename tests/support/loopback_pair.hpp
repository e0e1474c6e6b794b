#pragma once

// Test helper: two connected TCP sockets on 127.0.0.1 (a port chosen at run time), for tests of
// what Governor does to a socket. Header-only.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace governor::testing {

/** `ours` is the end under test (the gateway's), `theirs` the peer's. */
struct LoopbackPair {
  explicit LoopbackPair(boost::asio::io_context& io) : ours(io), theirs(io) {
    using boost::asio::ip::tcp;
    tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    theirs.connect(acceptor.local_endpoint());
    acceptor.accept(ours);
  }
  boost::asio::ip::tcp::socket ours;
  boost::asio::ip::tcp::socket theirs;
};

}  // namespace governor::testing
