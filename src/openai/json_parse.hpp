#pragma once

#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "governor/openai/chat_request.hpp"
#include "governor/openai/json_document.hpp"

namespace governor::openai {

/** Parses `text` into a RapidJSON document holding what `nlohmann::json::parse` would read from
 *  it: the last of repeated keys kept (once, where it last appeared), numbers as RapidJSON types
 *  them (a minus sign makes a signed integer, no fraction or exponent an integer), a leading
 *  UTF-8 byte order mark skipped. It rejects what nlohmann rejects: anything but one strict RFC
 *  8259 value, invalid UTF-8, numbers beyond the double range, and escapes that decode to a lone
 *  surrogate. One difference, on purpose: nlohmann stops reading at a NUL byte and accepts
 *  whatever follows it; here a NUL outside a string makes the text invalid.
 *
 *  RapidJSON reads iteratively, so the reading itself takes any depth; a document deeper than
 *  `max_depth` is refused as it is read (`too_deep`), before it is built past that depth. */
struct ParsedJson {
  std::optional<JsonDocument> doc;
  bool too_deep = false;  ///< refused for nesting deeper than max_depth (doc is empty)
};
ParsedJson parse_json(std::string_view text,
                      std::size_t max_depth = std::numeric_limits<std::size_t>::max());

/** parse_json, also listing the top-level object's members in the order they appear; a repeated
 *  key only where it last appears, the member the document kept. A document that is not an
 *  object lists none. */
ParsedJson parse_json(std::string_view text, std::vector<RawMember>& members,
                      std::size_t max_depth = std::numeric_limits<std::size_t>::max());

}  // namespace governor::openai
