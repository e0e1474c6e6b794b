#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace governor::cascade {

/** One cheap answer for calibration: its signal scores (higher = less trustworthy, one per
 *  signal, in a fixed order) and whether the answer was acceptable. */
struct CalibrationRecord {
  std::vector<double> scores;
  bool acceptable = true;
};

/** Accept a cheap answer when every score is at most its threshold. */
struct AcceptThresholds {
  std::vector<double> max_score;  ///< one per signal
  double level = 0.0;             ///< the calibrated quantile level (0: accept nothing)
};

/** Whether `scores` pass `thresholds`. */
bool accepts(const AcceptThresholds& thresholds, const std::vector<double>& scores);

/** What thresholds do on a set of records. */
struct CascadeRates {
  double risk = 0.0;        ///< share of records accepted although not acceptable
  double escalation = 0.0;  ///< share of records not accepted (escalated)
};
CascadeRates rates_of(const AcceptThresholds& thresholds,
                      const std::vector<CalibrationRecord>& records);

/** Conformal risk control (Angelopoulos et al., 2022) over a nested family of thresholds:
 *  at level t in [0, 1] each signal's threshold is the empirical t-quantile of that signal on
 *  the calibration records, so a higher level accepts more and the loss
 *  L_i(t) = 1[record i accepted at t and not acceptable] never decreases in t. The level
 *  chosen is the largest t on the grid {0, 1/n, ..., 1} with
 *      (n * R_n(t) + 1) / (n + 1) <= alpha,
 *  where R_n is the empirical risk and 1 bounds the loss. For a new answer exchangeable with
 *  the records, E[L(t)] <= alpha. When no level qualifies (alpha < 1/(n+1)), nothing is
 *  accepted: every answer escalates. Records need the same number of scores. */
AcceptThresholds calibrate_thresholds(const std::vector<CalibrationRecord>& records, double alpha);

/** A seeded shuffle-split: `holdout` share of the records (rounded) go to the second part. */
void split_records(const std::vector<CalibrationRecord>& records, double holdout,
                   std::uint64_t seed, std::vector<CalibrationRecord>& calibration,
                   std::vector<CalibrationRecord>& test);

}  // namespace governor::cascade
