#pragma once

// Private to the openai module. Include right after <rapidjson/reader.h> and before any parse
// that reads a SlackInsituStream, so that every instantiation sees the specializations below.

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <cstddef>

namespace governor::openai {

/** Bytes a SlackInsituStream's buffer must hold readable past its terminating NUL. */
inline constexpr std::size_t kScanSlack = 16;

/** RapidJSON's in-situ stream over a NUL-terminated copy whose buffer has kScanSlack readable
 *  bytes past the NUL. That slack is what lets a string and the whitespace between tokens be
 *  scanned 16 bytes at a time from wherever they start: RapidJSON's own SSE2 scans load aligned
 *  blocks and walk each string byte by byte to its first 16-byte boundary, which for the short
 *  keys and values of a chat request or answer is most of the string (about 5% of a proxied
 *  call's instructions). The reader treats it as an InsituStringStream in everything else. */
struct SlackInsituStream : rapidjson::InsituStringStream {
  using rapidjson::InsituStringStream::InsituStringStream;
};

}  // namespace governor::openai

namespace rapidjson {

template <>
struct StreamTraits<governor::openai::SlackInsituStream> {
  enum { copyOptimization = 1 };
};

/** JSON whitespace between tokens: in compact JSON none or one byte, so a byte loop over a
 *  table-free test beats any block scan. */
template <>
inline void SkipWhitespace(governor::openai::SlackInsituStream& is) {
  char* p = is.src_;
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
    ++p;
  }
  is.src_ = p;
}

#if defined(RAPIDJSON_SSE2)
/** The run of a string up to its first quote, backslash or control byte (the NUL that ends the
 *  buffer is one), 16 unaligned bytes at a time, moved down over the bytes its escapes freed.
 *  Every block starts at or before the NUL, so it ends within the slack. */
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString(
    governor::openai::SlackInsituStream& is, governor::openai::SlackInsituStream& os) {
  (void)os;  // the same stream: reads at src_, writes at dst_
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i below_space = _mm_set1_epi8(0x1F);
  const auto stops = [&](__m128i block) {
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(block, below_space), below_space);
    const __m128i special = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)), control);
    return static_cast<unsigned>(_mm_movemask_epi8(special));
  };
  char* p = is.src_;
  if (p == is.dst_) {  // no escape yet in this string: nothing moves, only scan
    for (;; p += 16) {
      const unsigned found = stops(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
      if (found != 0) {
        p += __builtin_ctz(found);
        break;
      }
    }
    is.src_ = is.dst_ = p;
    return;
  }
  char* q = is.dst_;
  for (;; p += 16, q += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned found = stops(block);
    if (found != 0) {
      // Byte by byte: a whole-block store could overwrite what is still to be read at p.
      for (const char* end = p + __builtin_ctz(found); p != end;) {
        *q++ = *p++;
      }
      break;
    }
    // No stop byte: all 16 are the string's, and q + 16 <= p + 16 stays within them.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), block);
  }
  is.src_ = p;
  is.dst_ = q;
}
#endif

}  // namespace rapidjson
