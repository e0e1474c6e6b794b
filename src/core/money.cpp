#include "governor/core/money.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace governor {
namespace {
// 128-bit intermediate for token x price products; __extension__ keeps -Wpedantic quiet.
__extension__ typedef __int128 Int128;

/** "00", "01", ... "99": two decimal digits at 2 * n. */
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";
}  // namespace

std::string MicroUsd::to_string() const {
  // Work on the magnitude as unsigned so INT64_MIN cannot overflow. Written into one buffer:
  // every call's cost and budget headers come through here.
  const bool negative = micros_ < 0;
  const std::uint64_t magnitude =
      negative ? ~static_cast<std::uint64_t>(micros_) + 1 : static_cast<std::uint64_t>(micros_);
  char text[32];  // "-" + 14 digits of dollars + "." + 6 digits
  char* out = text;
  if (negative) {
    *out++ = '-';
  }
  out = std::to_chars(out, std::end(text) - 7, magnitude / 1'000'000).ptr;  // room for 7 more
  *out++ = '.';
  // The six fraction digits two at a time from a table: a loop of one digit a step cost about
  // 40 instructions more (this runs up to three times a call: the cost header and, with
  // budgets on, the remaining budget after the grant and after the settle).
  const std::uint64_t fraction = magnitude % 1'000'000;
  std::memcpy(out, &kDigitPairs[2 * (fraction / 10'000)], 2);
  std::memcpy(out + 2, &kDigitPairs[2 * (fraction / 100 % 100)], 2);
  std::memcpy(out + 4, &kDigitPairs[2 * (fraction % 100)], 2);
  out += 6;
  return std::string(text, out);
}

std::optional<MicroUsd> MicroUsd::parse(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t whole = 0;
  std::int64_t fraction = 0;
  int fraction_digits = 0;
  bool seen_dot = false;
  bool seen_digit = false;
  for (const char c : text) {
    if (c == '.') {
      if (seen_dot) {
        return std::nullopt;
      }
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    seen_digit = true;
    const int digit = c - '0';
    if (seen_dot) {
      if (++fraction_digits > 6) {
        // Extra digits are allowed only when they are zeros ("0.1500000").
        if (digit != 0) {
          return std::nullopt;
        }
        --fraction_digits;
        continue;
      }
      fraction = fraction * 10 + digit;
    } else {
      if (whole > (INT64_MAX / 1'000'000 - 9) / 10) {
        return std::nullopt;  // more than ~9.2 trillion dollars: not a price
      }
      whole = whole * 10 + digit;
    }
  }
  if (!seen_digit) {
    return std::nullopt;
  }
  for (int i = fraction_digits; i < 6; ++i) {
    fraction *= 10;
  }
  return MicroUsd{whole * 1'000'000 + fraction};
}

MicroUsd cost_of(const TokenUsage& usage, const ModelPrices& prices) {
  // tokens * (micro-dollars per million tokens) = pico-dollars. 128-bit so no realistic
  // token count or price can overflow.
  const Int128 picos = static_cast<Int128>(usage.input_tokens) * prices.input.micros_per_million +
                       static_cast<Int128>(usage.output_tokens) * prices.output.micros_per_million;
  const Int128 micros = (picos + 999'999) / 1'000'000;
  return MicroUsd{static_cast<std::int64_t>(micros)};
}

}  // namespace governor
