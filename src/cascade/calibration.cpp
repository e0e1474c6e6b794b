#include "governor/cascade/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace governor::cascade {

bool accepts(const AcceptThresholds& thresholds, const std::vector<double>& scores) {
  if (thresholds.level <= 0.0 || scores.size() != thresholds.max_score.size()) {
    return false;
  }
  for (std::size_t j = 0; j < scores.size(); ++j) {
    if (!(scores[j] <= thresholds.max_score[j])) {
      return false;
    }
  }
  return true;
}

CascadeRates rates_of(const AcceptThresholds& thresholds,
                      const std::vector<CalibrationRecord>& records) {
  CascadeRates rates;
  if (records.empty()) {
    return rates;
  }
  std::size_t wrong_accepted = 0;
  std::size_t escalated = 0;
  for (const auto& r : records) {
    if (accepts(thresholds, r.scores)) {
      wrong_accepted += r.acceptable ? 0 : 1;
    } else {
      ++escalated;
    }
  }
  const auto n = static_cast<double>(records.size());
  rates.risk = static_cast<double>(wrong_accepted) / n;
  rates.escalation = static_cast<double>(escalated) / n;
  return rates;
}

namespace {

/** Each signal's scores, sorted: the empirical quantile function. */
std::vector<std::vector<double>> sorted_scores(const std::vector<CalibrationRecord>& records) {
  const std::size_t signals = records.front().scores.size();
  std::vector<std::vector<double>> sorted(signals);
  for (std::size_t j = 0; j < signals; ++j) {
    sorted[j].reserve(records.size());
    for (const auto& r : records) {
      sorted[j].push_back(r.scores.at(j));
    }
    std::sort(sorted[j].begin(), sorted[j].end());
  }
  return sorted;
}

/** Thresholds at grid level k / n: each signal's k-th smallest score (k >= 1). */
AcceptThresholds at_level(const std::vector<std::vector<double>>& sorted, std::size_t k,
                          std::size_t n) {
  AcceptThresholds t;
  t.level = static_cast<double>(k) / static_cast<double>(n);
  for (const auto& column : sorted) {
    t.max_score.push_back(column[k - 1]);
  }
  return t;
}

}  // namespace

AcceptThresholds calibrate_thresholds(const std::vector<CalibrationRecord>& records, double alpha) {
  AcceptThresholds none;
  if (records.empty()) {
    return none;
  }
  none.max_score.assign(records.front().scores.size(), -std::numeric_limits<double>::infinity());
  const auto sorted = sorted_scores(records);
  const std::size_t n = records.size();
  const auto bound = [&](const AcceptThresholds& t) {
    const double risk = rates_of(t, records).risk;
    return (static_cast<double>(n) * risk + 1.0) / (static_cast<double>(n) + 1.0);
  };
  // The loss is monotone in the level, so the qualifying levels are a prefix of the grid:
  // binary search for the last one.
  std::size_t low = 0;  // level 0 (accept nothing) always qualifies when alpha >= 1/(n+1)
  std::size_t high = n;
  if (1.0 / (static_cast<double>(n) + 1.0) > alpha) {
    return none;
  }
  while (low < high) {
    const std::size_t mid = low + (high - low + 1) / 2;
    if (bound(at_level(sorted, mid, n)) <= alpha) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low == 0 ? none : at_level(sorted, low, n);
}

void split_records(const std::vector<CalibrationRecord>& records, double holdout,
                   std::uint64_t seed, std::vector<CalibrationRecord>& calibration,
                   std::vector<CalibrationRecord>& test) {
  std::vector<std::size_t> order(records.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng{seed};
  std::shuffle(order.begin(), order.end(), rng);
  const auto held = static_cast<std::size_t>(
      std::llround(std::clamp(holdout, 0.0, 1.0) * static_cast<double>(records.size())));
  calibration.clear();
  test.clear();
  for (std::size_t i = 0; i < order.size(); ++i) {
    (i < held ? test : calibration).push_back(records[order[i]]);
  }
}

}  // namespace governor::cascade
