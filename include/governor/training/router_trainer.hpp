#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "governor/training/labelled_records.hpp"

namespace governor::training {

/** XGBoost parameters for the two success models (see docs/routing.md for how they were
 *  chosen). */
struct TrainOptions {
  int rounds = 400;
  int max_depth = 2;
  double eta = 0.03;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 2.0;
  double lambda = 1.0;
  int threads = 2;
  int seed = 7;
  double prior_smoothing = 10.0;  ///< pseudo-counts pulling each n-gram's prior to the mean
  /** The trees learn from out-of-fold priors, as they will see them at serve time. */
  int prior_folds = 5;
  std::uint32_t prior_min_count = 1;  ///< n-grams in fewer training prompts are left out
};

/** Called every few rounds with (model name, rounds done, rounds total). */
using TrainProgress = std::function<void(const std::string&, int, int)>;

/** Builds the n-gram prior and trains p_success of the weak and of the strong model (XGBoost
 *  binary:logistic on the records' scores, over the dense features with out-of-fold priors, so
 *  the trees never see a prior that already knew the record's own label). Returns the text of a
 * governor-prompt-router model file (see routing/prompt_model.hpp). `sources` names the training
 * data in the file's "training". */
DataResult<std::string> train_prompt_router(const std::vector<LabelledRecord>& records,
                                            const TrainOptions& options,
                                            const std::vector<std::string>& sources,
                                            const TrainProgress& progress = {});

}  // namespace governor::training
