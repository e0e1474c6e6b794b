#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace governor::routing {

/** Counts over one piece of text that hint at what kind of work it asks for. */
struct TextStats {
  std::uint32_t chars = 0;
  std::uint32_t words = 0;
  std::uint32_t word_letters = 0;  ///< letters over all words, for the mean word length
  std::uint32_t long_words = 0;
  std::uint32_t sentences = 0;
  std::uint32_t questions = 0;
  std::uint32_t numbers = 0;
  std::uint32_t digits = 0;
  std::uint32_t lines = 0;
  std::uint32_t options = 0;  ///< lines opening "A." / "B)" ...: a multiple-choice question
  std::uint32_t code = 0;
  std::uint32_t math = 0;
  std::uint32_t json = 0;
  std::uint32_t money_or_percent = 0;
};

/** One pass over `text`. Bytes >= 0x80 count as letters, so UTF-8 words stay words. */
TextStats scan_text(std::string_view text);

/** Calls `emit(bucket, is_bigram)` for each word unigram and bigram of `text`, hashed into
 *  `buckets`, until `emit` returns false: a caller that keeps only the first n-grams stops the
 *  hashing there rather than hashing the rest of a long text for nothing.
 *  Words are lower-cased ASCII letter/digit runs (non-ASCII bytes kept); every run of digits is
 *  one token "#", so "3 apples" and "12 apples" share a bigram. */
template <class Emit>
void for_each_ngram_bucket(std::string_view text, std::uint32_t buckets, Emit&& emit);

namespace detail {
inline constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
inline constexpr std::uint64_t kFnvPrime = 1099511628211ull;

/** Byte classes, looked up rather than computed: one load per byte in the scans' inner loops,
 *  in place of up to four range tests. */
inline constexpr std::uint8_t kWordByte = 1;  ///< ASCII letter or digit, or any byte >= 0x80
inline constexpr std::uint8_t kDigitByte = 2;
inline constexpr std::array<std::uint8_t, 256> kByteClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    table[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(
        (digit || letter || c >= 0x80 ? kWordByte : 0) | (digit ? kDigitByte : 0));
  }
  return table;
}();

inline bool is_word_byte(unsigned char c) {
  return (kByteClass[c] & kWordByte) != 0;
}
inline bool is_digit(unsigned char c) {
  return (kByteClass[c] & kDigitByte) != 0;
}
inline std::uint64_t mix(std::uint64_t h) {
  // splitmix64 finaliser: spreads FNV's low bits before the modulo.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}
}  // namespace detail

template <class Emit>
void for_each_ngram_bucket(std::string_view text, std::uint32_t buckets, Emit&& emit) {
  using namespace detail;
  std::uint64_t previous = 0;
  bool have_previous = false;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!is_word_byte(c)) {
      ++i;
      continue;
    }
    std::uint64_t h = kFnvOffset;
    if (is_digit(c)) {
      while (i < text.size() && is_digit(static_cast<unsigned char>(text[i]))) {
        ++i;
      }
      h = (h ^ '#') * kFnvPrime;
    } else {
      while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) {
        auto b = static_cast<unsigned char>(text[i]);
        if (b >= 'A' && b <= 'Z') {
          b = static_cast<unsigned char>(b - 'A' + 'a');
        }
        h = (h ^ b) * kFnvPrime;
        ++i;
      }
    }
    if (!emit(static_cast<std::uint32_t>(mix(h) % buckets), false)) {
      return;
    }
    if (have_previous &&
        !emit(static_cast<std::uint32_t>(mix(previous * 31 + h + 0x9e3779b97f4a7c15ull) % buckets),
              true)) {
      return;
    }
    previous = h;
    have_previous = true;
  }
}

}  // namespace governor::routing
