#include "text_scan.hpp"

#include <array>
#include <bit>

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

/** What a non-word byte counts towards, as bits: one lookup per byte instead of a switch,
 *  whose jump mispredicts on code, where punctuation of every kind follows each other. */
constexpr std::uint8_t kNewline = 1;
constexpr std::uint8_t kStop = 2;  ///< '.' and '!': a sentence ends when a space follows
constexpr std::uint8_t kQuestion = 4;
constexpr std::uint8_t kCodePunctuation = 8;  ///< ';' '{' '}'
constexpr std::uint8_t kQuote = 16;
constexpr std::uint8_t kMoneyOrPercent = 32;
constexpr std::uint8_t kOperator = 64;  ///< + - * / ^ = < >: math between a digit and a word
constexpr std::array<std::uint8_t, 256> kPunctuation = [] {
  std::array<std::uint8_t, 256> table{};
  table['\n'] = kNewline;
  table['.'] = kStop;
  table['!'] = kStop;
  table['?'] = kQuestion;
  table[';'] = kCodePunctuation;
  table['{'] = kCodePunctuation;
  table['}'] = kCodePunctuation;
  table['"'] = kQuote;
  table['$'] = kMoneyOrPercent;
  table['%'] = kMoneyOrPercent;
  for (const unsigned char c : {'+', '-', '*', '/', '^', '=', '<', '>'}) {
    table[c] = kOperator;
  }
  return table;
}();

/** Keywords and marks that are common in code and rare in prose. */
constexpr std::array<std::string_view, 12> kCodeMarks{"```",      "#include", "def ", "return ",
                                                      "function", "=>",       "();",  "){",
                                                      "import ",  "class ",   "::",   "print("};

/** LaTeX and equation marks. */
constexpr std::array<std::string_view, 6> kMathMarks{"\\frac", "\\(",   "$$",
                                                     "\\sqrt", "\\sum", "\\int"};

/** For each byte, the marks that open with it: bit k for kCodeMarks[k], bit 12 + k for
 *  kMathMarks[k]. Most bytes open none and the rest one or two (a backslash opens five), so the
 *  scan compares against those alone, not against all 18 marks' first bytes at every byte. */
constexpr std::size_t kMathBit = kCodeMarks.size();
constexpr std::array<std::uint32_t, 256> kMarksOpenedBy = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::size_t k = 0; k < kCodeMarks.size(); ++k) {
    table[static_cast<unsigned char>(kCodeMarks[k][0])] |= std::uint32_t{1} << k;
  }
  for (std::size_t k = 0; k < kMathMarks.size(); ++k) {
    table[static_cast<unsigned char>(kMathMarks[k][0])] |= std::uint32_t{1} << (kMathBit + k);
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
    for (std::uint32_t marks = kMarksOpenedBy[c]; marks != 0; marks &= marks - 1) {
      const auto k = static_cast<std::size_t>(std::countr_zero(marks));
      if (k < kMathBit) {
        s.code += starts_with_at(text, i, kCodeMarks[k]) ? 1 : 0;
      } else {
        s.math += starts_with_at(text, i, kMathMarks[k - kMathBit]) ? 1 : 0;
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
    // Punctuation: one table lookup, and nothing more for a space (most non-word bytes).
    if (const std::uint8_t k = kPunctuation[c]; k != 0) {
      if ((k & kNewline) != 0) {
        ++s.lines;
        line_start = true;
      }
      if ((k & kStop) != 0 &&
          (i + 1 == text.size() || is_space(static_cast<unsigned char>(text[i + 1])))) {
        ++s.sentences;
      }
      const bool question = (k & kQuestion) != 0;
      s.questions += question ? 1 : 0;
      s.sentences += question ? 1 : 0;
      s.code += (k & kCodePunctuation) != 0 ? 1 : 0;
      s.money_or_percent += (k & kMoneyOrPercent) != 0 ? 1 : 0;
      if ((k & kQuote) != 0 && next_non_space(text, i + 1) == ':') {
        ++s.json;
      }
      if ((k & kOperator) != 0 && is_digit(previous_non_space(text, i)) &&
          is_word_byte(next_non_space(text, i + 1))) {
        ++s.math;  // "3 + x", "2^5", "x=4" (a digit on the left)
      }
    }
    ++i;
  }
  return s;
}

}  // namespace governor::routing
