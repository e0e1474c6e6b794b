#include "governor/cascade/calibration.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace governor::cascade {
namespace {

std::vector<CalibrationRecord> one_signal(std::vector<std::pair<double, bool>> rows) {
  std::vector<CalibrationRecord> records;
  for (const auto& [score, acceptable] : rows) {
    records.push_back({{score}, acceptable});
  }
  return records;
}

TEST(Calibration, HandComputedLevels) {
  // n = 4. Level 1/4 accepts {0.1}: risk 0, bound (0 + 1) / 5 = 0.2. Level 2/4 adds the wrong
  // 0.2: risk 1/4, bound 2/5 = 0.4; levels 3/4 and 1 keep that risk and bound.
  const auto records = one_signal({{0.3, true}, {0.1, true}, {0.4, true}, {0.2, false}});
  struct Case {
    double alpha;
    double level;
    double threshold;
  };
  for (const Case& c : {Case{0.3, 0.25, 0.1}, Case{0.2, 0.25, 0.1}, Case{0.4, 1.0, 0.4}}) {
    SCOPED_TRACE(c.alpha);
    const auto t = calibrate_thresholds(records, c.alpha);
    EXPECT_EQ(t.level, c.level);
    ASSERT_EQ(t.max_score.size(), 1u);
    EXPECT_EQ(t.max_score[0], c.threshold);
  }
  // Below 1 / (n + 1) nothing can be promised: accept nothing, escalate everything.
  const auto none = calibrate_thresholds(records, 0.19);
  EXPECT_EQ(none.level, 0.0);
  EXPECT_FALSE(accepts(none, {0.0}));
  EXPECT_EQ(rates_of(none, records).escalation, 1.0);
  EXPECT_EQ(rates_of(calibrate_thresholds(records, 0.4), records).risk, 0.25);
}

TEST(Calibration, EverySignalMustPass) {
  const AcceptThresholds t{{0.5, 2.0}, 0.5};
  EXPECT_TRUE(accepts(t, {0.5, 2.0}));
  EXPECT_FALSE(accepts(t, {0.6, 1.0}));
  EXPECT_FALSE(accepts(t, {0.1, 2.5}));
  EXPECT_FALSE(accepts(t, {0.1}));  // wrong arity
  EXPECT_FALSE(accepts(t, {std::nan(""), 1.0}));
}

/** Answers whose signal u ~ U(0,1) is wrong with probability u: accepting u <= tau has true
 *  risk tau^2 / 2 and escalates 1 - tau. */
std::vector<CalibrationRecord> synthetic(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<CalibrationRecord> records;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = unit(rng);
    records.push_back({{u, unit(rng) * 2.0}, unit(rng) >= u});  // signal 2 is noise
  }
  return records;
}

TEST(Calibration, HeldOutRiskStaysAtAlphaOverManySplits) {
  constexpr double kAlpha = 0.05;
  constexpr int kSplits = 400;
  std::mt19937_64 rng{7};
  double mean_risk = 0.0;
  double mean_true_risk = 0.0;
  int within = 0;
  for (int split = 0; split < kSplits; ++split) {
    const auto calibration = synthetic(300, rng);
    const auto test = synthetic(2000, rng);
    const auto t = calibrate_thresholds(calibration, kAlpha);
    const double risk = rates_of(t, test).risk;
    mean_risk += risk / kSplits;
    // The true risk of the chosen thresholds, from the model above (signal 2 thresholds pass a
    // share of U(0, 2) noise independently).
    const double tau = t.level > 0 ? t.max_score[0] : 0.0;
    const double pass_noise = t.level > 0 ? std::clamp(t.max_score[1] / 2.0, 0.0, 1.0) : 0.0;
    const double true_risk = tau * tau / 2.0 * pass_noise;
    mean_true_risk += true_risk / kSplits;
    within += true_risk <= kAlpha ? 1 : 0;
  }
  // The guarantee is in expectation over calibration sets: E[true risk] <= alpha.
  EXPECT_LE(mean_true_risk, kAlpha);
  EXPECT_LE(mean_risk, kAlpha + 0.002);  // plus Monte-Carlo error of the test sets
  // And it is not bought by escalating everything: close to alpha, not far below.
  EXPECT_GE(mean_true_risk, kAlpha - 0.015);
  // Most calibration sets land at or under alpha themselves.
  EXPECT_GE(within, kSplits / 2) << within << " of " << kSplits;
}

TEST(Calibration, SplitIsSeededAndComplete) {
  std::mt19937_64 rng{1};
  const auto records = synthetic(100, rng);
  std::vector<CalibrationRecord> a_cal, a_test, b_cal, b_test;
  split_records(records, 0.3, 42, a_cal, a_test);
  split_records(records, 0.3, 42, b_cal, b_test);
  EXPECT_EQ(a_test.size(), 30u);
  EXPECT_EQ(a_cal.size(), 70u);
  ASSERT_EQ(a_test.size(), b_test.size());
  for (std::size_t i = 0; i < a_test.size(); ++i) {
    EXPECT_EQ(a_test[i].scores, b_test[i].scores);
  }
}

}  // namespace
}  // namespace governor::cascade
