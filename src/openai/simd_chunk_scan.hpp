#pragma once

// Private to the openai module.

#include <optional>
#include <string_view>

#include "governor/openai/usage.hpp"

namespace governor::openai {

/** scan_chunk's fast path: the same ChunkInfo from simdjson's DOM parser, which validates a
 *  document (UTF-8 included) with SIMD instructions and then walks only the members scan_chunk
 *  reports. nullopt whenever simdjson refuses the text, for whatever reason: the caller then
 *  reads it with the RapidJSON scan, which alone decides what is not JSON. simdjson refuses a
 *  few texts RapidJSON accepts (integers past 64 bits, lone surrogate escapes, nesting past 1024),
 *  so a refusal here is no verdict. What it accepts, RapidJSON accepts too, but for a zero with
 *  an exponent past 308 (`0e400`, valid RFC 8259 that RapidJSON refuses), and it reads the same
 *  values (simd_chunk_scan_test checks both on the scanner's cases and on thousands of damaged
 *  answers and chunks). */
std::optional<ChunkInfo> simd_scan_chunk(std::string_view json);

}  // namespace governor::openai
