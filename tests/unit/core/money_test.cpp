#include "governor/core/money.hpp"

#include <gtest/gtest.h>

namespace governor {
namespace {

TEST(MicroUsd, ParsesDecimalDollarsExactly) {
  EXPECT_EQ(MicroUsd::parse("0.15"), MicroUsd{150'000});
  EXPECT_EQ(MicroUsd::parse("3"), MicroUsd{3'000'000});
  EXPECT_EQ(MicroUsd::parse("2.5"), MicroUsd{2'500'000});
  EXPECT_EQ(MicroUsd::parse("0.000001"), MicroUsd{1});
  EXPECT_EQ(MicroUsd::parse("10.1500000"), MicroUsd{10'150'000});
  EXPECT_EQ(MicroUsd::parse(".5"), MicroUsd{500'000});
}

TEST(MicroUsd, RejectsWhatIsNotAPlainDecimal) {
  EXPECT_FALSE(MicroUsd::parse(""));
  EXPECT_FALSE(MicroUsd::parse("."));
  EXPECT_FALSE(MicroUsd::parse("-1"));
  EXPECT_FALSE(MicroUsd::parse("1e-3"));
  EXPECT_FALSE(MicroUsd::parse("1.2.3"));
  EXPECT_FALSE(MicroUsd::parse("0.0000001"));  // below a micro-dollar
  EXPECT_FALSE(MicroUsd::parse("99999999999999999999"));
}

TEST(MicroUsd, RendersExactly) {
  EXPECT_EQ(MicroUsd{0}.to_string(), "0.000000");
  EXPECT_EQ(MicroUsd{1234}.to_string(), "0.001234");
  EXPECT_EQ(MicroUsd{12'345'678}.to_string(), "12.345678");
  EXPECT_EQ(MicroUsd{-5}.to_string(), "-0.000005");
  EXPECT_EQ(MicroUsd{INT64_MIN}.to_string(), "-9223372036854.775808");
  EXPECT_EQ(MicroUsd{INT64_MAX}.to_string(), "9223372036854.775807");
  EXPECT_EQ(MicroUsd{1'000'000}.to_string(), "1.000000");
  EXPECT_EQ(MicroUsd{-10'000'001}.to_string(), "-10.000001");
}

TEST(MicroUsd, ParsesWhatItRenders) {
  // Every magnitude from one micro-dollar up, each digit count at least once.
  for (std::int64_t m = 1; m < INT64_MAX / 3; m = m * 2 + 1) {
    EXPECT_EQ(MicroUsd::parse(MicroUsd{m}.to_string()), MicroUsd{m}) << m;
  }
}

TEST(CostOf, MultipliesTokensByPricePerMillion) {
  // gpt-4o-mini-like prices: $0.15 in, $0.60 out per million tokens.
  const ModelPrices prices{{150'000}, {600'000}};
  // 1000 in * 0.15 + 500 out * 0.60 = 150 + 300 micro-dollars.
  EXPECT_EQ(cost_of({1000, 500}, prices), MicroUsd{450});
  EXPECT_EQ(cost_of({0, 0}, prices), MicroUsd{0});
}

TEST(CostOf, RoundsUpToTheNextMicroDollarSoNothingIsUnderCounted) {
  const ModelPrices prices{{150'000}, {600'000}};
  // 1 input token costs 0.15 micro-dollars: charged as 1.
  EXPECT_EQ(cost_of({1, 0}, prices), MicroUsd{1});
  // 7 in (1.05) + 0 out: 2.
  EXPECT_EQ(cost_of({7, 0}, prices), MicroUsd{2});
}

TEST(CostOf, SumsWithoutDriftWhereFloatingPointWouldDrift) {
  // $2.50 / $10 per million (gpt-4o-like). A million calls of 1000+1000 tokens is exactly $12500.
  const ModelPrices prices{{2'500'000}, {10'000'000}};
  MicroUsd total;
  for (int i = 0; i < 1'000'000; ++i) {
    total += cost_of({1000, 1000}, prices);
  }
  EXPECT_EQ(total, MicroUsd{12'500'000'000});
}

TEST(CostOf, HugeCountsDoNotOverflow) {
  const ModelPrices prices{{1'000'000'000}, {1'000'000'000}};  // $1000 per million tokens
  EXPECT_EQ(cost_of({1'000'000'000, 0}, prices), MicroUsd{1'000'000'000'000});
}

}  // namespace
}  // namespace governor
