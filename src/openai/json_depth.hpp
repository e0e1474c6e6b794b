#pragma once

#include <cstddef>
#include <string_view>

namespace governor::openai {

/** True when `text` opens more than `max_depth` arrays/objects inside one another (brackets inside
 *  strings do not count). Run before parsing: nlohmann's parser is iterative, but dump(),
 *  copies and comparisons of the parsed document recurse once per level, so a body of 100000
 *  '[' would overflow the stack later. Malformed text is not diagnosed here; the parser does. */
bool nesting_exceeds(std::string_view text, std::size_t max_depth);

}  // namespace governor::openai
