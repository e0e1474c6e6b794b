#pragma once

#include <string_view>

#include "governor/openai/usage.hpp"

namespace governor::openai {

/** One SAX pass over a chat.completion or chat.completion.chunk JSON document, collecting what
 *  ChunkInfo reports (everything but `done`): validity, a top-level non-null `error`, a top-level
 *  `usage` object with valid token counts, whether `choices` is empty, and the bytes of
 *  `choices[*].delta` content, refusal and tool-call name/arguments strings. No DOM is built:
 *  RapidJSON's reader drives a small state machine, with the reader's stack reused per thread. */
ChunkInfo scan_chunk(std::string_view json);

}  // namespace governor::openai
