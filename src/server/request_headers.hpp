#pragma once

// Reading a client request's header fields: pure, so the rules are unit-tested without sockets.

#include <optional>
#include <string_view>

#include "identity.hpp"
#include "request.hpp"

namespace governor::server {

/** A request header's value, nullopt when absent. Only the fields RequestParser keeps
 *  (Authorization and X-Governor-*) are there to be found. */
std::optional<std::string_view> header_of(const Request& request, std::string_view name);

/** The X-Governor-* headers of a request, names in any case; the first of a repeated one. */
GovernorHeaders governor_headers(const Request& request);

}  // namespace governor::server
