#pragma once

// Reading a client request's header fields: pure, so the rules are unit-tested without sockets.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string_view>

#include "identity.hpp"

namespace governor::server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

/** A request header's value, nullopt when absent. */
std::optional<std::string_view> header_of(const Request& request, std::string_view name);

/** The X-Governor-* headers of a request, names in any case; the first of a repeated one. */
GovernorHeaders governor_headers(const Request& request);

}  // namespace governor::server
