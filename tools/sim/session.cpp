#include "sim/session.hpp"

#include <boost/beast/http/error.hpp>
#include <string_view>

#include "sim/chat_handler.hpp"
#include "sim/responses.hpp"
#include "sim/wire.hpp"

namespace governor::sim {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t kMaxBody = 8ULL << 20;  // 8 MiB, then 413
constexpr std::uint32_t kMaxHeader = 64U << 10;
constexpr auto kHandshakeTimeout = 10s;
// Idle keep-alive connections are closed after this, as real upstreams do; pools must cope.
constexpr auto kIdleTimeout = 75s;

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

net::awaitable<After> respond(Connection& connection, Response response) {
  const bool keep_alive = response.keep_alive();
  if (co_await connection.write(response)) {
    co_return After::drop;
  }
  co_return keep_alive ? After::keep_alive : After::close;
}

net::awaitable<After> dispatch(Connection& connection, const Request& request,
                               const SimContext& context) {
  const auto path = path_of(request.target());
  const bool keep_alive = request.keep_alive();
  const auto method = request.method();
  const auto wrong_method = [&](std::string_view allowed) {
    ApiError error = invalid_request("Method " + std::string{request.method_string()} +
                                         " is not allowed for " + std::string{path} + ".",
                                     "", "method_not_allowed");
    error.status = 405;
    auto response = error_response(request, error, keep_alive);
    response.set(http::field::allow, allowed);
    return response;
  };
  if (path == "/v1/chat/completions" || path == "/chat/completions") {
    if (method != http::verb::post) {
      co_return co_await respond(connection, wrong_method("POST"));
    }
    co_return co_await handle_chat(connection, request, context);
  }
  if (path == "/v1/models" || path == "/models") {
    if (method != http::verb::get) {
      co_return co_await respond(connection, wrong_method("GET"));
    }
    if (auto error = check_api_key(request, context.options)) {
      co_return co_await respond(connection, error_response(request, *error, keep_alive));
    }
    co_return co_await respond(connection,
                               json_response(request, 200, models_json().dump(), keep_alive));
  }
  if (path == "/healthz") {
    if (method != http::verb::get) {
      co_return co_await respond(connection, wrong_method("GET"));
    }
    co_return co_await respond(connection,
                               json_response(request, 200, R"({"status":"ok"})", keep_alive));
  }
  ApiError error = invalid_request(
      "Invalid URL (" + std::string{request.method_string()} + " " + std::string{path} + ")", "",
      "unknown_url");
  error.status = 404;
  co_return co_await respond(connection, error_response(request, error, keep_alive));
}

}  // namespace

net::awaitable<void> run_session(tcp::socket socket, const SimContext& context) {
  Connection connection{std::move(socket), context.tls};
  if (co_await connection.handshake(kHandshakeTimeout)) {
    co_return;
  }
  beast::flat_buffer buffer;
  for (;;) {
    // A fresh parser per request: Beast parsers are single-use.
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBody);
    parser.header_limit(kMaxHeader);
    const auto ec = co_await connection.read_request(buffer, parser, kIdleTimeout);
    if (ec == http::error::body_limit) {
      ApiError error =
          invalid_request("Request body exceeds the 8 MiB limit.", "", "request_too_large");
      error.status = 413;
      const Request blank;
      co_await respond(connection, error_response(blank, error, false));
      co_await connection.close(true);
      co_return;
    }
    if (ec) {
      if (is_parse_error(ec)) {
        const Request blank;
        co_await respond(connection,
                         error_response(blank,
                                        invalid_request("Malformed HTTP request: " + ec.message(),
                                                        "", "bad_request"),
                                        false));
        co_await connection.close(true);
      }
      // end_of_stream, timeouts, resets: the client is gone or idle; nothing to answer.
      co_return;
    }
    const auto after = co_await dispatch(connection, parser.get(), context);
    if (after == After::keep_alive) {
      continue;
    }
    if (after == After::close) {
      co_await connection.close();
    }
    co_return;
  }
}

}  // namespace governor::sim
