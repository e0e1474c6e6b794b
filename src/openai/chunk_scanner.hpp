#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "governor/openai/usage.hpp"

namespace governor::openai {

/** What one reading of a chunk collected: both readings (RapidJSON's SAX scan and simdjson's
 *  walk) fill one of these, so that they report it the same way. */
struct ChunkFacts {
  bool is_error = false;
  bool usage_seen = false;
  bool choices_nonempty = false;
  std::optional<std::int64_t> prompt_tokens;
  std::optional<std::int64_t> completion_tokens;
  std::int64_t output_chars = 0;

  /** The ChunkInfo of a valid document with these facts. */
  ChunkInfo info() const;
};

/** One pass over a chat.completion or chat.completion.chunk JSON document, collecting what
 *  ChunkInfo reports (everything but `done`): validity, a top-level non-null `error`, a top-level
 *  `usage` object with valid token counts, whether `choices` is empty, and the bytes of
 *  `choices[*].delta` content, refusal and tool-call name/arguments strings. simdjson's parser
 *  reads it first (simd_scan_chunk); a text it refuses is read by rapid_scan_chunk. */
ChunkInfo scan_chunk(std::string_view json);

/** scan_chunk's RapidJSON reading alone, which judges every text simdjson refuses (see
 *  simd_chunk_scan.hpp). No DOM is built: RapidJSON's reader drives a small state machine, with
 *  the reader's stack reused per thread. */
ChunkInfo rapid_scan_chunk(std::string_view json);

}  // namespace governor::openai
