#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "governor/core/money.hpp"

namespace governor::openai {

/** `usage.prompt_tokens` / `usage.completion_tokens` of a chat.completion body; nullopt when the
 *  body is not JSON, carries no usage object, or either count is not a non-negative integer.
 *  Never throws; reads the body with a SAX pass, without building a document. */
std::optional<TokenUsage> usage_from_completion(std::string_view body);

/** What the relay needs to know about one streamed chunk's `data:` payload. */
struct ChunkInfo {
  bool done = false;  ///< the `[DONE]` sentinel
  bool valid_json = false;
  bool usage_only = false;          ///< `choices` empty and `usage` set: the include_usage chunk
  bool is_error = false;            ///< an `{"error":...}` payload
  std::optional<TokenUsage> usage;  ///< when `usage` is a non-null object
  std::int64_t output_chars = 0;    ///< UTF-8 bytes of content, refusal and tool-call name and
                                    ///< arguments deltas (bytes, not code points: for non-Latin
                                    ///< text that errs towards more tokens, not fewer)
  bool operator==(const ChunkInfo&) const = default;
};

/** Inspects one streamed `data:` payload without building a DOM. `usage` is set only when both
 *  counts are non-negative integers; `is_error` when a top-level `error` is present and not null;
 *  `usage_only` when usage is set and `choices` is empty (or absent). Not JSON: all false. */
ChunkInfo inspect_chunk(std::string_view data);

/** Token estimate for text when the upstream reported none: ceil(chars / 4), at least 1 for
 *  non-empty text (the usual ~4 characters per token of English BPE vocabularies). */
std::int64_t estimate_tokens(std::int64_t chars);

}  // namespace governor::openai
