#include "sim/responses.hpp"

#include <atomic>

#include "sim/hash.hpp"

namespace governor::sim {

namespace {

std::string request_id() {
  // Unique per process, not per request content: it only labels the exchange, like OpenAI's.
  static std::atomic<std::uint64_t> counter{0};
  return "req_" + base62_id(mix(counter.fetch_add(1) + 0x5eed), 24);
}

}  // namespace

Response make_response(const Request& request, unsigned status, std::string body,
                       std::string_view content_type, bool keep_alive) {
  Response response{static_cast<http::status>(status), request.version()};
  response.set(http::field::server, "governor-sim");
  response.set(http::field::content_type, content_type);
  response.set("x-request-id", request_id());
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response json_response(const Request& request, unsigned status, std::string body, bool keep_alive) {
  return make_response(request, status, std::move(body), "application/json", keep_alive);
}

Response error_response(const Request& request, const ApiError& error, bool keep_alive) {
  // "replace": a message may quote bytes from an X-Sim header, which need not be UTF-8.
  return json_response(
      request, error.status,
      error_json(error).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
      keep_alive);
}

std::optional<ApiError> check_api_key(const Request& request, const SimOptions& options) {
  const auto authorization = header_value(request, "Authorization");
  if (options.api_key.empty() || authorization == "Bearer " + options.api_key) {
    return std::nullopt;
  }
  ApiError error;
  error.status = 401;
  error.code = "invalid_api_key";
  error.message = authorization.empty()
                      ? "You didn't provide an API key. You need to provide your API key in an "
                        "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                        "YOUR_KEY)."
                      : "Incorrect API key provided.";
  return error;
}

std::string header_value(const Request& request, std::string_view name) {
  const auto it = request.find(name);
  return it == request.end() ? std::string{} : std::string{it->value()};
}

}  // namespace governor::sim
