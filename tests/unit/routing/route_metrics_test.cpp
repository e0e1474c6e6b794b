// RouteLLM's curve, APGR and CPT on cases small enough to work by hand (the working is in the
// comments), plus the properties any router curve must have.
#include "governor/routing/route_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace governor::routing {
namespace {

constexpr double kCurveTolerance = 1e-12;

TEST(ThresholdCurve, FourPromptsByHand) {
  // (weak, strong) per prompt; weak mean 2/4 = 0.5, strong mean 3/4 = 0.75.
  const std::vector<Outcome> outcomes{{1, 1}, {0, 1}, {0, 1}, {1, 0}};
  const std::vector<double> scores{0.1, 0.7, 0.4, 0.0};
  // Sorted scores [0.0, 0.1, 0.4, 0.7]; numpy's linear quantile at q sits at q * 3:
  //   q=0   -> 0.0                      all four >= 0.0          share 1.00, quality 0.75
  //   q=.1  -> 0.3 * 0.1        = 0.03  p0 p1 p2 strong, p3 weak share 0.75, (1+1+1+1)/4 = 1
  //   q=.2  -> 0.06, q=.3 -> 0.09       the same
  //   q=.4  -> 0.1 + 0.2 * 0.3  = 0.16  p1 p2 strong            share 0.50, (1+1+1+1)/4 = 1
  //   q=.5  -> 0.25, q=.6 -> 0.34       the same
  //   q=.7  -> 0.4 + 0.1 * 0.3  = 0.43  p1 strong               share 0.25, (1+1+0+1)/4 = .75
  //   q=.8  -> 0.52, q=.9 -> 0.61       the same
  //   q=1   -> 0.7, strictly above      none                    share 0.00, quality 0.5
  const auto curve = threshold_curve(scores, outcomes);
  const std::vector<CurvePoint> expected{{0.00, 0.50}, {0.25, 0.75}, {0.25, 0.75}, {0.25, 0.75},
                                         {0.50, 1.00}, {0.50, 1.00}, {0.50, 1.00}, {0.75, 1.00},
                                         {0.75, 1.00}, {0.75, 1.00}, {1.00, 0.75}};
  ASSERT_EQ(expected.size(), curve.size());
  for (std::size_t i = 0; i < curve.size(); ++i) {
    EXPECT_NEAR(expected[i].strong_share, curve[i].strong_share, kCurveTolerance) << i;
    EXPECT_NEAR(expected[i].quality, curve[i].quality, kCurveTolerance) << i;
  }

  const RouterMetrics m = summarize_curve(curve, outcomes);
  EXPECT_NEAR(0.5, m.weak_quality, kCurveTolerance);
  EXPECT_NEAR(0.75, m.strong_quality, kCurveTolerance);
  // Trapezoids (zero-width ones add nothing):
  //   [0, .25]   .25 * (0.50 + 0.75) / 2 = 0.15625
  //   [.25, .5]  .25 * (0.75 + 1.00) / 2 = 0.21875
  //   [.5, .75]  .25 * (1.00 + 1.00) / 2 = 0.25
  //   [.75, 1]   .25 * (1.00 + 0.75) / 2 = 0.21875      area 0.84375
  // APGR = (0.84375 - 0.5) / (0.75 - 0.5) = 1.375 (above 1: the router beats always-strong).
  EXPECT_NEAR(1.375, m.apgr, kCurveTolerance);
  // CPT(50%): target 0.5 + 0.5 * 0.25 = 0.625, crossed on [0, .25]: .25 * 0.125 / 0.25 = 0.125.
  EXPECT_NEAR(0.125, m.cpt50, kCurveTolerance);
  // CPT(80%): target 0.5 + 0.8 * 0.25 = 0.7:   .25 * 0.2 / 0.25 = 0.2.
  EXPECT_NEAR(0.2, m.cpt80, kCurveTolerance);
}

/** Twenty prompts with every kind of outcome, in no particular order. */
std::vector<Outcome> mixed_outcomes() {
  std::vector<Outcome> outcomes;
  const Outcome kinds[] = {{0, 1}, {1, 1}, {0, 0}, {1, 0}, {0, 1}};
  for (int i = 0; i < 20; ++i) {
    outcomes.push_back(kinds[(i * 7) % 5]);
  }
  return outcomes;
}

TEST(ThresholdCurve, PerfectRouterBeatsReversedOne) {
  // Eight (0,1), four each of (1,1), (0,0), (1,0): weak mean 8/20 = 0.4, strong 12/20 = 0.6.
  const auto outcomes = mixed_outcomes();
  std::vector<double> perfect;
  std::vector<double> reversed;
  for (const auto& o : outcomes) {
    perfect.push_back(o.strong - o.weak);
    reversed.push_back(o.weak - o.strong);
  }
  // Perfect, sorted scores 4 x -1, 8 x 0, 8 x 1 (quantile position q * 19):
  //   q=0, .1 -> -1: all strong (1, 0.6); q=.2 -> -0.2 up to q=.6 -> 0.4: gains 0 and 1 strong
  //   (0.8, 0.8) then gains 1 only (0.4, 0.8); q=.7-.9 -> 1: (0.4, 0.8); q=1: none (0, 0.4).
  //   Area .4 * (.4 + .8) / 2 + .4 * .8 + .2 * (.8 + .6) / 2 = 0.7; APGR (0.7 - 0.4) / 0.2 = 1.5.
  //   CPT(50%): target 0.5 on [0, .4]: .4 * .1 / .4 = 0.1; CPT(80%): 0.56 -> 0.16.
  const auto good = summarize_curve(threshold_curve(perfect, outcomes), outcomes);
  EXPECT_NEAR(1.5, good.apgr, kCurveTolerance);
  EXPECT_NEAR(0.1, good.cpt50, kCurveTolerance);
  EXPECT_NEAR(0.16, good.cpt80, kCurveTolerance);
  // Reversed, 8 x -1, 8 x 0, 4 x 1: points (0, .4), (.2, .2), (.6, .2), (1, .6).
  //   Area .2 * .3 + .4 * .2 + .4 * .4 = 0.3; APGR (0.3 - 0.4) / 0.2 = -0.5.
  //   CPT(50%) on [.6, 1]: .6 + .4 * .3 / .4 = 0.9; CPT(80%): .6 + .4 * .36 / .4 = 0.96.
  const auto bad = summarize_curve(threshold_curve(reversed, outcomes), outcomes);
  EXPECT_NEAR(-0.5, bad.apgr, kCurveTolerance);
  EXPECT_NEAR(0.9, bad.cpt50, kCurveTolerance);
  EXPECT_NEAR(0.96, bad.cpt80, kCurveTolerance);
  // The oracle: 0.4 + share up to 0.4, then 0.8: area .4 * .6 + .6 * .8 = 0.72, APGR 1.6.
  const auto oracle = summarize_curve(oracle_curve(outcomes), outcomes);
  EXPECT_NEAR(1.6, oracle.apgr, kCurveTolerance);
}

TEST(ThresholdCurve, ConstantScoreGivesOnlyAllOrNothing) {
  const auto outcomes = mixed_outcomes();
  const std::vector<double> scores(outcomes.size(), 0.3);
  const auto curve = threshold_curve(scores, outcomes);
  ASSERT_EQ(11u, curve.size());
  const auto m = summarize_curve(curve, outcomes);
  // Every quantile is 0.3: ">= 0.3" sends all strong, the last "> 0.3" none.
  EXPECT_EQ(0.0, curve.front().strong_share);
  EXPECT_NEAR(m.weak_quality, curve.front().quality, kCurveTolerance);
  for (std::size_t i = 1; i < curve.size(); ++i) {
    EXPECT_EQ(1.0, curve[i].strong_share) << i;
    EXPECT_NEAR(m.strong_quality, curve[i].quality, kCurveTolerance) << i;
  }
  // One straight segment from weak to strong: the random router's APGR and CPTs.
  EXPECT_NEAR(0.5, m.apgr, kCurveTolerance);
  EXPECT_NEAR(0.5, m.cpt50, kCurveTolerance);
  EXPECT_NEAR(0.8, m.cpt80, kCurveTolerance);
}

TEST(OracleCurve, MatchesRouteLlmOptimalAccuracyOnBinaryOutcomes) {
  // routellm/evals/benchmark.py get_optimal_accuracy:
  //   (weak_correct + min(strong_calls, #(weak wrong and strong right))) / total
  const std::vector<Outcome> outcomes{{1, 1}, {0, 1}, {0, 0}, {1, 0}, {0, 1}, {1, 1}, {0, 1}};
  const double n = static_cast<double>(outcomes.size());  // 7: share * n is fractional
  double weak_correct = 0;
  double bonus_available = 0;
  for (const auto& o : outcomes) {
    weak_correct += o.weak;
    bonus_available += (o.weak == 0 && o.strong == 1) ? 1 : 0;
  }
  ASSERT_EQ(3, weak_correct);
  ASSERT_EQ(3, bonus_available);
  const auto curve = oracle_curve(outcomes);
  ASSERT_EQ(11u, curve.size());
  for (std::size_t i = 0; i <= 10; ++i) {
    const double share = static_cast<double>(i) / 10.0;
    const double expected = (weak_correct + std::min(share * n, bonus_available)) / n;
    EXPECT_NEAR(share, curve[i].strong_share, kCurveTolerance) << i;
    EXPECT_NEAR(expected, curve[i].quality, kCurveTolerance) << i;
  }
}

TEST(OracleCurve, FractionalScores) {
  // MT-Bench style judge scores. Gains: +0.5, +0.1, -0.3, 0; weak mean 2.1 / 4 = 0.525.
  const std::vector<Outcome> outcomes{{0.5, 1.0}, {0.8, 0.9}, {0.6, 0.3}, {0.2, 0.2}};
  const auto curve = oracle_curve(outcomes);
  ASSERT_EQ(11u, curve.size());
  // share 0.1: 0.4 calls, 0.4 of the 0.5 gain:   0.525 + 0.2 / 4        = 0.575
  EXPECT_NEAR(0.575, curve[1].quality, kCurveTolerance);
  // share 0.3: 1.2 calls, 0.5 + 0.2 * 0.1:       0.525 + 0.52 / 4       = 0.655
  EXPECT_NEAR(0.655, curve[3].quality, kCurveTolerance);
  // share 0.5 and above: both gains, never the loss: 0.525 + 0.6 / 4  = 0.675
  EXPECT_NEAR(0.675, curve[5].quality, kCurveTolerance);
  EXPECT_NEAR(0.675, curve[10].quality, kCurveTolerance);
}

TEST(ThresholdCurve, FractionalScores) {
  const std::vector<Outcome> outcomes{{0.5, 1.0}, {0.8, 0.9}, {0.6, 0.3}, {0.2, 0.2}};
  const std::vector<double> scores{0.3, 0.2, 0.0, 0.1};
  const auto curve = threshold_curve(scores, outcomes);
  ASSERT_EQ(11u, curve.size());
  // Nothing strong: the weak mean 0.525; everything strong: the strong mean 2.4 / 4 = 0.6.
  EXPECT_NEAR(0.0, curve.front().strong_share, kCurveTolerance);
  EXPECT_NEAR(0.525, curve.front().quality, kCurveTolerance);
  EXPECT_NEAR(1.0, curve.back().strong_share, kCurveTolerance);
  EXPECT_NEAR(0.6, curve.back().quality, kCurveTolerance);
  // q=.5 -> threshold 0.15: p0 and p1 strong: (1.0 + 0.9 + 0.6 + 0.2) / 4 = 0.675.
  const auto half = std::find_if(curve.begin(), curve.end(), [](const CurvePoint& p) {
    return std::abs(p.strong_share - 0.5) < kCurveTolerance;
  });
  ASSERT_NE(curve.end(), half);
  EXPECT_NEAR(0.675, half->quality, kCurveTolerance);
  const auto m = summarize_curve(curve, outcomes);
  EXPECT_NEAR(0.525, m.weak_quality, kCurveTolerance);
  EXPECT_NEAR(0.6, m.strong_quality, kCurveTolerance);
}

TEST(Curves, EmptyInputGivesEmptyCurves) {
  const std::vector<double> scores;
  const std::vector<Outcome> outcomes;
  EXPECT_TRUE(threshold_curve(scores, outcomes).empty());
  EXPECT_TRUE(oracle_curve(outcomes).empty());
  const auto m = summarize_curve({}, outcomes);
  EXPECT_EQ(0.0, m.apgr);
  EXPECT_EQ(1.0, m.cpt50);
  EXPECT_EQ(1.0, m.cpt80);
}

}  // namespace
}  // namespace governor::routing
