#include "slack_insitu_stream.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace governor::openai {
namespace {

/** Every decoded string of one document, in order. */
struct Strings : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Strings> {
  std::vector<std::string> seen;
  bool String(const char* s, rapidjson::SizeType length, bool) {
    seen.emplace_back(s, length);
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType length, bool copy) { return String(s, length, copy); }
};

/** Parses `text` in situ from a buffer that ends exactly kScanSlack bytes past its NUL (so
 *  AddressSanitizer sees a read beyond the slack), starting `shift` bytes into it (so the
 *  strings start at every alignment). Nullopt when RapidJSON refuses the text. */
std::optional<std::vector<std::string>> read_strings(const std::string& text, std::size_t shift) {
  const auto buffer = std::make_unique<char[]>(shift + text.size() + 1 + kScanSlack);
  char* copy = buffer.get() + shift;
  std::memcpy(copy, text.data(), text.size());
  std::memset(copy + text.size(), 0, 1 + kScanSlack);
  SlackInsituStream in(copy);
  Strings strings;
  rapidjson::Reader reader;
  if (reader.Parse<rapidjson::kParseInsituFlag>(in, strings).IsError() ||
      in.Tell() != text.size()) {
    return std::nullopt;
  }
  return strings.seen;
}

/** What nlohmann decodes from `text`, the reference (nullopt when it refuses the text). */
std::optional<std::vector<std::string>> reference_strings(const std::string& text) {
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& [key, value] : parsed.items()) {
    out.push_back(key);
    out.push_back(value.get<std::string>());
  }
  return out;
}

/** A string body of `length` bytes of plain text with `escape` written at `at` (none when
 *  `at` is past the end): every split of a string into scanned runs and escapes. */
std::string body(std::size_t length, std::size_t at, const std::string& escape) {
  std::string s;
  for (std::size_t i = 0; i < length; ++i) {
    if (i == at) {
      s += escape;
    }
    s += static_cast<char>('a' + i % 26);
  }
  if (at >= length && at != std::string::npos) {
    s += escape;
  }
  return s;
}

TEST(SlackInsituStream, DecodesEveryLengthEscapeAndAlignmentAsNlohmannDoes) {
  const std::vector<std::string> escapes = {"",        "\\\"",           "\\\\",    "\\n",
                                            "\\u00e9", "\\ud83d\\ude00", "\xC3\xA9"};
  int compared = 0;
  for (std::size_t length = 0; length <= 40; ++length) {
    for (const std::string& escape : escapes) {
      for (std::size_t at = 0; at <= length; at += (escape.empty() ? length + 1 : 1)) {
        const std::string value = body(length, at, escape);
        // Two members, so a string also starts right after another one's escapes moved it.
        const std::string text = "{\"k" + body(length % 7, 0, escape) + "\":\"" + value +
                                 "\", \"second\" :\t\"" + value + "\"}";
        const auto expected = reference_strings(text);
        ASSERT_TRUE(expected.has_value()) << text;
        for (std::size_t shift = 0; shift < 16; ++shift) {
          ASSERT_EQ(read_strings(text, shift), expected) << "shift " << shift << ": " << text;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 10000);
}

TEST(SlackInsituStream, RefusesWhatNlohmannRefusesAtTheEndOfTheBuffer) {
  // A string cut off by the NUL, a raw control byte, a bad escape: at every length, so the scan
  // meets the end of the text at every offset within a block.
  for (std::size_t length = 0; length <= 33; ++length) {
    const std::string plain = body(length, std::string::npos, "");
    for (const std::string& text :
         {"\"" + plain, "[\"" + plain + "\x01\"]", "\"" + plain + "\\x\"", "\"" + plain + "\\"}) {
      ASSERT_FALSE(nlohmann::json::accept(text)) << text;
      for (std::size_t shift = 0; shift < 16; ++shift) {
        EXPECT_FALSE(read_strings(text, shift).has_value()) << "shift " << shift << ": " << text;
      }
    }
  }
}

TEST(SlackInsituStream, SkipsEveryKindOfWhitespaceBetweenTokens) {
  const std::string text = " \t\r\n{ \"a\" \n:\r\"b\"\t, \"c\":  \"d\" } \n";
  const auto expected = reference_strings(text);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(read_strings(text, 0), expected);
  EXPECT_FALSE(read_strings("{\"a\":\"b\"}\f", 0).has_value());  // form feed is not JSON space
}

}  // namespace
}  // namespace governor::openai
