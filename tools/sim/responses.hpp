#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sim/api_error.hpp"
#include "sim/connection.hpp"
#include "sim/sim_server.hpp"

namespace governor::sim {

/** A response to `request` with the headers every simulator response carries (Server,
 *  x-request-id), `keep_alive` applied and Content-Length set. */
Response make_response(const Request& request, unsigned status, std::string body,
                       std::string_view content_type, bool keep_alive);

/** `make_response` with a JSON body. */
Response json_response(const Request& request, unsigned status, std::string body, bool keep_alive);

/** An OpenAI-shaped error response. */
Response error_response(const Request& request, const ApiError& error, bool keep_alive);

/** The 401 to answer with when options.api_key is set and the request does not carry
 *  "Authorization: Bearer <api_key>"; nullopt when it may pass. */
std::optional<ApiError> check_api_key(const Request& request, const SimOptions& options);

/** The request's `name` header, "" when absent. */
std::string header_value(const Request& request, std::string_view name);

}  // namespace governor::sim
