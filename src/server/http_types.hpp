#pragma once

// Private to the server module: the Beast types every handler shares.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "governor/openai/error_body.hpp"
#include "identity.hpp"
#include "request_headers.hpp"
#include "response.hpp"
#include "worker.hpp"

namespace governor::server {

namespace http = beast::http;
using Clock = std::chrono::steady_clock;

inline constexpr auto nothrow = net::as_tuple(net::use_awaitable);

/** One request being served: what every handler gets. Lives on the session's frame. */
struct Call {
  Worker& worker;
  beast::tcp_stream& stream;
  beast::flat_buffer& buffer;  ///< the session's read buffer (pipelined bytes land here)
  Request& request;
  std::string request_id;
  Clock::time_point started;
  bool keep_alive = true;  ///< cleared when the connection must close after this response
  /** The signal the session's coroutine is bound to (see run_session); may be null. */
  net::cancellation_signal* client_left = nullptr;
};

/** A response with a JSON body and the headers every Governor response carries. */
Response json_response(const Call& ex, http::status status, std::string body);
/** An OpenAI-shaped error response. */
Response error_response(const Call& ex, const openai::ApiError& error);

/** Writes a complete response; false when the client is gone. */
net::awaitable<bool> write_response(Call& ex, Response&& response);

}  // namespace governor::server
