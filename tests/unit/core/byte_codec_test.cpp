#include "governor/core/byte_codec.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace governor::bytes {
namespace {

TEST(ByteCodec, WriterWritesWhatPutWritesAfterWhatTheStringHeld) {
  const std::int64_t signed_values[] = {0,
                                        1,
                                        -1,
                                        63,
                                        -64,
                                        64,
                                        1'000'000,
                                        -1'000'000,
                                        std::numeric_limits<std::int64_t>::max(),
                                        std::numeric_limits<std::int64_t>::min()};
  const std::uint64_t values[] = {
      0, 1, 127, 128, 16'383, 16'384, std::numeric_limits<std::uint64_t>::max()};
  // Text long enough that the writer grows the string past its first block, several times.
  const std::string long_text(1000, 'x');
  std::string expected = "kept";
  std::string written = "kept";
  {
    Writer w(written);
    for (int round = 0; round < 3; ++round) {
      for (const std::uint64_t v : values) {
        put_varint(expected, v);
        w.varint(v);
      }
      for (const std::int64_t v : signed_values) {
        put_signed(expected, v);
        w.signed_varint(v);
      }
      for (const std::string& t : {std::string(), std::string("tier"), long_text}) {
        put_text(expected, t);
        w.text(t);
      }
      for (const double d : {0.0, -1.5, 1e-300, std::numeric_limits<double>::infinity()}) {
        put_double(expected, d);
        w.real(d);
      }
      expected.push_back(static_cast<char>(0xab));
      w.byte(0xab);
    }
  }
  EXPECT_EQ(written, expected);

  Reader r(std::string_view(written).substr(4));
  EXPECT_EQ(r.varint(), 0u);
  EXPECT_EQ(r.varint(), 1u);
  EXPECT_TRUE(r.ok());
}

TEST(ByteCodec, AWriterThatWritesNothingLeavesTheStringAsItWas) {
  std::string out = "abc";
  { Writer w(out); }
  EXPECT_EQ(out, "abc");
}

}  // namespace
}  // namespace governor::bytes
