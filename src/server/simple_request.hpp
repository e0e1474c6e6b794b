#pragma once

// Private to the server module: the common shape of a client request read in one pass.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "request.hpp"

namespace governor::server {

/** Limits a request is read within (the session's RequestParser limits). */
struct RequestLimits {
  std::size_t header_bytes = 0;  ///< request line, fields and the empty line
  std::uint64_t body_bytes = 0;
};

/** Reads a whole HTTP/1.0 or 1.1 request from the start of `bytes` into `request`, when it is
 *  all there and of the shape nearly every client sends: a known method, `HTTP/1.0` or
 *  `HTTP/1.1`, fields without line folding, a body given by one plain Content-Length (or none),
 *  within `limits`, and no Transfer-Encoding, Upgrade, Proxy-Connection or Connection other than
 *  `close` or `keep-alive`. It keeps what RequestParser keeps (the request line, Authorization,
 *  X-Governor-*, the body and keep-alive), the same as RequestParser would have.
 *
 *  Returns the bytes the request took; 0 when it is not all there or not of that shape (then
 *  `request` holds whatever was read so far, and RequestParser must read the same bytes: its
 *  request line resets `request`). Anything malformed returns 0, so RequestParser is what
 *  refuses it, with its own error.
 *
 *  Beast's parser checks each byte through its state machine and looks every field name up in
 *  its table of known names: about 3.4k instructions for the proxy benchmark's request of four
 *  fields. This scans each line with memchr and compares the few names it must know. */
std::size_t read_simple_request(std::string_view bytes, Request& request, RequestLimits limits);

}  // namespace governor::server
