// The decision rule on a three-tier ladder with realistic prices: utility, ties, the default
// tier, step rules, recovery, context window, budget and paced lambda, every number worked by
// hand in the comments.
#include "governor/routing/decision.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

namespace governor::routing {
namespace {

/** Dollars per token from dollars per million tokens. */
constexpr double per_million(double dollars) {
  return dollars / 1e6;
}

/** cheap $0.15/$0.60, mid $1/$4, premium $2.50/$10 per million tokens (input/output). */
const std::array<TierOption, 3> kLadder{{
    {"cheap", per_million(0.15), per_million(0.60), 16'000},
    {"mid", per_million(1.00), per_million(4.00), 128'000},
    {"premium", per_million(2.50), per_million(10.00), 200'000},
}};

/** 1000 input tokens (bound 4000) and 500 output tokens expected (bound 64), so:
 *    est_cost:   cheap 1000*0.15e-6 + 500*0.6e-6 = 0.00045
 *                mid   1000*1e-6    + 500*4e-6   = 0.003
 *                premium 1000*2.5e-6 + 500*10e-6 = 0.0075
 *    worst_cost: cheap 4000*0.15e-6 + 64*0.6e-6  = 0.0006384
 *                mid   4000*1e-6    + 64*4e-6    = 0.004256
 *                premium 4000*2.5e-6 + 64*10e-6  = 0.01064
 *  The prediction weak 0.6 / strong 0.8 spreads over the ladder as 0.6, 0.7, 0.8.
 *  With lambda L the utilities are 0.6 - 0.00045L, 0.7 - 0.003L and 0.8 - 0.0075L:
 *    mid beats cheap while its gain 0.1 > L * (0.003 - 0.00045), i.e. L < 39.2;
 *    premium beats mid while 0.1 > L * (0.0075 - 0.003), i.e. L < 22.2;
 *    premium beats cheap while 0.2 > L * (0.0075 - 0.00045), i.e. L < 28.4. */
DecisionInput base() {
  DecisionInput in;
  in.ladder = kLadder;
  in.prediction = SuccessPrediction{0.6, 0.8};
  in.input_tokens_estimate = 1000;
  in.input_token_bound = 4000;
  in.output_tokens_expected = 500;
  in.output_token_bound = 64;
  return in;
}

constexpr std::size_t kCheap = 0;
constexpr std::size_t kMid = 1;
constexpr std::size_t kPremium = 2;

struct Case {
  const char* name;
  std::function<void(DecisionInput&)> edit;
  std::size_t chosen;
  const char* reasons;
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecisionInput in = base();
    c.edit(in);
    const Decision d = decide(in);
    EXPECT_EQ(kLadder[c.chosen].name, kLadder[d.chosen].name);
    EXPECT_EQ(c.reasons, d.reason_text());
    ASSERT_EQ(kLadder.size(), d.candidates.size());
    EXPECT_TRUE(d.candidates[d.chosen].allowed || d.has(Reason::budget));
  }
}

TEST(Decide, UtilityWeighsTheGainAgainstLambdaTimesTheCostDifference) {
  run({
      // L = 0: the best prediction wins.
      {"free money", [](DecisionInput& in) { in.lambda.fixed = 0.0; }, kPremium, "utility"},
      // L = 10: 0.5955, 0.67, 0.725.
      {"cheap dollars", [](DecisionInput& in) { in.lambda.fixed = 10.0; }, kPremium, "utility"},
      // L = 22: 0.5901, 0.634, 0.635: premium's gain 0.1 still above 22 * 0.0045 = 0.099.
      {"just above mid", [](DecisionInput& in) { in.lambda.fixed = 22.0; }, kPremium, "utility"},
      // L = 23: 0.58965, 0.631, 0.6275: 0.1 is below 23 * 0.0045 = 0.1035.
      {"just below premium", [](DecisionInput& in) { in.lambda.fixed = 23.0; }, kMid, "utility"},
      // L = 30: 0.5865, 0.61, 0.575.
      {"middle", [](DecisionInput& in) { in.lambda.fixed = 30.0; }, kMid, "utility"},
      // L = 39: mid's gain 0.1 above 39 * 0.00255 = 0.09945.
      {"just above cheap", [](DecisionInput& in) { in.lambda.fixed = 39.0; }, kMid, "utility"},
      // L = 40: 0.1 below 40 * 0.00255 = 0.102.
      {"just below mid", [](DecisionInput& in) { in.lambda.fixed = 40.0; }, kCheap, "utility"},
      // L = 50: 0.5775, 0.55, 0.425.
      {"dear dollars", [](DecisionInput& in) { in.lambda.fixed = 50.0; }, kCheap, "utility"},
      // No gain at all: the cheapest, whatever lambda.
      {"no gain",
       [](DecisionInput& in) {
         in.prediction = SuccessPrediction{0.7, 0.7};
         in.lambda.fixed = 1.0;
       },
       kCheap, "utility"},
      // A strong model predicted worse than the weak one: never pay for it.
      {"negative gain",
       [](DecisionInput& in) {
         in.prediction = SuccessPrediction{0.9, 0.5};
         in.lambda.fixed = 0.0;
       },
       kCheap, "utility"},
  });
}

TEST(Decide, TiesGoToTheCheaperTier) {
  run({
      // L = 0 and equal predictions: three equal utilities.
      {"three-way tie",
       [](DecisionInput& in) {
         in.prediction = SuccessPrediction{0.7, 0.7};
         in.lambda.fixed = 0.0;
       },
       kCheap, "utility"},
      // The same tie between mid and premium once the rule removes cheap; the rule raised the
      // choice above where the utility alone (cheap, by the tie) would have gone.
      {"tie above the floor",
       [](DecisionInput& in) {
         in.prediction = SuccessPrediction{0.7, 0.7};
         in.rule.min_rank = kMid;
       },
       kMid, "utility+step_min_tier"},
  });
}

TEST(Decide, WithoutAPredictionTheDefaultTier) {
  run({
      {"default mid",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kMid;
       },
       kMid, "default_tier"},
      {"default premium",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kPremium;
         in.lambda.fixed = 1000.0;  // no utility to weigh
       },
       kPremium, "default_tier"},
      // The step rule still bounds the default, and says so.
      {"default under a cap",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kPremium;
         in.rule.max_rank = kMid;
       },
       kMid, "default_tier+step_max_tier"},
      {"default under a floor",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kCheap;
         in.rule.min_rank = kPremium;
       },
       kPremium, "default_tier+step_min_tier"},
      {"default inside the rule",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kMid;
         in.rule.min_rank = kCheap;
         in.rule.max_rank = kPremium;
       },
       kMid, "default_tier"},
      // A default that cannot hold the request: the cheapest tier that can.
      {"default too small",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kCheap;
         in.input_tokens_estimate = 20'000;
       },
       kMid, "default_tier+context_window"},
  });
  DecisionInput in = base();
  in.prediction.reset();
  in.default_rank = kMid;
  const Decision d = decide(in);
  for (const CandidateScore& c : d.candidates) {
    EXPECT_EQ(0.0, c.p_success);
  }
}

TEST(Decide, StepRulesClampAndSayIt) {
  run({
      // Utility alone picks cheap (L = 50); the floor raises it to mid (0.55 > premium 0.425).
      {"floor raises",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.rule.min_rank = kMid;
       },
       kMid, "utility+step_min_tier"},
      // Utility alone picks mid (L = 30); the floor at premium raises it.
      {"floor raises to the top",
       [](DecisionInput& in) {
         in.lambda.fixed = 30.0;
         in.rule.min_rank = kPremium;
       },
       kPremium, "utility+step_min_tier"},
      // Utility alone already above the floor: the rule changed nothing.
      {"floor below the choice",
       [](DecisionInput& in) {
         in.lambda.fixed = 10.0;
         in.rule.min_rank = kMid;
       },
       kPremium, "utility"},
      // Utility alone picks premium (L = 0); the cap holds it at mid.
      {"cap lowers",
       [](DecisionInput& in) {
         in.lambda.fixed = 0.0;
         in.rule.max_rank = kMid;
       },
       kMid, "utility+step_max_tier"},
      {"cap at the bottom",
       [](DecisionInput& in) {
         in.lambda.fixed = 0.0;
         in.rule.max_rank = kCheap;
       },
       kCheap, "utility+step_max_tier"},
      // Utility alone below the cap.
      {"cap above the choice",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.rule.max_rank = kMid;
       },
       kCheap, "utility"},
      // Pinned to mid by both, and the utility wanted mid anyway.
      {"floor and cap agree with utility",
       [](DecisionInput& in) {
         in.lambda.fixed = 30.0;
         in.rule.min_rank = kMid;
         in.rule.max_rank = kMid;
       },
       kMid, "utility"},
      {"floor and cap against utility",
       [](DecisionInput& in) {
         in.lambda.fixed = 0.0;
         in.rule.min_rank = kMid;
         in.rule.max_rank = kMid;
       },
       kMid, "utility+step_max_tier"},
      // A floor beyond the ladder is its top, and still the rule's doing.
      {"floor past the top",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.rule.min_rank = 7;
       },
       kPremium, "utility+step_min_tier"},
  });
}

TEST(Decide, RecoveryGoesAboveThePreviousTier) {
  run({
      // L = 50 picks cheap; a retry of a cheap call goes to mid at least.
      {"retry after cheap",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.retry = true;
         in.previous_rank = kCheap;
       },
       kMid, "utility+recovery_upgrade"},
      {"failure after cheap",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.previous_failed = true;
         in.previous_rank = kCheap;
       },
       kMid, "utility+recovery_upgrade"},
      {"failure after mid",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.previous_failed = true;
         in.previous_rank = kMid;
       },
       kPremium, "utility+recovery_upgrade"},
      // Nothing above premium: it stays the floor.
      {"failure after premium",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.previous_failed = true;
         in.previous_rank = kPremium;
       },
       kPremium, "utility+recovery_upgrade"},
      // The upgrade is capped by the step rule's max.
      {"capped by the rule",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.retry = true;
         in.previous_rank = kMid;
         in.rule.max_rank = kMid;
       },
       kMid, "utility+recovery_upgrade"},
      // Utility already above: recovery only sets a floor.
      {"utility above the floor",
       [](DecisionInput& in) {
         in.lambda.fixed = 0.0;
         in.retry = true;
         in.previous_rank = kCheap;
       },
       kPremium, "utility+recovery_upgrade"},
      // The rule's floor is already above the previous tier.
      {"rule floor higher",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.retry = true;
         in.previous_rank = kCheap;
         in.rule.min_rank = kPremium;
       },
       kPremium, "utility+step_min_tier"},
      // No previous tier (first call, or a pinned previous call): nothing to go above.
      {"retry without a previous tier",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.retry = true;
         in.previous_failed = true;
       },
       kCheap, "utility"},
      // A previous call that neither failed nor is retried.
      {"previous succeeded",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.previous_rank = kMid;
       },
       kCheap, "utility"},
  });
}

TEST(Decide, ATierTooSmallForTheRequestIsNeverChosen) {
  // 20000 input tokens: cheap (16000) is out. Costs: cheap 0.003 + 0.0003 = 0.0033, mid 0.02 +
  // 0.002 = 0.022, premium 0.05 + 0.005 = 0.055; at L = 50 cheap 0.435 would win, mid -0.4 is
  // the best that fits.
  run({
      {"cheap too small",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.input_tokens_estimate = 20'000;
       },
       kMid, "utility+context_window"},
      // 150000 tokens: only premium holds them, however dear.
      {"only premium holds it",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.input_tokens_estimate = 150'000;
       },
       kPremium, "utility+context_window"},
      // Exactly the window fits.
      {"exactly the window",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.input_tokens_estimate = 16'000;
       },
       kCheap, "utility"},
      // The estimate is compared, not the byte bound (which over-counts about four times).
      {"bound above the window",
       [](DecisionInput& in) {
         in.lambda.fixed = 50.0;
         in.input_token_bound = 60'000;
       },
       kCheap, "utility"},
  });
  DecisionInput in = base();
  in.input_tokens_estimate = 20'000;
  const Decision d = decide(in);
  EXPECT_FALSE(d.candidates[kCheap].allowed);
  EXPECT_TRUE(d.candidates[kMid].allowed);
  EXPECT_TRUE(d.candidates[kPremium].allowed);
}

TEST(Decide, BudgetExcludesWhatTheTaskCannotPay) {
  run({
      // L = 0 picks premium, but its worst case 0.01064 is above 0.005; mid's 0.004256 fits.
      {"premium too dear", [](DecisionInput& in) { in.budget_left = 0.005; }, kMid,
       "utility+budget"},
      // Only cheap (0.0006384) fits 0.001.
      {"only cheap fits", [](DecisionInput& in) { in.budget_left = 0.001; }, kCheap,
       "utility+budget"},
      // Everything fits 0.02.
      {"all fit", [](DecisionInput& in) { in.budget_left = 0.02; }, kPremium, "utility"},
      // Nothing fits 0.0005: the cheapest tier, and the ledger clamps or refuses.
      {"nothing fits", [](DecisionInput& in) { in.budget_left = 0.0005; }, kCheap, "budget"},
      // Nothing fits: the cheapest the step rule allows.
      {"nothing fits above the floor",
       [](DecisionInput& in) {
         in.budget_left = 0.0005;
         in.rule.min_rank = kMid;
       },
       kMid, "budget"},
      // Nothing fits: the cheapest that holds the request.
      {"nothing fits and cheap is too small",
       [](DecisionInput& in) {
         in.budget_left = 0.0005;
         in.input_tokens_estimate = 20'000;
         in.input_token_bound = 80'000;
       },
       kMid, "context_window+budget"},
      // Without a prediction the default is budgeted too; when it does not fit, the nearest
      // cheaper tier that does (mid's worst case 0.0043 fits 0.005).
      {"default too dear",
       [](DecisionInput& in) {
         in.prediction.reset();
         in.default_rank = kPremium;
         in.budget_left = 0.005;
       },
       kMid, "default_tier+budget"},

  });
  DecisionInput in = base();
  in.budget_left = 0.005;
  const Decision d = decide(in);
  EXPECT_TRUE(d.candidates[kCheap].allowed);
  EXPECT_TRUE(d.candidates[kMid].allowed);
  EXPECT_FALSE(d.candidates[kPremium].allowed);

  // A worst case equal to the budget left fits.
  in.budget_left = d.candidates[kPremium].worst_cost;
  const Decision exact = decide(in);
  EXPECT_EQ(kPremium, exact.chosen);
  EXPECT_FALSE(exact.has(Reason::budget));
}

TEST(Decide, EveryCandidateIsReportedWithItsNumbers) {
  DecisionInput in = base();
  in.lambda.fixed = 30.0;
  const Decision d = decide(in);
  ASSERT_EQ(3u, d.candidates.size());
  EXPECT_EQ(30.0, d.lambda);
  EXPECT_FALSE(d.allowance);
  const struct {
    double p, est, worst, utility;
  } expected[] = {
      {0.6, 0.00045, 0.0006384, 0.6 - 30 * 0.00045},
      {0.7, 0.003, 0.004256, 0.7 - 30 * 0.003},
      {0.8, 0.0075, 0.01064, 0.8 - 30 * 0.0075},
  };
  for (std::size_t r = 0; r < 3; ++r) {
    SCOPED_TRACE(r);
    const CandidateScore& c = d.candidates[r];
    EXPECT_EQ(r, c.rank);
    EXPECT_NEAR(expected[r].p, c.p_success, 1e-12);
    EXPECT_NEAR(expected[r].est, c.est_cost, 1e-12);
    EXPECT_NEAR(expected[r].worst, c.worst_cost, 1e-12);
    EXPECT_NEAR(expected[r].utility, c.utility, 1e-12);
    EXPECT_TRUE(c.allowed);
  }
  EXPECT_EQ(kMid, d.chosen);
}

TEST(Decide, NegativeTokenCountsCostNothing) {
  DecisionInput in = base();
  in.input_tokens_estimate = -5;
  in.output_tokens_expected = -1;
  const Decision d = decide(in);
  for (const CandidateScore& c : d.candidates) {
    EXPECT_EQ(0.0, c.est_cost);
  }
}

TEST(Decide, EmptyLadderDecidesNothing) {
  DecisionInput in = base();
  in.ladder = {};
  const Decision d = decide(in);
  EXPECT_TRUE(d.candidates.empty());
  EXPECT_EQ("", d.reason_text());
}

// --- paced lambda ------------------------------------------------------------------------

/** Paced with scale 0.1 over 8 expected steps; the cheapest step costs 0.00045 (see base()).
 *  Worst cases (at most 0.01064) stay inside every budget used below, so only lambda moves. */
DecisionInput paced(double budget_left, std::uint32_t step_index) {
  DecisionInput in = base();
  in.lambda.paced = true;
  in.lambda.scale = 0.1;
  in.lambda.expected_steps = 8;
  in.lambda.fixed = 0.0;  // no floor: pacing alone (the floor has its own test)
  in.history.step_index = step_index;
  in.budget_left = budget_left;
  return in;
}

TEST(Decide, PacedLambdaSharesTheBudgetOverTheStepsLeft) {
  struct PacedCase {
    const char* name;
    double budget_left;
    std::uint32_t step_index;
    double allowance;
    double lambda;
    std::size_t chosen;
  };
  const std::vector<PacedCase> cases{
      // Step 2 of 8: 6 left. (0.05 - 0.00045 * 5) / 6 = 0.04775 / 6 = 0.0079583;
      // lambda 0.1 / 0.0079583 = 12.565: below 22.2, premium.
      {"plenty left", 0.05, 2, 0.04775 / 6, 0.6 / 0.04775, kPremium},
      // (0.02 - 0.00225) / 6 = 0.0029583; lambda 33.80: between 22.2 and 39.2, mid.
      {"half left", 0.02, 2, 0.01775 / 6, 0.6 / 0.01775, kMid},
      // (0.012 - 0.00225) / 6 = 0.001625; lambda 61.54: above 39.2, cheap.
      {"little left", 0.012, 2, 0.00975 / 6, 0.6 / 0.00975, kCheap},
      // Step 0: 8 left. (0.05 - 0.00045 * 7) / 8 = 0.0058563; lambda 17.08.
      {"first step", 0.05, 0, 0.04685 / 8, 0.8 / 0.04685, kPremium},
      // Step 7: the last expected one, nothing kept for others. lambda 0.1 / 0.012 = 8.33.
      {"last expected step", 0.012, 7, 0.012, 0.1 / 0.012, kPremium},
      // Step 8 and beyond: still one step left, not zero or negative.
      {"at the expected count", 0.012, 8, 0.012, 0.1 / 0.012, kPremium},
      {"beyond the expected count", 0.012, 20, 0.012, 0.1 / 0.012, kPremium},
  };
  for (const PacedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Decision d = decide(paced(c.budget_left, c.step_index));
    ASSERT_TRUE(d.allowance);
    EXPECT_NEAR(c.allowance, *d.allowance, 1e-12);
    EXPECT_NEAR(c.lambda, d.lambda, 1e-9);
    EXPECT_EQ(kLadder[c.chosen].name, kLadder[d.chosen].name);
    EXPECT_EQ("utility", d.reason_text());
  }
}

TEST(Decide, LessBudgetLeftMeansAHigherLambdaAndACheaperTier) {
  const Decision rich = decide(paced(0.05, 2));
  const Decision poor = decide(paced(0.012, 2));
  EXPECT_GT(poor.lambda, rich.lambda);
  EXPECT_LT(poor.chosen, rich.chosen);
}

TEST(Decide, PacingWithoutRoomForTheOtherStepsIsAlmostFree) {
  // 0.001 cannot even pay five cheapest finishes (0.00225): the allowance bottoms out at 1e-9
  // and lambda is huge, so the cheapest tier.
  const Decision d = decide(paced(0.001, 2));
  ASSERT_TRUE(d.allowance);
  EXPECT_EQ(1e-9, *d.allowance);
  EXPECT_NEAR(0.1 / 1e-9, d.lambda, 1.0);
  EXPECT_EQ(kCheap, d.chosen);
}

TEST(Decide, TheFixedLambdaIsAFloorUnderPacing) {
  // Plenty left paces lambda to 12.565 (premium); a floor of 30 keeps it at 30 (mid), and a
  // floor below the paced value changes nothing.
  DecisionInput floored = paced(0.05, 2);
  floored.lambda.fixed = 30.0;
  const Decision d = decide(floored);
  EXPECT_EQ(30.0, d.lambda);
  EXPECT_EQ(kMid, d.chosen);
  floored.lambda.fixed = 5.0;
  EXPECT_NEAR(0.6 / 0.04775, decide(floored).lambda, 1e-9);
  EXPECT_EQ(kPremium, decide(floored).chosen);
}

TEST(Decide, PacingWithoutABudgetUsesTheFixedLambda) {
  DecisionInput in = paced(0.0, 2);
  in.budget_left.reset();
  in.lambda.fixed = 30.0;
  const Decision d = decide(in);
  EXPECT_FALSE(d.allowance);
  EXPECT_EQ(30.0, d.lambda);
  EXPECT_EQ(kMid, d.chosen);
}

// --- success_at_rank, reasons ------------------------------------------------------------

TEST(SuccessAtRank, InterpolatesLinearlyFromWeakToStrong) {
  const SuccessPrediction p{0.2, 0.8};
  struct RankCase {
    std::size_t rank, tiers;
    double expected;
  };
  const std::vector<RankCase> cases{
      {0, 3, 0.2}, {1, 3, 0.5},  {2, 3, 0.8},  {0, 2, 0.2},
      {1, 2, 0.8}, {1, 5, 0.35}, {3, 5, 0.65}, {0, 1, 0.8},  // a single tier is the strong one
      {0, 0, 0.8},
  };
  for (const RankCase& c : cases) {
    SCOPED_TRACE(std::to_string(c.rank) + " of " + std::to_string(c.tiers));
    EXPECT_NEAR(c.expected, success_at_rank(p, c.rank, c.tiers), 1e-12);
  }
  // A falling prediction interpolates downwards.
  EXPECT_NEAR(0.5, success_at_rank({0.9, 0.1}, 1, 3), 1e-12);
}

TEST(DecisionReasons, JoinWithPlusInEnumOrder) {
  struct ReasonCase {
    std::vector<Reason> set;
    const char* text;
  };
  const std::vector<ReasonCase> cases{
      {{}, ""},
      {{Reason::utility}, "utility"},
      {{Reason::budget, Reason::utility}, "utility+budget"},
      {{Reason::recovery_upgrade, Reason::step_max_tier}, "step_max_tier+recovery_upgrade"},
      {{Reason::utility, Reason::default_tier, Reason::step_min_tier, Reason::step_max_tier,
        Reason::recovery_upgrade, Reason::context_window, Reason::budget},
       "utility+default_tier+step_min_tier+step_max_tier+recovery_upgrade+context_window+budget"},
  };
  for (const ReasonCase& c : cases) {
    SCOPED_TRACE(c.text);
    Decision d;
    for (const Reason r : c.set) {
      d.reasons[static_cast<std::size_t>(r)] = true;
    }
    EXPECT_EQ(c.text, d.reason_text());
    for (const Reason r : c.set) {
      EXPECT_TRUE(d.has(r));
    }
  }
}

TEST(DecisionReasons, EachHasItsName) {
  const std::vector<std::pair<Reason, const char*>> names{
      {Reason::utility, "utility"},
      {Reason::default_tier, "default_tier"},
      {Reason::step_min_tier, "step_min_tier"},
      {Reason::step_max_tier, "step_max_tier"},
      {Reason::recovery_upgrade, "recovery_upgrade"},
      {Reason::context_window, "context_window"},
      {Reason::budget, "budget"},
      {Reason::count_, "unknown"},
  };
  for (const auto& [reason, name] : names) {
    EXPECT_EQ(name, to_string(reason));
  }
}

}  // namespace
}  // namespace governor::routing

namespace governor::routing {
namespace {

// A step cap below every tier that can hold the request does not send the call to a model that
// must reject it: the cheapest tier above the floor that holds it, named by context_window.
TEST(Decide, AContextTheCapCannotHoldBreaksTheCap) {
  DecisionInput in = base();
  in.rule.max_rank = kMid;
  in.input_tokens_estimate = 150'000;
  in.input_token_bound = 150'000;
  const Decision d = decide(in);
  EXPECT_EQ(d.chosen, kPremium);
  EXPECT_EQ(d.reason_text(), "context_window");
}

}  // namespace
}  // namespace governor::routing
