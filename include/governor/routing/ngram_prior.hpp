#pragma once

#include <boost/system/result.hpp>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <vector>

#include "governor/routing/features.hpp"
#include "governor/routing/route_metrics.hpp"

namespace governor::routing {

/** What labelled data said about each hashed n-gram: the smoothed mean weak and strong score of
 *  the training prompts containing it (target encoding with `smoothing` pseudo-counts at the
 *  global mean). A prompt's prior is the mean over its n-grams the table has seen. Trees split
 *  poorly on hundreds of thousands of sparse word counts; this turns the words (the subject, the
 *  kind of task) into a few dense numbers they can use. Stored sparse (seen buckets only). */
class NgramPrior {
 public:
  /** Counts the records' n-grams. `ngrams[i]` are the bucket ids of record i; buckets seen in
   *  fewer than `min_count` records are left out. */
  static NgramPrior build(std::span<const std::vector<std::uint32_t>> ngrams,
                          std::span<const Outcome> outcomes, double smoothing,
                          std::uint32_t min_count = 1);

  static boost::system::result<NgramPrior, std::string> from_json(const nlohmann::json& doc);
  nlohmann::json to_json() const;

  /** Fills prior_weak/strong/gain/coverage from `features.ngrams`. Allocation-free. */
  void apply(FeatureVector& features) const noexcept;

  /** Buckets seen in training. */
  std::size_t seen_buckets() const { return seen_; }

 private:
  struct Cell {
    float weak = 0.0f;      ///< smoothed mean weak score
    float strong = 0.0f;    ///< smoothed mean strong score
    float evidence = 0.0f;  ///< n / (n + smoothing); 0 for a bucket never seen
  };
  std::vector<Cell> cells_;            ///< kNgramBuckets cells, one cache line holds five
  std::vector<std::uint32_t> counts_;  ///< training prompts per bucket (kept for to_json)
  double smoothing_ = 0.0;
  float weak_base_ = 0.0f;
  float strong_base_ = 0.0f;
  std::size_t seen_ = 0;

  void fill_cells(const std::vector<double>& weak_sum, const std::vector<double>& strong_sum);
};

}  // namespace governor::routing
