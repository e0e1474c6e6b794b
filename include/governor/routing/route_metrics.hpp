#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace governor::routing {

/** How well the weak and the strong reference model did on one prompt (scores in [0,1]). */
struct Outcome {
  double weak = 0.0;
  double strong = 0.0;
};

/** One operating point of a router: the share of calls sent to the strong model, and the
 *  mean quality obtained. */
struct CurvePoint {
  double strong_share = 0.0;
  double quality = 0.0;
};

/** RouteLLM's summary of a router (routellm/evals/evaluate.py). PGR(q) = (q - weak) /
 *  (strong - weak). APGR is the area under PGR over the strong-call share; CPT(x) is the
 *  strong-call share needed to reach PGR x (1.0 when never reached). */
struct RouterMetrics {
  double apgr = 0.0;
  double cpt50 = 1.0;
  double cpt80 = 1.0;
  double weak_quality = 0.0;
  double strong_quality = 0.0;
};

/** The curve RouteLLM draws for a router: thresholds at the 0, 10, ..., 100% quantiles of its
 *  scores (linear interpolation, as numpy does), a prompt goes strong when its score is
 *  >= the threshold (> for the last, so the curve reaches 0% strong). Sorted by strong share.
 *  `scores` and `outcomes` are parallel. */
std::vector<CurvePoint> threshold_curve(std::span<const double> scores,
                                        std::span<const Outcome> outcomes, std::size_t bins = 10);

/** The oracle at 0, 10, ..., 100% strong calls: the prompts with the largest strong-minus-weak
 *  gain go strong first (RouteLLM's get_optimal_accuracy). */
std::vector<CurvePoint> oracle_curve(std::span<const Outcome> outcomes, std::size_t bins = 10);

/** APGR by the trapezoid rule and CPT(50%)/CPT(80%) by linear interpolation along the curve:
 *  the first segment where quality crosses the target (for a monotone curve this is what
 *  numpy.interp gives RouteLLM). */
RouterMetrics summarize_curve(std::span<const CurvePoint> curve, std::span<const Outcome> outcomes);

}  // namespace governor::routing
