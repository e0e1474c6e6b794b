#include "sim/api_error.hpp"

#include <utility>

namespace governor::sim {

ApiError invalid_request(std::string message, std::string param, std::string code) {
  ApiError error;
  error.message = std::move(message);
  if (!param.empty()) {
    error.param = std::move(param);
  }
  if (!code.empty()) {
    error.code = std::move(code);
  }
  return error;
}

ApiError injected_error(unsigned status) {
  ApiError error;
  error.status = status;
  if (status == 429) {
    error.type = "rate_limit_exceeded";
    error.code = "rate_limit_exceeded";
    error.message = "Rate limit reached for requests (injected by governor-sim).";
  } else if (status >= 500) {
    error.type = "server_error";
    error.code = "server_error";
    error.message = status == 503
                        ? "The server is overloaded or not ready yet (injected by governor-sim)."
                        : "The server had an error while processing your request (injected by "
                          "governor-sim).";
  } else if (status == 401) {
    error.code = "invalid_api_key";
    error.message = "Incorrect API key provided (injected by governor-sim).";
  } else {
    error.code = "sim_injected_error";
    error.message = "Injected client error " + std::to_string(status) + " (governor-sim).";
  }
  return error;
}

nlohmann::ordered_json error_json(const ApiError& error) {
  nlohmann::ordered_json body;
  body["message"] = error.message;
  body["type"] = error.type;
  body["param"] = error.param ? nlohmann::ordered_json(*error.param) : nullptr;
  body["code"] = error.code ? nlohmann::ordered_json(*error.code) : nullptr;
  return {{"error", std::move(body)}};
}

}  // namespace governor::sim
