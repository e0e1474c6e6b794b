#pragma once

#include <optional>

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
  /** The next piece of the body from what the connection's buffer holds, the end (an empty
   *  piece) or a failure; nullopt when a read is needed first. */
  std::optional<boost::system::result<std::string_view, Failure>> take_held();
};

}  // namespace governor::upstream
