#include "utf8.hpp"

#include <cstdint>
#include <cstring>

namespace governor::openai {
namespace {

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

bool in(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

/** Length of the well-formed sequence starting at `p` (its first byte non-ASCII), or 0. The byte
 *  ranges are Table 3-7 of the Unicode standard. */
std::size_t sequence_length(const unsigned char* p, const unsigned char* end) {
  const unsigned char lead = p[0];
  const auto left = static_cast<std::size_t>(end - p);
  const auto cont = [&](std::size_t i) { return in(p[i], 0x80, 0xBF); };
  if (in(lead, 0xC2, 0xDF)) {
    return left >= 2 && cont(1) ? 2 : 0;
  }
  if (in(lead, 0xE0, 0xEF)) {
    if (left < 3) {
      return 0;
    }
    const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;  // E0 80..9F would be overlong
    const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;  // ED A0..BF would be a surrogate
    return in(p[1], lo, hi) && cont(2) ? 3 : 0;
  }
  if (in(lead, 0xF0, 0xF4)) {
    if (left < 4) {
      return 0;
    }
    const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;  // F0 80..8F would be overlong
    const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;  // F4 90.. is above U+10FFFF
    return in(p[1], lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p != end) {
    // ASCII runs (JSON's syntax, English text) 32 bytes at a time: four words tested at once.
    while (end - p >= 32) {
      std::uint64_t words[4];
      std::memcpy(words, p, sizeof words);
      if (((words[0] | words[1] | words[2] | words[3]) & kHighBits) != 0) {
        break;
      }
      p += 32;
    }
    if (p == end) {
      break;
    }
    if (end - p >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, p, sizeof word);
      if ((word & kHighBits) == 0) {
        p += 8;
        continue;
      }
    }
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const std::size_t n = sequence_length(p, end);
    if (n == 0) {
      return false;
    }
    p += n;
  }
  return true;
}

}  // namespace governor::openai
