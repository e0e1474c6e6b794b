#pragma once

#include "connection_pool.hpp"
#include "response_parser.hpp"

namespace governor::upstream {

/** The parser reads the body into the connection's `piece` as it arrives. */
struct Exchange::Impl {
  std::weak_ptr<ConnectionPool> pool;  // weak: a forced shutdown may destroy pools first
  ConnectionPtr connection;
  ResponseParser parser;
  Clock::time_point deadline{};
  std::chrono::milliseconds idle{};
  std::string upstream;
  bool failed = false;

  ~Impl();
  /** Maps a read error to a Failure, closing the connection. */
  Failure fail(boost::system::error_code ec, bool header_stage);
};

}  // namespace governor::upstream
