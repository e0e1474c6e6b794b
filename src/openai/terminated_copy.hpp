#pragma once

// Private to the openai module.

#include <cstddef>
#include <string>
#include <string_view>

namespace governor::openai {

/** A NUL-terminated, writable copy of `text`, for RapidJSON's in-situ parse: a string without
 *  escapes is then only scanned, 16 bytes at a time (RAPIDJSON_SSE2, set by CMake on x86-64),
 *  and decoded in the copy when it has some, where reading a MemoryStream pushed every byte of
 *  every string onto the reader's stack; that was a quarter of a proxied call's instructions. The
 * copy lives in `kept` (a caller's per-thread buffer) up to 64 kB and in `big` beyond, so a huge
 * body does not stay allocated for the thread's life. A NUL inside `text` ends the stream there:
 * callers compare the bytes read with the text's size. */
inline char* terminated_copy(std::string_view text, std::string& kept, std::string& big) {
  constexpr std::size_t kKeptBytes = 64 * 1024;
  // RapidJSON's SSE2 scans load aligned 16-byte blocks, so they read up to 15 bytes past the
  // NUL: never across a page, but past the string's allocation unless the capacity covers it
  // (AddressSanitizer reports such a read).
  constexpr std::size_t kScanSlack = 16;
  std::string& out = text.size() <= kKeptBytes ? kept : big;
  out.reserve(text.size() + kScanSlack);
  out.assign(text);
  return out.data();
}

}  // namespace governor::openai
