#include "fit.hpp"

#include <gtest/gtest.h>

#include "ledger_test_support.hpp"

namespace governor::ledger {
namespace {

using testing::candidate;
using testing::cheap;
using testing::expensive;
using testing::usd;

std::optional<std::int64_t> brute_force(std::int64_t input, std::int64_t max_output,
                                        const ModelPrices& prices, MicroUsd available) {
  std::optional<std::int64_t> best;
  for (std::int64_t n = 0; n <= max_output; ++n) {
    if (cost_of(TokenUsage{input, n}, prices) <= available) {
      best = n;
    }
  }
  return best;
}

TEST(LargestOutputWithin, MatchesBruteForceOverAGridOfPricesAndBudgets) {
  const ModelPrices prices[] = {
      expensive(),
      cheap(),
      ModelPrices{PricePerMillion{150'000}, PricePerMillion{600'000}},  // a small model
      ModelPrices{PricePerMillion{3'000'000}, PricePerMillion{15'000'000}},
      ModelPrices{PricePerMillion{0}, PricePerMillion{1'234'567}},
      ModelPrices{PricePerMillion{700'000}, PricePerMillion{0}},
  };
  for (const ModelPrices& p : prices) {
    for (const std::int64_t input : {0, 1, 7, 100, 999}) {
      for (std::int64_t available = 0; available <= 400; available += 13) {
        EXPECT_EQ(largest_output_within(input, 250, p, usd(available)),
                  brute_force(input, 250, p, usd(available)))
            << "input=" << input << " available=" << available
            << " out_price=" << p.output.micros_per_million;
      }
    }
  }
}

TEST(LargestOutputWithin, NulloptWhenTheInputAloneDoesNotFit) {
  EXPECT_EQ(largest_output_within(100, 50, expensive(), usd(99)), std::nullopt);
  EXPECT_EQ(largest_output_within(100, 50, expensive(), usd(100)), 0);
}

TEST(LargestOutputWithin, FreeOutputFitsTheWholeBound) {
  const ModelPrices free_output{PricePerMillion{1'000'000}, PricePerMillion{0}};
  EXPECT_EQ(largest_output_within(10, 1'000'000, free_output, usd(10)), 1'000'000);
}

TEST(MinUsefulOutput, NeverAboveTheCandidatesBoundNorBelowOne) {
  EXPECT_EQ(min_useful_output(64, candidate(expensive(), 1000)), 64);
  EXPECT_EQ(min_useful_output(64, candidate(expensive(), 10)), 10);
  EXPECT_EQ(min_useful_output(0, candidate(expensive(), 10)), 1);
  EXPECT_EQ(min_useful_output(-5, candidate(expensive(), 10)), 1);
}

TEST(FirstFit, PicksTheFirstCandidateThatFitsClampingBeforeMovingOn) {
  const std::vector<Candidate> both = {candidate(expensive(), 100), candidate(cheap(), 100)};
  struct Case {
    const char* name;
    std::optional<std::int64_t> available;
    std::int64_t min_output;
    std::optional<Fit> expected;
  };
  const Case cases[] = {
      {"unlimited takes the first unclamped", std::nullopt, 10, Fit{0, 100, false, usd(300)}},
      {"exactly the worst case is not clamped", 300, 10, Fit{0, 100, false, usd(300)}},
      {"one micro short clamps to what fits", 299, 10, Fit{0, 99, true, usd(298)}},
      {"clamped at exactly the minimum", 120, 10, Fit{0, 10, true, usd(120)}},
      {"below the minimum moves to the cheaper model", 119, 10, Fit{1, 100, false, usd(30)}},
      {"the cheaper model clamps too", 20, 10, Fit{1, 50, true, usd(20)}},
      {"nothing useful fits", 11, 10, std::nullopt},
  };
  for (const Case& c : cases) {
    const auto available = c.available ? std::optional<MicroUsd>{usd(*c.available)} : std::nullopt;
    EXPECT_EQ(first_fit(100, c.min_output, both, available), c.expected) << c.name;
  }
}

TEST(FirstFit, NegativeTokenCountsCountAsZero) {
  EXPECT_EQ(first_fit(-100, 1, {candidate(expensive(), -5)}, usd(0)), (Fit{0, 0, false, usd(0)}));
}

}  // namespace
}  // namespace governor::ledger
