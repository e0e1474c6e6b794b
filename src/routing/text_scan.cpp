#include "text_scan.hpp"

#include <array>

namespace governor::routing {

namespace {

using detail::is_digit;
using detail::is_word_byte;

/** Byte by byte rather than substr() ==, which calls memcmp: the marks are a few bytes long and
 *  most candidates differ at the second byte. */
bool starts_with_at(std::string_view text, std::size_t i, std::string_view what) {
  if (text.size() - i < what.size()) {
    return false;
  }
  for (std::size_t k = 0; k < what.size(); ++k) {
    if (text[i + k] != what[k]) {
      return false;
    }
  }
  return true;
}

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_operator(unsigned char c) {
  return c == '+' || c == '-' || c == '*' || c == '/' || c == '^' || c == '=' || c == '<' ||
         c == '>';
}

/** Keywords and marks that are common in code and rare in prose. */
constexpr std::array<std::string_view, 12> kCodeMarks{"```",      "#include", "def ", "return ",
                                                      "function", "=>",       "();",  "){",
                                                      "import ",  "class ",   "::",   "print("};

/** LaTeX and equation marks. */
constexpr std::array<std::string_view, 6> kMathMarks{"\\frac", "\\(",   "$$",
                                                     "\\sqrt", "\\sum", "\\int"};

/** Bytes that open a code mark (bit 1) or a math mark (bit 2). Most bytes open none, so the
 *  scan compares against the marks only where one can start: the marks cost next to nothing on
 *  ordinary text, where comparing each byte against all 18 first bytes was most of the scan. */
constexpr std::uint8_t kOpensCode = 1;
constexpr std::uint8_t kOpensMath = 2;
constexpr std::array<std::uint8_t, 256> kMarkOpeners = [] {
  std::array<std::uint8_t, 256> table{};
  for (const auto mark : kCodeMarks) {
    table[static_cast<unsigned char>(mark[0])] |= kOpensCode;
  }
  for (const auto mark : kMathMarks) {
    table[static_cast<unsigned char>(mark[0])] |= kOpensMath;
  }
  return table;
}();

/** Does the line starting at `i` open with a choice label such as "A." or "(b)"? */
bool opens_with_option(std::string_view text, std::size_t i) {
  if (i < text.size() && text[i] == '(') {
    ++i;
  }
  if (i + 1 >= text.size()) {
    return false;
  }
  const auto letter = static_cast<unsigned char>(text[i]);
  const bool is_letter = (letter >= 'A' && letter <= 'H') || (letter >= 'a' && letter <= 'h');
  const char mark = text[i + 1];
  return is_letter && (mark == '.' || mark == ')' || mark == ':');
}

/** Skips spaces left of `i` and returns the byte there, or 0. */
unsigned char previous_non_space(std::string_view text, std::size_t i) {
  while (i > 0) {
    const auto c = static_cast<unsigned char>(text[--i]);
    if (c != ' ') {
      return c;
    }
  }
  return 0;
}

unsigned char next_non_space(std::string_view text, std::size_t i) {
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i++]);
    if (c != ' ') {
      return c;
    }
  }
  return 0;
}

}  // namespace

TextStats scan_text(std::string_view text) {
  TextStats s;
  s.chars = static_cast<std::uint32_t>(text.size());
  s.lines = text.empty() ? 0 : 1;
  bool line_start = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (line_start && opens_with_option(text, i)) {
      ++s.options;
    }
    line_start = false;
    if (const std::uint8_t opens = kMarkOpeners[c]; opens != 0) {
      if ((opens & kOpensCode) != 0) {
        for (const auto mark : kCodeMarks) {
          if (c == static_cast<unsigned char>(mark[0]) && starts_with_at(text, i, mark)) {
            ++s.code;
          }
        }
      }
      if ((opens & kOpensMath) != 0) {
        for (const auto mark : kMathMarks) {
          if (c == static_cast<unsigned char>(mark[0]) && starts_with_at(text, i, mark)) {
            ++s.math;
          }
        }
      }
    }
    if (is_word_byte(c)) {
      const std::size_t start = i;
      bool all_digits = true;
      while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (is_word_byte(b)) {
          all_digits = all_digits && is_digit(b);
          ++i;
        } else if ((b == '.' || b == ',') && all_digits && i + 1 < text.size() &&
                   is_digit(static_cast<unsigned char>(text[i + 1]))) {
          ++i;  // 3.5 and 1,000 are one number
        } else {
          break;
        }
      }
      const auto length = static_cast<std::uint32_t>(i - start);
      if (all_digits) {
        ++s.numbers;
        for (std::size_t k = start; k < i; ++k) {
          s.digits += is_digit(static_cast<unsigned char>(text[k])) ? 1 : 0;
        }
      } else {
        ++s.words;
        s.word_letters += length;
        s.long_words += length >= 9 ? 1 : 0;
        if (length == 4 &&
            (starts_with_at(text, start, "JSON") || starts_with_at(text, start, "json"))) {
          ++s.json;
        }
      }
      continue;
    }
    switch (c) {
      case '\n':
        ++s.lines;
        line_start = true;
        break;
      case '.':
      case '!':
        if (i + 1 == text.size() || is_space(static_cast<unsigned char>(text[i + 1]))) {
          ++s.sentences;
        }
        break;
      case '?':
        ++s.questions;
        ++s.sentences;
        break;
      case ';':
      case '{':
      case '}':
        ++s.code;
        break;
      case '"':
        if (next_non_space(text, i + 1) == ':') {
          ++s.json;
        }
        break;
      case '$':
      case '%':
        ++s.money_or_percent;
        break;
      default:
        break;
    }
    if (is_operator(c) && is_digit(previous_non_space(text, i)) &&
        is_word_byte(next_non_space(text, i + 1))) {
      ++s.math;  // "3 + x", "2^5", "x=4" (a digit on the left)
    }
    ++i;
  }
  return s;
}

}  // namespace governor::routing
