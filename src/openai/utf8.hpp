#pragma once

#include <string_view>

namespace governor::openai {

/** Whether `text` is well-formed UTF-8 as RFC 3629 defines it: no overlong forms, no encoded
 *  surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. Runs of ASCII are
 *  checked eight bytes at a time: request and response bodies are mostly ASCII. */
bool is_valid_utf8(std::string_view text);

}  // namespace governor::openai
