#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace governor::sim {

/** An error the simulator answers with, in OpenAI's shape:
 *  `{"error":{"message":..,"type":..,"param":..|null,"code":..|null}}`. */
struct ApiError {
  unsigned status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;

  bool operator==(const ApiError&) const = default;
};

/** 400 invalid_request_error naming `param` (may be empty: `param: null`). */
ApiError invalid_request(std::string message, std::string param, std::string code);

/** The error a `status=CODE` directive produces: the type and message OpenAI uses for that
 *  status (429 rate_limit_exceeded, 5xx server_error, other 4xx invalid_request_error). */
ApiError injected_error(unsigned status);

/** The response body for `error`. */
nlohmann::ordered_json error_json(const ApiError& error);

}  // namespace governor::sim
