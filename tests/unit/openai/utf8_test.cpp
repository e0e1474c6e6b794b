#include "utf8.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace governor::openai {
namespace {

/** The reference: nlohmann's lexer follows RFC 3629 strictly inside a string literal. */
bool nlohmann_accepts(const std::string& bytes) {
  return nlohmann::json::accept("\"" + bytes + "\"");
}

/** Bytes that JSON forbids raw inside a string: the comparison skips them. */
bool json_special(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

TEST(Utf8Validation, KnownSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII that is longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));                 // é
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC and more text"));  // €
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));            // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));            // U+10FFFF, the last code point
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                   // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));               // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));               // U+D800, a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));           // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("abc\xE2\x82"));  // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\x80 a lone continuation byte"));
  EXPECT_FALSE(is_valid_utf8("eight ok\xFF"));  // after a whole ASCII word
}

TEST(Utf8Validation, AgreesWithNlohmannOnEveryOneAndTwoByteSequence) {
  for (int a = 0; a < 256; ++a) {
    if (json_special(static_cast<unsigned char>(a))) {
      continue;
    }
    const std::string one(1, static_cast<char>(a));
    ASSERT_EQ(is_valid_utf8(one), nlohmann_accepts(one)) << "byte " << a;
    for (int b = 0; b < 256; ++b) {
      if (json_special(static_cast<unsigned char>(b))) {
        continue;
      }
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(is_valid_utf8(two), nlohmann_accepts(two)) << "bytes " << a << " " << b;
    }
  }
}

TEST(Utf8Validation, AgreesWithNlohmannOnLongerSequencesAroundEveryBoundary) {
  // Lead bytes E0..F4 with continuation bytes drawn near the edges of their valid ranges,
  // inside ASCII text of varying alignment so both the word and the byte path are taken.
  const unsigned char edges[] = {0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xFF};
  std::mt19937 rng(7);
  for (int lead = 0xE0; lead <= 0xF7; ++lead) {
    for (const unsigned char b1 : edges) {
      for (const unsigned char b2 : edges) {
        for (const unsigned char b3 : edges) {
          std::string seq{static_cast<char>(lead), static_cast<char>(b1), static_cast<char>(b2),
                          static_cast<char>(b3)};
          const std::string text = std::string(rng() % 11, 'x') + seq + std::string(rng() % 3, 'y');
          ASSERT_EQ(is_valid_utf8(text), nlohmann_accepts(text))
              << "lead " << lead << " " << int{b1} << " " << int{b2} << " " << int{b3};
        }
      }
    }
  }
}

TEST(Utf8Validation, FindsOneBadOrGoodSequenceAnywhereInLongAsciiText) {
  // Every position in ASCII text longer than two 32-byte blocks, so each block path (32 bytes,
  // 8 bytes, byte by byte) meets the sequence at every offset.
  for (std::size_t length : {32u, 64u, 96u}) {
    EXPECT_TRUE(is_valid_utf8(std::string(length, 'a'))) << length;  // ends on a block's end
  }
  for (std::size_t length : {31u, 32u, 33u, 64u, 75u}) {
    for (std::size_t at = 0; at + 1 < length; ++at) {
      std::string text(length, 'a');
      text[at] = '\xFF';
      ASSERT_FALSE(is_valid_utf8(text)) << length << " " << at;
      text[at] = '\xC3';  // é, a valid two-byte sequence
      text[at + 1] = '\xA9';
      ASSERT_TRUE(is_valid_utf8(text)) << length << " " << at;
      text[at + 1] = 'a';  // a lead byte without its continuation
      ASSERT_FALSE(is_valid_utf8(text)) << length << " " << at;
    }
  }
}

}  // namespace
}  // namespace governor::openai
