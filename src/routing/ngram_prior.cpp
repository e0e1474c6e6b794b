#include "governor/routing/ngram_prior.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace governor::routing {

NgramPrior NgramPrior::build(std::span<const std::vector<std::uint32_t>> ngrams,
                             std::span<const Outcome> outcomes, double smoothing,
                             std::uint32_t min_count) {
  NgramPrior prior;
  prior.smoothing_ = smoothing;
  std::vector<double> weak_sum(kNgramBuckets, 0.0);
  std::vector<double> strong_sum(kNgramBuckets, 0.0);
  prior.counts_.assign(kNgramBuckets, 0);
  double weak_total = 0.0;
  double strong_total = 0.0;
  std::vector<std::uint32_t> distinct;
  const std::size_t n = std::min(outcomes.size(), ngrams.size());
  for (std::size_t i = 0; i < n; ++i) {
    weak_total += outcomes[i].weak;
    strong_total += outcomes[i].strong;
    // Each record counts once per n-gram, however often the n-gram repeats in it.
    distinct.clear();
    for (const std::uint32_t id : ngrams[i]) {
      distinct.push_back(id & ~kBigramFlag);
    }
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (const std::uint32_t b : distinct) {
      weak_sum[b] += outcomes[i].weak;
      strong_sum[b] += outcomes[i].strong;
      ++prior.counts_[b];
    }
  }
  // An n-gram seen in fewer than min_count prompts says little and costs file space.
  for (std::size_t b = 0; b < kNgramBuckets; ++b) {
    if (prior.counts_[b] < min_count) {
      prior.counts_[b] = 0;
    }
  }
  const double records = n == 0 ? 1.0 : static_cast<double>(n);
  prior.weak_base_ = static_cast<float>(weak_total / records);
  prior.strong_base_ = static_cast<float>(strong_total / records);
  prior.fill_cells(weak_sum, strong_sum);
  return prior;
}

void NgramPrior::fill_cells(const std::vector<double>& weak_sum,
                            const std::vector<double>& strong_sum) {
  cells_.assign(kNgramBuckets, Cell{});
  seen_ = 0;
  for (std::size_t b = 0; b < kNgramBuckets; ++b) {
    const double count = counts_[b];
    if (count == 0) {
      continue;
    }
    ++seen_;
    const double denominator = count + smoothing_;
    cells_[b] = {static_cast<float>((weak_sum[b] + smoothing_ * weak_base_) / denominator),
                 static_cast<float>((strong_sum[b] + smoothing_ * strong_base_) / denominator),
                 static_cast<float>(count / denominator)};
  }
}

void NgramPrior::apply(FeatureVector& features) const noexcept {
  float weak = 0.0f;
  float strong = 0.0f;
  float evidence = 0.0f;
  std::uint32_t seen = 0;
  float bigram_weak = 0.0f;
  float bigram_strong = 0.0f;
  std::uint32_t bigrams_seen = 0;
  if (!cells_.empty()) {
    // The table is megabytes: each lookup is a likely cache miss. Asking for every cell first
    // lets the misses overlap instead of paying for them one after the other.
    for (std::uint32_t i = 0; i < features.ngram_count; ++i) {
      __builtin_prefetch(&cells_[features.ngrams[i] & ~kBigramFlag]);
    }
    for (std::uint32_t i = 0; i < features.ngram_count; ++i) {
      const std::uint32_t id = features.ngrams[i];
      const Cell& cell = cells_[id & ~kBigramFlag];
      if (cell.evidence > 0.0f) {
        weak += cell.weak;
        strong += cell.strong;
        evidence += cell.evidence;
        ++seen;
        if ((id & kBigramFlag) != 0) {
          bigram_weak += cell.weak;
          bigram_strong += cell.strong;
          ++bigrams_seen;
        }
      }
    }
  }
  if (bigrams_seen == 0) {
    features[Feature::prior_bigram_weak] = weak_base_;
    features[Feature::prior_bigram_gain] = strong_base_ - weak_base_;
  } else {
    const auto count = static_cast<float>(bigrams_seen);
    features[Feature::prior_bigram_weak] = bigram_weak / count;
    features[Feature::prior_bigram_gain] = (bigram_strong - bigram_weak) / count;
  }
  if (seen == 0) {
    features[Feature::prior_weak] = weak_base_;
    features[Feature::prior_strong] = strong_base_;
    features[Feature::prior_gain] = strong_base_ - weak_base_;
    features[Feature::prior_coverage] = 0.0f;
    return;
  }
  const auto count = static_cast<float>(seen);
  features[Feature::prior_weak] = weak / count;
  features[Feature::prior_strong] = strong / count;
  features[Feature::prior_gain] = (strong - weak) / count;
  features[Feature::prior_coverage] =
      evidence / static_cast<float>(std::max<std::uint32_t>(features.ngram_count, 1));
}

nlohmann::json NgramPrior::to_json() const {
  // Sparse: the seen buckets, their prompt counts and score sums (exact integers for 0/1
  // labels), so a loader recomputes the same cells.
  nlohmann::json buckets = nlohmann::json::array();
  nlohmann::json counts = nlohmann::json::array();
  nlohmann::json weak = nlohmann::json::array();
  nlohmann::json strong = nlohmann::json::array();
  for (std::size_t b = 0; b < cells_.size(); ++b) {
    if (counts_[b] == 0) {
      continue;
    }
    const double denominator = counts_[b] + smoothing_;
    buckets.push_back(b);
    counts.push_back(counts_[b]);
    // Back from the smoothed means to the sums, rounded to what 0/1 or judge labels give.
    const auto sum_of = [&](float mean, float base) {
      const double sum = mean * denominator - smoothing_ * base;
      return std::round(sum * 1e4) / 1e4;
    };
    weak.push_back(sum_of(cells_[b].weak, weak_base_));
    strong.push_back(sum_of(cells_[b].strong, strong_base_));
  }
  return {{"buckets", kNgramBuckets},     {"smoothing", smoothing_},
          {"weak_base", weak_base_},      {"strong_base", strong_base_},
          {"bucket", std::move(buckets)}, {"count", std::move(counts)},
          {"weak_sum", std::move(weak)},  {"strong_sum", std::move(strong)}};
}

boost::system::result<NgramPrior, std::string> NgramPrior::from_json(const nlohmann::json& doc) {
  try {
    NgramPrior prior;
    if (doc.at("buckets").get<std::size_t>() != kNgramBuckets) {
      return "ngram_prior.buckets must be " + std::to_string(kNgramBuckets) +
             " for this feature layout";
    }
    prior.smoothing_ = doc.at("smoothing").get<double>();
    if (!(prior.smoothing_ > 0.0)) {
      return std::string("ngram_prior.smoothing must be > 0");
    }
    prior.weak_base_ = doc.at("weak_base").get<float>();
    prior.strong_base_ = doc.at("strong_base").get<float>();
    const auto& buckets = doc.at("bucket");
    const auto& counts = doc.at("count");
    const auto& weak = doc.at("weak_sum");
    const auto& strong = doc.at("strong_sum");
    if (counts.size() != buckets.size() || weak.size() != buckets.size() ||
        strong.size() != buckets.size()) {
      return std::string("ngram_prior: bucket, count, weak_sum and strong_sum differ in length");
    }
    prior.counts_.assign(kNgramBuckets, 0);
    std::vector<double> weak_sum(kNgramBuckets, 0.0);
    std::vector<double> strong_sum(kNgramBuckets, 0.0);
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      const auto b = buckets[i].get<std::size_t>();
      const auto count = counts[i].get<std::uint32_t>();
      if (b >= kNgramBuckets || count == 0) {
        return "ngram_prior: entry " + std::to_string(i) + " has a bad bucket or count";
      }
      prior.counts_[b] = count;
      weak_sum[b] = weak[i].get<double>();
      strong_sum[b] = strong[i].get<double>();
    }
    prior.fill_cells(weak_sum, strong_sum);
    return prior;
  } catch (const std::exception& e) {
    return std::string("ngram_prior: ") + e.what();
  }
}

}  // namespace governor::routing
