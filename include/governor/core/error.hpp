#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <type_traits>

namespace governor {

/** Governor's own error conditions. Each maps to exactly one HTTP status and OpenAI error code
 *  (see openai/error_body.hpp). Ordered client errors first, then server-side ones. */
enum class errc {
  ok = 0,
  invalid_json,           ///< 400: the body is not JSON
  invalid_request,        ///< 400: a field is missing, of the wrong type or out of range
  unauthenticated,        ///< 401: missing or unknown gateway API key
  permission_denied,      ///< 403: the key may not use that policy or trust domain
  model_not_found,        ///< 404: `model` names neither an alias nor an upstream model
  not_found,              ///< 404: no such path
  method_not_allowed,     ///< 405
  body_too_large,         ///< 413
  task_exists,            ///< 409: POST /v1/tasks for an id the tenant already has
  budget_exhausted,       ///< 402: the call's worst-case cost does not fit a budget scope
  retry_limit,            ///< 402: the task retried a step more than its policy allows
  upstream_unavailable,   ///< 502: every attempt and fallback failed
  upstream_timeout,       ///< 504: the upstream did not answer in time
  upstream_bad_response,  ///< 502: the upstream answered with something that is not OpenAI wire
                          ///< format
  shutting_down,          ///< 503: draining
  ledger_unavailable,     ///< 503: the budget ledger could not record the call (retryable)
  internal,               ///< 500
};

const boost::system::error_category& governor_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), governor_category()};
}

template <class T>
using Result = boost::system::result<T>;

}  // namespace governor

namespace boost::system {
template <>
struct is_error_code_enum<governor::errc> : std::true_type {};
}  // namespace boost::system
