// The one-pass head scans: their building blocks at every length and position, where the word
// and block steps have edges.
#include "governor/core/http_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace governor::http_scan {
namespace {

TEST(HttpScan, EqualsLowerIgnoresCaseOnlyAndSeesEveryByte) {
  const std::string lower = "content-length-x-governor-123";
  for (std::size_t n = 1; n <= lower.size(); ++n) {
    const std::string want = lower.substr(0, n);
    std::string upper = want;
    for (char& c : upper) {
      if (c >= 'a' && c <= 'z') {
        c = static_cast<char>(c - 'a' + 'A');
      }
    }
    EXPECT_TRUE(equals_lower(want, want)) << n;
    EXPECT_TRUE(equals_lower(upper, want)) << n;
    for (std::size_t at = 0; at < n; ++at) {
      std::string other = want;
      other[at] = other[at] == 'q' ? 'r' : 'q';
      EXPECT_FALSE(equals_lower(other, want)) << n << " at " << at;
    }
    EXPECT_FALSE(equals_lower(want + "a", want));
    EXPECT_FALSE(equals_lower(want.substr(1), want));
  }
  // Every byte a token or a checked value can hold (tab, printable, obs-text) against every byte
  // `lower` may hold: equal only to its own lower case.
  const std::string allowed = "abcdefghijklmnopqrstuvwxyz0123456789-";
  for (unsigned b = 0; b < 256; ++b) {
    if ((b < 0x20 && b != '\t') || b == 0x7f) {
      continue;
    }
    const char c = static_cast<char>(b);
    const char folded = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    for (const char l : allowed) {
      for (const std::size_t n : {1, 9}) {  // the byte loop and the word steps
        const std::string text = std::string(n - 1, 'k') + c;
        const std::string want = std::string(n - 1, 'k') + l;
        EXPECT_EQ(equals_lower(text, want), folded == l) << b << " " << l << " " << n;
      }
    }
  }
}

TEST(HttpScan, FindStopFindsTheFirstStopAtAnyPositionOfABlock) {
  for (std::size_t size = 0; size <= 40; ++size) {
    for (std::size_t at = 0; at <= size; ++at) {
      std::string line(size, 'a');
      if (at < size) {
        line[at] = '\r';
      }
      const char* end = line.data() + line.size();
      EXPECT_EQ(find_stop<0x1f>(line.data(), end), line.data() + at) << size << " " << at;
      if (at < size) {
        line[at] = ' ';
        EXPECT_EQ(find_stop<0x20>(line.data(), end), line.data() + at);
        EXPECT_EQ(find_stop<0x1f>(line.data(), end), end) << "a space is no stop in a value";
        line[at] = '\x7f';
        EXPECT_EQ(find_stop<0x1f>(line.data(), end), line.data() + at) << "DEL stops";
        line[at] = '\x80';
        EXPECT_EQ(find_stop<0x1f>(line.data(), end), end) << "obs-text passes";
      }
    }
  }
}

TEST(HttpScan, ReadFieldsTrimsValuesAndRefusesWhatIsNotTheCommonShape) {
  std::vector<std::pair<std::string, std::string>> seen;
  const auto collect = [&](std::string_view n, std::string_view v) {
    seen.emplace_back(n, v);
    return true;
  };
  const std::string fields = "A: 1\r\nB:\t two words \t\r\nC:\r\n\r\nrest";
  const char* end = fields.data() + fields.size();
  EXPECT_EQ(read_fields(fields.data(), end, collect), end - 4);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{
                      {"A", "1"}, {"B", "two words"}, {"C", ""}}));
  for (const std::string& bad : {
           std::string("A: 1\r\n"),           // no empty line yet
           std::string("A: 1\r\n \r\n\r\n"),  // folded
           std::string("A: 1\n\r\n"),         // a bare LF
           std::string("A 1\r\n\r\n"),        // no colon
           std::string(": 1\r\n\r\n"),        // no name
           std::string("A(: 1\r\n\r\n"),      // not a token
           std::string("A: \x01\r\n\r\n"),    // a control byte
       }) {
    EXPECT_EQ(read_fields(bad.data(), bad.data() + bad.size(), collect), nullptr)
        << ::testing::PrintToString(bad);
  }
  const std::string two = "A: 1\r\nB: 2\r\n\r\n";
  EXPECT_EQ(read_fields(two.data(), two.data() + two.size(),
                        [](std::string_view n, std::string_view) { return n != "B"; }),
            nullptr)
      << "a field the caller refuses";
}

TEST(HttpScan, FramingReadsPlainFramingAndRefusesTheRest) {
  Framing f;
  EXPECT_TRUE(f.read("Content-Length", "42"));
  EXPECT_EQ(f.content_length, 42u);
  EXPECT_FALSE(f.read("content-length", "42")) << "a second one";
  EXPECT_TRUE(f.read("Connection", "Close"));
  EXPECT_TRUE(f.close);
  EXPECT_FALSE(f.keeps_alive(11));
  EXPECT_TRUE(f.read("X-Other", "chunked"));
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Transfer-Encoding", "chunked"},
           {"Upgrade", "h2c"},
           {"Proxy-Connection", "close"},
           {"Connection", "close, upgrade"},
           {"Content-Length", "1,1"},
           {"Content-Length", "+1"},
           {"Content-Length", "12345678901234567890"}}) {
    Framing fresh;
    EXPECT_FALSE(fresh.read(name, value)) << name << ": " << value;
  }
  Framing old;
  EXPECT_FALSE(old.keeps_alive(10));
  EXPECT_TRUE(old.read("connection", "keep-alive"));
  EXPECT_TRUE(old.keeps_alive(10));
}

}  // namespace
}  // namespace governor::http_scan
