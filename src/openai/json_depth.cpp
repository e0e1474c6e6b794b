#include "json_depth.hpp"

#include <cstring>

namespace governor::openai {
namespace {

const char* find(const char* from, const char* to, char c) {
  return static_cast<const char*>(std::memchr(from, c, static_cast<std::size_t>(to - from)));
}

}  // namespace

bool nesting_exceeds(std::string_view text, std::size_t max_depth) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::size_t depth = 0;
  while (p < end) {
    const char c = *p++;
    if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return true;
      }
    } else if (c == ']' || c == '}') {
      if (depth > 0) {
        --depth;
      }
    } else if (c == '"') {
      // Skip the string. Long strings (base64 images, long prompts) dominate big bodies, so find
      // the closing quote with memchr and the escapes before it with memchr too; both searches
      // only move forward, which keeps this linear however many escapes a string holds.
      const char* quote = find(p, end, '"');
      for (;;) {
        if (quote == nullptr) {
          return false;  // unterminated string: the parser will refuse it
        }
        const char* escape = find(p, quote, '\\');
        if (escape == nullptr) {
          p = quote + 1;
          break;
        }
        p = escape + 2;  // skip the escaped character
        if (p > end) {
          return false;
        }
        if (p > quote) {  // that quote was the escaped character
          quote = find(p, end, '"');
        }
      }
    }
  }
  return false;
}

}  // namespace governor::openai
