#pragma once

#include <string>
#include <string_view>

#include "governor/core/error.hpp"

namespace governor::openai {

/** An OpenAI-shaped error: what the SDKs parse from `{"error":{...}}`. */
struct ApiError {
  unsigned status = 500;  ///< HTTP status
  std::string type;       ///< e.g. "invalid_request_error", "api_error"
  std::string code;       ///< e.g. "invalid_json", "model_not_found", "budget_exhausted"
  std::string message;    ///< human-readable, names the field when one is at fault
  std::string param;      ///< the offending field ("messages[1].role"), empty when none
  bool operator==(const ApiError&) const = default;
};

/** The one mapping errc -> HTTP status, OpenAI type and code. `message` defaults to the errc's
 *  message when empty. */
ApiError make_api_error(errc code, std::string message = {}, std::string param = {});

/** `{"error":{"message":..,"type":..,"param":..|null,"code":..|null}}` */
std::string error_body_json(const ApiError& error);

}  // namespace governor::openai
