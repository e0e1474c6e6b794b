#include "governor/routing/route_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace governor::routing {

namespace {

/** numpy.quantile's default ("linear"): position q * (n - 1) between the sorted values. */
double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

double mean_of(std::span<const Outcome> outcomes, double Outcome::*field) {
  double sum = 0.0;
  for (const auto& o : outcomes) {
    sum += o.*field;
  }
  return outcomes.empty() ? 0.0 : sum / static_cast<double>(outcomes.size());
}

}  // namespace

std::vector<CurvePoint> threshold_curve(std::span<const double> scores,
                                        std::span<const Outcome> outcomes, std::size_t bins) {
  std::vector<CurvePoint> curve;
  const std::size_t n = std::min(scores.size(), outcomes.size());
  if (n == 0 || bins == 0) {
    return curve;
  }
  std::vector<double> sorted(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(n));
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i <= bins; ++i) {
    const double threshold = quantile(sorted, static_cast<double>(i) / static_cast<double>(bins));
    const bool last = i == bins;
    std::size_t strong_calls = 0;
    double quality = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      const bool strong = last ? scores[k] > threshold : scores[k] >= threshold;
      strong_calls += strong ? 1 : 0;
      quality += strong ? outcomes[k].strong : outcomes[k].weak;
    }
    curve.push_back({static_cast<double>(strong_calls) / static_cast<double>(n),
                     quality / static_cast<double>(n)});
  }
  std::stable_sort(curve.begin(), curve.end(), [](const CurvePoint& a, const CurvePoint& b) {
    return a.strong_share < b.strong_share;
  });
  return curve;
}

std::vector<CurvePoint> oracle_curve(std::span<const Outcome> outcomes, std::size_t bins) {
  std::vector<CurvePoint> curve;
  if (outcomes.empty() || bins == 0) {
    return curve;
  }
  std::vector<double> gains;
  for (const auto& o : outcomes) {
    if (o.strong > o.weak) {
      gains.push_back(o.strong - o.weak);
    }
  }
  std::sort(gains.begin(), gains.end(), std::greater<>());
  const auto n = static_cast<double>(outcomes.size());
  const double weak = mean_of(outcomes, &Outcome::weak);
  for (std::size_t i = 0; i <= bins; ++i) {
    const double share = static_cast<double>(i) / static_cast<double>(bins);
    // Strong calls may be fractional (share * n): the next gain counts in proportion.
    const double calls = share * n;
    double gained = 0.0;
    for (std::size_t k = 0; k < gains.size() && static_cast<double>(k) < calls; ++k) {
      gained += gains[k] * std::min(1.0, calls - static_cast<double>(k));
    }
    curve.push_back({share, weak + gained / n});
  }
  return curve;
}

RouterMetrics summarize_curve(std::span<const CurvePoint> curve,
                              std::span<const Outcome> outcomes) {
  RouterMetrics m;
  m.weak_quality = mean_of(outcomes, &Outcome::weak);
  m.strong_quality = mean_of(outcomes, &Outcome::strong);
  if (curve.size() < 2) {
    return m;
  }
  double area = 0.0;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const double width = curve[i].strong_share - curve[i - 1].strong_share;
    area += width * (curve[i].quality + curve[i - 1].quality) / 2.0;
  }
  const double span = curve.back().strong_share - curve.front().strong_share;
  const double weak_area = m.weak_quality * span;
  const double strong_area = m.strong_quality * span;
  m.apgr = strong_area != weak_area ? (area - weak_area) / (strong_area - weak_area) : 0.0;

  const auto call_share_for = [&](double pgr) {
    const double target = m.weak_quality + pgr * (m.strong_quality - m.weak_quality);
    if (curve.front().quality >= target) {
      return curve.front().strong_share;
    }
    for (std::size_t i = 1; i < curve.size(); ++i) {
      const CurvePoint& a = curve[i - 1];
      const CurvePoint& b = curve[i];
      if (a.quality < target && b.quality >= target) {
        return a.strong_share +
               (b.strong_share - a.strong_share) * (target - a.quality) / (b.quality - a.quality);
      }
    }
    return curve.back().strong_share;
  };
  m.cpt50 = call_share_for(0.5);
  m.cpt80 = call_share_for(0.8);
  return m;
}

}  // namespace governor::routing
