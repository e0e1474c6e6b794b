#include "http_types.hpp"

#include <array>

namespace governor::server {

Response json_response(const Call& ex, http::status status, std::string body) {
  Response res{status, ex.request.version()};
  res.add(http::field::server, "governor");
  res.add(http::field::content_type, "application/json");
  res.add("X-Request-Id", ex.request_id);
  res.body() = std::move(body);
  return res;
}

Response error_response(const Call& ex, const openai::ApiError& error) {
  return json_response(ex, static_cast<http::status>(error.status), openai::error_body_json(error));
}

net::awaitable<bool> write_response(Call& ex, Response&& response) {
  response.keep_alive(ex.keep_alive && ex.request.keep_alive() && !ex.worker.draining());
  ex.keep_alive = response.keep_alive();
  // One gather write of a head built here and the body, straight on the socket (no write
  // timeout is set while a call is served): Beast's serializer walks its buffer sequence a
  // piece at a time, and it and tcp_stream's wrapper were about 8% of a proxied call.
  const std::string head = response.head();
  const std::array<net::const_buffer, 2> pieces{net::buffer(head), net::buffer(response.body())};
  auto [ec, n] = co_await net::async_write(ex.stream.socket(), pieces, nothrow);
  co_return !ec;
}

}  // namespace governor::server
