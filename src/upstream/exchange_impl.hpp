#pragma once

#include <array>

#include "connection_pool.hpp"

namespace governor::upstream {

/** Beast's buffer_body parser reads the body into `piece` as it arrives. */
struct Exchange::Impl {
  std::weak_ptr<ConnectionPool> pool;  // weak: a forced shutdown may destroy pools first
  ConnectionPtr connection;
  http::response_parser<http::buffer_body> parser;
  std::array<char, 16 * 1024> piece;  // left uninitialized: the parser writes before reads
  Clock::time_point deadline{};
  std::chrono::milliseconds idle{};
  std::string upstream;
  bool failed = false;

  // User-provided, so that make_unique's value-initialization does not zero the 16 kB piece.
  Impl() {}  // NOLINT(modernize-use-equals-default)
  ~Impl();
  /** Maps a read error to a Failure, closing the connection. */
  Failure fail(boost::system::error_code ec, bool header_stage);
};

}  // namespace governor::upstream
