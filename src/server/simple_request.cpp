#include "simple_request.hpp"

#include <emmintrin.h>

#include <array>
#include <boost/beast/http/verb.hpp>
#include <cstring>
#include <optional>

namespace governor::server {
namespace {

using Verb = boost::beast::http::verb;

/** RFC 7230's tchar, as Beast's parser reads a method and a field name. */
constexpr std::array<bool, 256> kTokenChars = [] {
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

bool is_token(std::string_view s) {
  for (const char c : s) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return !s.empty();
}

/** The first byte from `p` at or below `LastStop` or DEL, `end` when none: below space (a
 *  control byte, the end of a field's line) or at or below it (the end of a request target).
 *  Bytes above DEL pass, as Beast's parser lets them. 16 bytes at a time: a byte loop over
 *  the request's 150-odd bytes of fields was most of the pass. */
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

/** `name` (a token) equals `lower` (lower case letters, digits and '-') in any case. Setting bit
 *  5 lower-cases a letter; a token byte that is no letter keeps or gains a value no letter,
 *  digit or '-' of `lower` has. */
bool is_name(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) | 0x20U) != static_cast<unsigned char>(lower[i])) {
      return false;
    }
  }
  return true;
}

/** `value` equals `lower` in any case (value bytes are checked: no control byte matches). */
bool is_value(std::string_view value, std::string_view lower) {
  return is_name(value, lower);
}

std::string_view trim_whitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/** A Content-Length of decimal digits only (no list, no sign), nullopt past 64 bits. */
std::optional<std::uint64_t> parse_length(std::string_view s) {
  if (s.empty() || s.size() > 19) {  // 19 digits always fit in 64 bits
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

}  // namespace

std::size_t read_simple_request(std::string_view bytes, Request& request, RequestLimits limits) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();

  // Request line: method SP target SP HTTP/1.x CRLF.
  const auto* space = static_cast<const char*>(std::memchr(begin, ' ', bytes.size()));
  if (space == nullptr) {
    return 0;
  }
  const std::string_view method(begin, static_cast<std::size_t>(space - begin));
  if (!is_token(method)) {
    return 0;
  }
  const Verb verb = boost::beast::http::string_to_verb({method.data(), method.size()});
  if (verb == Verb::unknown) {
    return 0;  // Beast keeps an unknown method's text
  }
  const char* const target_begin = space + 1;
  const char* p = find_stop<0x20>(target_begin, end);  // bytes above space, not DEL
  constexpr std::string_view kVersion = " HTTP/1.1\r\n";
  if (p == target_begin || static_cast<std::size_t>(end - p) < kVersion.size() ||
      std::memcmp(p, kVersion.data(), kVersion.size() - 3) != 0 || (p[8] != '1' && p[8] != '0') ||
      p[9] != '\r' || p[10] != '\n') {
    return 0;
  }
  const unsigned version = p[8] == '1' ? 11 : 10;
  request.reset(verb, {},
                std::string_view(target_begin, static_cast<std::size_t>(p - target_begin)),
                version);
  p += kVersion.size();

  // Fields, up to the empty line.
  std::optional<std::uint64_t> length;
  bool close = false;
  bool keep_alive = false;
  for (;;) {
    if (end - p < 2) {
      return 0;
    }
    if (p[0] == '\r') {
      if (p[1] != '\n') {
        return 0;
      }
      p += 2;
      break;
    }
    // A line's bytes are printable, tabs or above DEL, as Beast's parser allows a value's.
    const char* eol = find_stop<0x1f>(p, end);
    while (eol < end && *eol == '\t') {
      eol = find_stop<0x1f>(eol + 1, end);
    }
    // The line's CRLF, and the next line's first byte: no obs-fold (a line that starts with
    // a space or a tab continues this one).
    if (end - eol < 3 || eol[0] != '\r' || eol[1] != '\n' || eol[2] == ' ' || eol[2] == '\t') {
      return 0;
    }
    const char* colon = p;
    while (kTokenChars[static_cast<unsigned char>(*colon)]) {
      ++colon;  // stops at the CR at the latest
    }
    if (*colon != ':' || colon == p) {
      return 0;
    }
    const std::string_view name(p, static_cast<std::size_t>(colon - p));
    const std::string_view value =
        trim_whitespace(std::string_view(colon + 1, static_cast<std::size_t>(eol - colon - 1)));
    switch (name.size()) {
      case 7:   // upgrade
      case 16:  // proxy-connection
      case 17:  // transfer-encoding
        if (is_name(name, "upgrade") || is_name(name, "proxy-connection") ||
            is_name(name, "transfer-encoding")) {
          return 0;
        }
        break;
      case 10:
        if (is_name(name, "connection")) {
          if (is_value(value, "close")) {
            close = true;
          } else if (is_value(value, "keep-alive")) {
            keep_alive = true;
          } else {
            return 0;  // a list, or upgrade: Beast's reading of it
          }
        }
        break;
      case 13:
        if (is_name(name, "authorization")) {
          request.insert(name, value);
        }
        break;
      case 14:
        if (is_name(name, "content-length")) {
          if (length) {
            return 0;  // repeated: Beast decides whether they agree
          }
          length = parse_length(value);
          if (!length) {
            return 0;
          }
        }
        break;
      default:
        break;
    }
    constexpr std::string_view kGovernorPrefix = "x-governor-";
    if (name.size() > kGovernorPrefix.size() &&
        is_name(name.substr(0, kGovernorPrefix.size()), kGovernorPrefix)) {
      request.insert(name, value);
    }
    p = eol + 2;
    if (static_cast<std::size_t>(p - begin) >= limits.header_bytes) {
      return 0;  // at or past the limit: Beast's verdict
    }
  }
  if (static_cast<std::size_t>(p - begin) >= limits.header_bytes) {
    return 0;
  }

  const std::uint64_t body = length.value_or(0);
  if (body > limits.body_bytes || body > static_cast<std::uint64_t>(end - p)) {
    return 0;  // too big (Beast's error), or not all here yet
  }
  request.body().assign(p, static_cast<std::size_t>(body));
  request.keep_alive(version == 11 ? !close : keep_alive);
  return static_cast<std::size_t>(p - begin) + static_cast<std::size_t>(body);
}

}  // namespace governor::server
