// scan_text's counts on small texts worked out by hand, and the n-gram hashing's contract:
// one unigram per word, one bigram per adjacent pair, case and digit runs folded.
#include "text_scan.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace governor::routing {
namespace {

/** The counters a case checks; -1 leaves one unchecked. */
struct Expected {
  int words = -1;
  int numbers = -1;
  int digits = -1;
  int sentences = -1;
  int questions = -1;
  int options = -1;
  int code = -1;
  int math = -1;
  int json = -1;
  int money_or_percent = -1;
  int long_words = -1;
  int lines = -1;
};

struct ScanCase {
  const char* name;
  std::string_view text;
  Expected expected;
};

void expect_count(const char* what, int expected, std::uint32_t got) {
  if (expected >= 0) {
    EXPECT_EQ(static_cast<std::uint32_t>(expected), got) << what;
  }
}

TEST(ScanText, CountsWhatEachTextHolds) {
  const std::vector<ScanCase> cases{
      {"words and one sentence",
       "The cat sat.",
       {.words = 3, .numbers = 0, .sentences = 1, .questions = 0, .lines = 1}},
      // "3.5" and "1,000" are one number each: 2 + 4 digits.
      {"decimal and thousands",
       "Pay 3.5 or 1,000 now",
       {.words = 3, .numbers = 2, .digits = 6, .sentences = 0}},
      // A trailing comma or dot is not part of the number.
      {"number then punctuation",
       "Take 12, then 7.",
       {.words = 2, .numbers = 2, .digits = 3, .sentences = 1}},
      // '.' and '!' end a sentence only before a space or the end; '?' always does.
      {"sentences and questions", "Hi. Bye! Why? e.g.x", {.sentences = 3, .questions = 1}},
      {"two questions", "Why?? Really", {.sentences = 2, .questions = 2}},
      {"options",
       "Pick one:\nA. red\nB) blue\n(c) green\nI. not an option",
       {.options = 3, .lines = 5}},
      {"option needs a mark", "Apple\nB ad", {.options = 0, .lines = 2}},
      // "```" twice and "#include" once; '<' after a letter is not math.
      {"code fence and include", "```\n#include <vector>\n```", {.code = 3, .math = 0}},
      // "){", '{', "return ", ';', '}'.
      {"code braces and keywords", "int main(){ return 0; }", {.code = 5}},
      {"operator between digit and word", "3 + x", {.numbers = 1, .math = 1}},
      {"power and equation", "2^5 and 4=x", {.math = 2}},
      {"no digit on the left", "x = 4", {.math = 0}},
      // "\frac" once; its four braces count as code.
      {"latex", "\\frac{1}{2}", {.code = 4, .math = 1}},
      {"json pair", "{\"a\": 1}", {.code = 2, .json = 1}},
      {"the word json", "Return JSON or json, not Json", {.json = 2}},
      {"money and percent", "$5 and 10%", {.numbers = 2, .money_or_percent = 2}},
      {"long words", "internationalization is long", {.words = 3, .long_words = 1}},
      {"nine letters is long", "abcdefghi abcdefgh", {.long_words = 1}},
      {"lines", "a\nb\nc", {.lines = 3}},
      {"trailing newline", "a\n", {.lines = 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const TextStats s = scan_text(c.text);
    EXPECT_EQ(c.text.size(), s.chars);
    const Expected& e = c.expected;
    expect_count("words", e.words, s.words);
    expect_count("numbers", e.numbers, s.numbers);
    expect_count("digits", e.digits, s.digits);
    expect_count("sentences", e.sentences, s.sentences);
    expect_count("questions", e.questions, s.questions);
    expect_count("options", e.options, s.options);
    expect_count("code", e.code, s.code);
    expect_count("math", e.math, s.math);
    expect_count("json", e.json, s.json);
    expect_count("money_or_percent", e.money_or_percent, s.money_or_percent);
    expect_count("long_words", e.long_words, s.long_words);
    expect_count("lines", e.lines, s.lines);
  }
}

TEST(ScanText, EveryCodeAndMathMarkCounts) {
  // Each mark between two words: the scan looks for marks only at bytes that can open one, so a
  // mark whose first byte were missing from that table would count 0 here.
  struct MarkCase {
    std::string_view mark;
    std::uint32_t code;
    std::uint32_t math;
  };
  const std::vector<MarkCase> cases{
      {"```", 1, 0},      {"#include", 1, 0}, {"def ", 1, 0}, {"return ", 1, 0},
      {"function", 1, 0}, {"=>", 1, 0},       {"();", 2, 0},  {"){", 2, 0},  // ';' and '{' too
      {"import ", 1, 0},  {"class ", 1, 0},   {"::", 1, 0},   {"print(", 1, 0},
      {"\\frac", 0, 1},   {"\\(", 0, 1},      {"$$", 0, 1},   {"\\sqrt", 0, 1},
      {"\\sum", 0, 1},    {"\\int", 0, 1},
  };
  for (const auto& c : cases) {
    const std::string text = "a " + std::string(c.mark) + " b";
    SCOPED_TRACE(text);
    const TextStats s = scan_text(text);
    EXPECT_EQ(c.code, s.code);
    EXPECT_EQ(c.math, s.math);
  }
}

TEST(ScanText, WordLettersCountEveryLetter) {
  const TextStats s = scan_text("internationalization is long");
  EXPECT_EQ(20u + 2u + 4u, s.word_letters);
}

TEST(ScanText, Utf8BytesStayInsideWords) {
  // "café" is five bytes and one word.
  const TextStats s = scan_text("caf\xc3\xa9 au lait");
  EXPECT_EQ(3u, s.words);
  EXPECT_EQ(5u + 2u + 4u, s.word_letters);
}

TEST(ScanText, EmptyTextCountsNothing) {
  const TextStats s = scan_text("");
  EXPECT_EQ(0u, s.chars);
  EXPECT_EQ(0u, s.words);
  EXPECT_EQ(0u, s.lines);
  EXPECT_EQ(0u, s.sentences);
  EXPECT_EQ(0u, s.numbers);
  EXPECT_EQ(0u, s.code);
  EXPECT_EQ(0u, s.math);
}

using Emitted = std::vector<std::pair<std::uint32_t, bool>>;

Emitted ngrams_of(std::string_view text, std::uint32_t buckets = 1u << 18) {
  Emitted out;
  for_each_ngram_bucket(text, buckets, [&](std::uint32_t bucket, bool bigram) {
    out.emplace_back(bucket, bigram);
    return true;
  });
  return out;
}

TEST(NgramBuckets, StopsWhenEmitSaysSo) {
  // Unigram "the", unigram "quick", bigram "the quick", ...: the third n-gram is the last.
  Emitted got;
  for_each_ngram_bucket("the quick brown fox", 1u << 18, [&](std::uint32_t bucket, bool bigram) {
    got.emplace_back(bucket, bigram);
    return got.size() < 3;
  });
  const Emitted all = ngrams_of("the quick brown fox");
  ASSERT_EQ(3u, got.size());
  EXPECT_EQ(Emitted(all.begin(), all.begin() + 3), got);
}

TEST(NgramBuckets, UnigramsThenBigramsInTextOrder) {
  const Emitted got = ngrams_of("the quick brown fox");
  // Four words give four unigrams and three bigrams, each bigram right after its second word.
  ASSERT_EQ(7u, got.size());
  const std::vector<bool> flags{false, false, true, false, true, false, true};
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(flags[i], got[i].second) << i;
  }
  // A word's unigram bucket does not depend on where the word is.
  const Emitted reversed = ngrams_of("fox brown quick the");
  EXPECT_EQ(got[0].first, reversed[5].first);  // "the"
  EXPECT_EQ(got[5].first, reversed[0].first);  // "fox"
  // A bigram depends on the order of its words.
  EXPECT_NE(ngrams_of("quick brown")[2].first, ngrams_of("brown quick")[2].first);
}

TEST(NgramBuckets, CountsFollowWordCount) {
  for (const std::string_view text :
       {"one", "one two", "a, b; c!", "  spaced   out  words here  ", "x1 y2 z3 w4 v5"}) {
    SCOPED_TRACE(std::string(text));
    const TextStats s = scan_text(text);
    const std::uint32_t tokens = s.words + s.numbers;
    std::uint32_t unigrams = 0;
    std::uint32_t bigrams = 0;
    for (const auto& [bucket, bigram] : ngrams_of(text)) {
      (bigram ? bigrams : unigrams) += 1;
    }
    EXPECT_EQ(tokens, unigrams);
    EXPECT_EQ(tokens - 1, bigrams);
  }
}

TEST(NgramBuckets, CaseInsensitive) {
  EXPECT_EQ(ngrams_of("Apple PIE"), ngrams_of("apple pie"));
  EXPECT_NE(ngrams_of("apple pie"), ngrams_of("apple pies"));
}

TEST(NgramBuckets, DigitRunsCollapse) {
  EXPECT_EQ(ngrams_of("3 apples"), ngrams_of("12 apples"));
  EXPECT_EQ(ngrams_of("add 7 and 1000"), ngrams_of("add 42 and 5"));
  EXPECT_NE(ngrams_of("3 apples"), ngrams_of("three apples"));
}

TEST(NgramBuckets, NothingForTextWithoutWords) {
  EXPECT_TRUE(ngrams_of("").empty());
  EXPECT_TRUE(ngrams_of(" ,.;!? ").empty());
}

TEST(NgramBuckets, BucketsStayBelowTheModulus) {
  const std::string text =
      "a quick brown fox jumps over the lazy dog while 17 cats and 3 owls watch the sunset "
      "of an unremarkable Tuesday evening in late September";
  for (const std::uint32_t modulus : {1u, 7u, 1000u, 1u << 18}) {
    SCOPED_TRACE(modulus);
    const Emitted got = ngrams_of(text, modulus);
    ASSERT_FALSE(got.empty());
    for (const auto& [bucket, bigram] : got) {
      EXPECT_LT(bucket, modulus);
    }
  }
}

}  // namespace
}  // namespace governor::routing
