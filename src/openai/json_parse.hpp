#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governor/openai/chat_request.hpp"

namespace governor::openai {

/** Parses `text` into the same document `nlohmann::json::parse` builds (integers signed when
 *  negative and unsigned otherwise, doubles correctly rounded, the last of duplicate keys kept, a
 *  leading UTF-8 byte order mark skipped), and rejects what it rejects: anything but one strict
 *  RFC 8259 value, invalid UTF-8, numbers beyond the double range, and escapes that decode to a
 *  lone surrogate. One difference, on purpose: nlohmann stops reading at a NUL byte and accepts
 *  whatever follows it; here a NUL outside a string makes the text invalid. Nullopt when the text
 *  is not such a document.
 *
 *  RapidJSON's reader does the lexing, which nlohmann's lexer made the largest part of reading a
 *  chat request. It parses iteratively, so the reading itself takes any depth; a document deeper
 *  than `max_depth` is refused as it is read (`too_deep`), before it is built past that depth,
 *  because copying, serializing or freeing a document recurses once per level. */
struct ParsedJson {
  std::optional<nlohmann::json> doc;
  bool too_deep = false;  ///< refused for nesting deeper than max_depth (doc is empty)
};
ParsedJson parse_json(std::string_view text,
                      std::size_t max_depth = std::numeric_limits<std::size_t>::max());

/** parse_json, also listing the top-level object's members in the order they appear. A document
 *  that is not an object lists none. */
ParsedJson parse_json(std::string_view text, std::vector<RawMember>& members,
                      std::size_t max_depth = std::numeric_limits<std::size_t>::max());

}  // namespace governor::openai
