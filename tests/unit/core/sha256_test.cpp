#include "governor/core/sha256.hpp"

#include <gtest/gtest.h>

#include <string>

namespace governor {
namespace {

struct Vector {
  const char* name;
  std::string input;
  const char* hex;
};

std::ostream& operator<<(std::ostream& os, const Vector& v) {
  return os << v.name;
}

class Sha256Hex : public ::testing::TestWithParam<Vector> {};

TEST_P(Sha256Hex, MatchesTheKnownDigest) {
  EXPECT_EQ(sha256_hex(GetParam().input), GetParam().hex);
}

// FIPS 180-2 examples (empty, "abc", the 448-bit message, a million 'a'), plus bytes that a
// C-string API would cut short.
const Vector kVectors[] = {
    {"Empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"Abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"TwoBlocks", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"MillionA", std::string(1'000'000, 'a'),
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {"EmbeddedNul", std::string("a\0b", 3),
     "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138"},
};

INSTANTIATE_TEST_SUITE_P(Core, Sha256Hex, ::testing::ValuesIn(kVectors),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(Sha256Hex, IsLowercaseHexOf64Digits) {
  const std::string hex = sha256_hex("governor");
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << hex;
}

TEST(EqualConstantTime, ComparesLikeEquality) {
  const std::string a = sha256_hex("abc");
  std::string b = a;
  EXPECT_TRUE(equal_constant_time(a, b));
  b.back() = b.back() == '0' ? '1' : '0';
  EXPECT_FALSE(equal_constant_time(a, b));
  b = a;
  b.front() = b.front() == '0' ? '1' : '0';
  EXPECT_FALSE(equal_constant_time(a, b));
  EXPECT_FALSE(equal_constant_time(a, a.substr(0, 63)));  // a prefix is not equal
  EXPECT_FALSE(equal_constant_time("", "x"));
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(equal_constant_time(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace governor
