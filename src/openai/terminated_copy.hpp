#pragma once

// Private to the openai module.

#include <cstddef>
#include <string>
#include <string_view>

#include "slack_insitu_stream.hpp"

namespace governor::openai {

/** A NUL-terminated, writable copy of `text`, for RapidJSON's in-situ parse of a
 *  SlackInsituStream: a string without escapes is then only scanned, 16 bytes at a time, and
 *  decoded in the copy when it has some, where reading a MemoryStream pushed every byte of
 *  every string onto the reader's stack; that was a quarter of a proxied call's instructions. The
 * copy lives in `kept` (a caller's per-thread buffer) up to 64 kB and in `big` beyond, so a huge
 * body does not stay allocated for the thread's life. A NUL inside `text` ends the stream there:
 * callers compare the bytes read with the text's size. */
inline char* terminated_copy(std::string_view text, std::string& kept, std::string& big) {
  constexpr std::size_t kKeptBytes = 64 * 1024;
  // The string scans read up to 15 bytes past the NUL: past the string's allocation unless its
  // capacity covers them (AddressSanitizer reports such a read).
  std::string& out = text.size() <= kKeptBytes ? kept : big;
  out.reserve(text.size() + kScanSlack);
  out.assign(text);
  return out.data();
}

}  // namespace governor::openai
