#pragma once

#include <cstdint>
#include <string>

namespace governor::server {

/** A request id: 8 hex digits of the process's random prefix, 2 of the worker's index and 10
 *  (or more, past 2^40) of the worker's counter; what snprintf's "%08x%02x%010llx" writes,
 *  written by hand because snprintf was 2% of a proxied call's instructions. */
std::string request_id_text(std::uint32_t prefix, unsigned worker, std::uint64_t counter);

}  // namespace governor::server
