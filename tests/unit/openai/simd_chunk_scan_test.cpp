// simdjson's reading of answers and chunks against RapidJSON's: whatever simdjson accepts it must
// read exactly as RapidJSON does, and what it refuses falls to RapidJSON, so scan_chunk's verdicts
// are RapidJSON's. Differences are listed where they are tested.
#include "simd_chunk_scan.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "chunk_scanner.hpp"
#include "governor/openai/sse.hpp"
#include "testdata.hpp"
#include "text_mutation.hpp"

namespace governor::openai {
namespace {

/** A number that is zero however large its exponent, written with an exponent past 308 plus its
 *  fraction digits (`0e400`): RFC 8259 and simdjson take it for 0, RapidJSON refuses it. The one
 *  kind of text simdjson accepts and RapidJSON does not. */
bool has_zero_with_huge_exponent(std::string_view text) {
  for (std::size_t e = text.find_first_of("eE"); e != std::string_view::npos;
       e = text.find_first_of("eE", e + 1)) {
    std::size_t start = e;
    while (start > 0 && (text[start - 1] == '0' || text[start - 1] == '.')) {
      --start;  // the mantissa: zeros and a point only
    }
    const bool zero =
        start < e && text[start] == '0' &&
        (start == 0 || std::string_view{"-[:,{ "}.find(text[start - 1]) != std::string_view::npos);
    std::size_t j = e + 1;
    if (j < text.size() && text[j] == '+') {
      ++j;
    }
    int exponent = 0;
    std::size_t digits = 0;
    for (; j < text.size() && text[j] >= '0' && text[j] <= '9' && digits < 6; ++j, ++digits) {
      exponent = exponent * 10 + (text[j] - '0');
    }
    if (zero && exponent > 308) {
      return true;
    }
  }
  return false;
}

/** Checks one text both ways; returns whether simdjson read it. With `exact_counts` false the
 *  token counts are not compared: RapidJSON (without its full-precision mode, which misreads
 *  zeros) may read a number of more than 15 significant digits a few units of the last place
 *  off simdjson's correct rounding, which can make a count of one and not of the other. */
bool same_reading(const std::string& text, bool exact_counts = true) {
  const std::optional<ChunkInfo> fast = simd_scan_chunk(text);
  const ChunkInfo slow = rapid_scan_chunk(text);
  if (!fast) {
    return false;
  }
  if (!slow.valid_json) {
    EXPECT_TRUE(has_zero_with_huge_exponent(text)) << "simdjson accepted: " << text;
    return true;
  }
  if (exact_counts) {
    EXPECT_EQ(*fast, slow) << text;
  } else {
    ChunkInfo fast_info = *fast;
    fast_info.usage = slow.usage;
    fast_info.usage_only = slow.usage_only;
    EXPECT_EQ(fast_info, slow) << text;
  }
  return true;
}

/** Significant digits of a JSON number's text: leading zeros do not count. */
std::size_t significant_digits(std::string_view number) {
  std::size_t count = 0;
  bool leading = true;
  for (const char c : number) {
    if (c == 'e' || c == 'E') {
      break;
    }
    if (c < '0' || c > '9' || (leading && c == '0')) {
      continue;
    }
    leading = false;
    ++count;
  }
  return count;
}

const std::string kAnswer =
    R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"The server target links against governor_server but not governor_core. Add governor_core to its target_link_libraries.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":98,"completion_tokens":52,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}},"service_tier":"default","system_fingerprint":"fp_06737a9306"})";

const std::vector<std::string> kChunks = {
    R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel\u006co \"you\"","refusal":null},"finish_reason":null}],"usage":null})",
    R"({"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}},{"index":1,"function":{"arguments":"{}"}}]}}]})",
    R"({"id":"c","choices":[],"usage":{"prompt_tokens":24,"completion_tokens":26.0,"total_tokens":50}})",
    R"({"error":{"message":"overloaded","type":"server_error","param":null,"code":null}})",
    R"({"choices":[{"delta":{"refusal":"no"}},{"delta":{"content":"é☕"}}],"usage":{"prompt_tokens":1,"prompt_tokens":-2,"completion_tokens":3}})",
};

TEST(SimdChunkScan, ReadsTheAnswerAndChunksAsRapidJsonDoes) {
  EXPECT_TRUE(same_reading(kAnswer));
  for (const std::string& chunk : kChunks) {
    EXPECT_TRUE(same_reading(chunk)) << chunk;
  }
  const ChunkInfo answer = scan_chunk(kAnswer);
  EXPECT_TRUE(answer.valid_json);
  EXPECT_EQ(answer.usage, (TokenUsage{98, 52}));
}

TEST(SimdChunkScan, DamagedAnswersAndChunksReadTheSame) {
  std::mt19937 rng(20261124);
  int read_fast = 0;
  int read = 0;
  for (int i = 0; i < 20'000; ++i) {
    const std::string& seed = i % 3 == 0 ? kAnswer : kChunks[i % kChunks.size()];
    const std::string text = testing::mutate(seed, rng);
    read_fast += same_reading(text) ? 1 : 0;
    read += rapid_scan_chunk(text).valid_json ? 1 : 0;
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  // Most damage breaks the JSON; enough of it keeps it valid to cover the members' rules.
  EXPECT_GT(read_fast, 1'000);
  EXPECT_GT(read, 1'000);
}

TEST(SimdChunkScan, RecordedStreamReadsTheSame) {
  const std::string stream = testing::read_testdata("sse/openai_stream.txt");
  int events = 0;
  SseDecoder decoder;
  decoder.feed(stream, [&](const SseEvent& e) {
    if (e.data != "[DONE]") {
      EXPECT_TRUE(same_reading(e.data)) << e.data;
      ++events;
    }
  });
  EXPECT_GT(events, 3);
}

// Counts as numbers of every shape: integers of every length (past 64 bits too), fractions,
// exponents near and past the double range, signs.
TEST(SimdChunkScan, TokenCountsOfEveryShapeReadTheSame) {
  std::mt19937 rng(7);
  const auto digits = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      s.push_back(static_cast<char>('0' + rng() % 10));
    }
    return s;
  };
  int refused = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string number = rng() % 4 == 0 ? "-" : "";
    const std::size_t whole = 1 + rng() % 24;
    number += rng() % 3 == 0 ? "0" : std::to_string(1 + rng() % 9) + digits(whole - 1);
    if (rng() % 3 == 0) {
      number += "." + digits(1 + rng() % 20);
    }
    if (rng() % 3 == 0) {
      number += rng() % 2 == 0 ? "e" : "E";
      number += std::string(rng() % 2 == 0 ? "" : (rng() % 2 == 0 ? "+" : "-"));
      number += std::to_string(rng() % 420);
    }
    const std::string text =
        R"({"choices":[],"usage":{"prompt_tokens":)" + number + R"(,"completion_tokens":3}})";
    refused += same_reading(text, significant_digits(number) <= 15) ? 0 : 1;
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  EXPECT_GT(refused, 0);  // integers past 64 bits at least
}

// What simdjson refuses, RapidJSON judges: scan_chunk's verdicts stay RapidJSON's.
TEST(SimdChunkScan, WhatSimdjsonRefusesRapidJsonJudges) {
  struct Case {
    std::string text;
    bool valid;
  };
  const std::vector<Case> cases = {
      {R"({"choices":[{"delta":{"content":"\udc00"}}]})", true},  // lone low surrogate
      {R"({"usage":{"prompt_tokens":123456789012345678901234,"completion_tokens":1}})", true},
      {std::string(2'000, '[') + std::string(2'000, ']'), true},  // past simdjson's depth
      {"\xEF\xBB\xBF{}", false},                                  // a byte order mark
      {R"({"choices":[]} x)", false},
      {"", false},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(simd_scan_chunk(c.text).has_value()) << c.text;
    EXPECT_EQ(scan_chunk(c.text).valid_json, c.valid) << c.text;
  }
  // The one difference: zero with a huge exponent is now accepted, as RFC 8259 allows.
  EXPECT_FALSE(rapid_scan_chunk(R"({"x":0e400})").valid_json);
  EXPECT_TRUE(scan_chunk(R"({"x":0e400})").valid_json);
}

TEST(SimdChunkScan, ALargeAnswerReadsTheSame) {
  std::string content;
  for (int i = 0; i < 40'000; ++i) {
    content += "word\\n ";
  }
  const std::string text = R"({"choices":[{"delta":{"content":")" + content +
                           R"("}}],"usage":{"prompt_tokens":5,"completion_tokens":70000}})";
  ASSERT_GT(text.size(), 256u * 1024);  // past the shared parser's size
  EXPECT_TRUE(same_reading(text));
  EXPECT_EQ(scan_chunk(text).output_chars, 40'000 * 6);
}

}  // namespace
}  // namespace governor::openai
