#pragma once

// One-pass reading of the common shape of an HTTP/1 head, for the readers that try it before
// Beast's parser (server/simple_request.cpp, upstream/response_parser.cpp). Anything they are
// unsure of they leave to Beast, whose grammar then decides: these scans accept a subset of what
// Beast's parser accepts, never more.

#include <emmintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace governor::http_scan {

/** RFC 7230's tchar, as Beast's parser reads a method and a field name. */
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (unsigned c = '0'; c <= '9'; ++c) {
    table[c] = true;
  }
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    table[c] = true;
    table[c - 'a' + 'A'] = true;
  }
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}();

inline bool is_token(std::string_view s) {
  for (const char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return !s.empty();
}

/** The first byte from `p` at or below `LastStop` or DEL, `end` when none: below space (a
 *  control byte, the end of a line) or at or below it (the end of a request target). Bytes
 *  above DEL pass, as Beast's parser lets them. 16 bytes at a time: a byte loop over a head's
 *  150-odd bytes of fields was most of a pass. */
template <unsigned char LastStop>
const char* find_stop(const char* p, const char* end) {
  const __m128i last_stop = _mm_set1_epi8(static_cast<char>(LastStop));
  const __m128i del = _mm_set1_epi8(0x7f);
  while (end - p >= 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(block, last_stop), last_stop);
    const auto found =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(block, del))));
    if (found != 0) {
      return p + __builtin_ctz(found);
    }
    p += 16;
  }
  for (; p < end; ++p) {
    const auto u = static_cast<unsigned char>(*p);
    if (u <= LastStop || u == 0x7f) {
      return p;
    }
  }
  return end;
}

/** The end of the line that starts at `p`: its first byte below space other than a tab, or DEL
 *  (`end` when none). Before it are the bytes Beast's parser allows in a field value or a reason
 *  phrase: printable, tabs and obs-text. */
inline const char* line_end(const char* p, const char* end) {
  const char* stop = find_stop<0x1f>(p, end);
  while (stop < end && *stop == '\t') {
    stop = find_stop<0x1f>(stop + 1, end);
  }
  return stop;
}

/** `text` (a token, or a checked field value: no control byte) equals `lower` (lower-case
 *  letters, digits and '-') in any case. Setting bit 5 lower-cases a letter; any other byte such
 *  text can hold keeps or gains a value that no letter, digit or '-' has. Eight bytes at a time
 *  (the last eight overlapping): a byte loop over the names of a head's fields was a quarter of
 *  a pass. */
inline bool equals_lower(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) {
    return false;
  }
  constexpr std::uint64_t kBit5 = 0x2020202020202020ULL;
  const auto word = [](const char* at) {
    std::uint64_t w = 0;
    std::memcpy(&w, at, sizeof w);
    return w;
  };
  const std::size_t n = text.size();
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      if ((word(text.data() + i) | kBit5) != word(lower.data() + i)) {
        return false;
      }
    }
    return (word(text.data() + n - 8) | kBit5) == word(lower.data() + n - 8);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if ((static_cast<unsigned char>(text[i]) | 0x20U) != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

/** A Content-Length of decimal digits only (no list, no sign); nullopt otherwise, and past 19
 *  digits (which always fit in 64 bits). */
inline std::optional<std::uint64_t> parse_length(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

/** What the fields that frame a message say, when they are of the common shape. */
struct Framing {
  std::optional<std::uint64_t> content_length;
  bool close = false;       ///< Connection: close
  bool keep_alive = false;  ///< Connection: keep-alive

  /** Takes in field `name: value` if it frames the message. False when it does in a shape left
   *  to Beast: Transfer-Encoding, Upgrade, Proxy-Connection, a Connection other than one
   *  `close` or `keep-alive`, a Content-Length that is not plain digits or comes twice. */
  bool read(std::string_view name, std::string_view value) {
    switch (name.size()) {
      case 7:   // upgrade
      case 16:  // proxy-connection
      case 17:  // transfer-encoding
        return !equals_lower(name, "upgrade") && !equals_lower(name, "proxy-connection") &&
               !equals_lower(name, "transfer-encoding");
      case 10:
        if (equals_lower(name, "connection")) {
          if (equals_lower(value, "close")) {
            close = true;
          } else if (equals_lower(value, "keep-alive")) {
            keep_alive = true;
          } else {
            return false;  // a list, or upgrade
          }
        }
        return true;
      case 14:
        if (equals_lower(name, "content-length")) {
          if (content_length) {
            return false;  // repeated: Beast decides whether they agree
          }
          content_length = parse_length(value);
          return content_length.has_value();
        }
        return true;
      default:
        return true;
    }
  }

  /** Whether the connection stays open after the message, as Beast's keep_alive() has it for a
   *  message whose end is known: HTTP/1.1 unless `close`, HTTP/1.0 only with `keep-alive`. */
  bool keeps_alive(unsigned version) const { return version == 11 ? !close : keep_alive; }
};

/** Reads header fields from `p` through the empty line that ends them, calling
 *  `on_field(name, value)` (the value without its surrounding spaces and tabs) for each in order.
 *  Returns where the empty line ends; nullptr when the fields are not all in [p, end), or one is
 *  not of the common shape (a folded line, a name that is not a token, a byte Beast refuses), or
 *  `on_field` returns false. */
template <class OnField>
const char* read_fields(const char* p, const char* end, OnField&& on_field) {
  for (;;) {
    if (end - p < 2) {
      return nullptr;
    }
    if (p[0] == '\r') {
      return p[1] == '\n' ? p + 2 : nullptr;
    }
    const char* eol = line_end(p, end);
    // The line's CRLF, and the next line's first byte: no obs-fold (a line that starts with a
    // space or a tab continues this one).
    if (end - eol < 3 || eol[0] != '\r' || eol[1] != '\n' || eol[2] == ' ' || eol[2] == '\t') {
      return nullptr;
    }
    const char* colon = p;
    while (kTokenChars[static_cast<unsigned char>(*colon)]) {
      ++colon;  // stops at the CR at the latest
    }
    if (*colon != ':' || colon == p) {
      return nullptr;
    }
    const char* first = colon + 1;
    const char* last = eol;
    while (first < last && (*first == ' ' || *first == '\t')) {
      ++first;
    }
    while (last > first && (last[-1] == ' ' || last[-1] == '\t')) {
      --last;
    }
    if (!on_field(std::string_view(p, static_cast<std::size_t>(colon - p)),
                  std::string_view(first, static_cast<std::size_t>(last - first)))) {
      return nullptr;
    }
    p = eol + 2;
  }
}

}  // namespace governor::http_scan
