#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "governor/openai/sse.hpp"

namespace governor::openai {
namespace {

struct EncodeCase {
  std::string data;
  std::string framed;
};

class SseData : public ::testing::TestWithParam<EncodeCase> {};

TEST_P(SseData, FramesOneDataLinePerLine) {
  EXPECT_EQ(sse_data(GetParam().data), GetParam().framed);
}

TEST_P(SseData, DecodesBackToTheSameData) {
  SseDecoder decoder;
  std::vector<std::string> data;
  decoder.feed(sse_data(GetParam().data), [&](const SseEvent& e) { data.push_back(e.data); });
  ASSERT_EQ(data.size(), 1u);
  // Line ends inside data come back as LF: the framing cannot tell them apart.
  std::string expected = GetParam().data;
  for (std::size_t i = 0; (i = expected.find('\r', i)) != std::string::npos;) {
    if (i + 1 < expected.size() && expected[i + 1] == '\n') {
      expected.erase(i, 1);
    } else {
      expected[i] = '\n';
    }
  }
  EXPECT_EQ(data[0], expected);
}

INSTANTIATE_TEST_SUITE_P(Examples, SseData,
                         ::testing::Values(EncodeCase{R"({"a":1})", "data: {\"a\":1}\n\n"},
                                           EncodeCase{"", "data: \n\n"},
                                           EncodeCase{"[DONE]", "data: [DONE]\n\n"},
                                           EncodeCase{"a\nb", "data: a\ndata: b\n\n"},
                                           EncodeCase{"a\r\nb\rc", "data: a\ndata: b\ndata: c\n\n"},
                                           EncodeCase{"a\n", "data: a\ndata: \n\n"},
                                           EncodeCase{" lead", "data:  lead\n\n"}));

}  // namespace
}  // namespace governor::openai
