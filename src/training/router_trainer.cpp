#include "governor/training/router_trainer.hpp"

#include <xgboost/c_api.h>

#include <memory>

#include "governor/routing/prompt_model.hpp"

namespace governor::training {

namespace {

using nlohmann::json;
using TextResult = DataResult<std::string>;

DataError xgboost_error(const char* what) {
  return DataError("", 0, std::string(what) + ": " + XGBGetLastError());
}

struct MatrixDeleter {
  void operator()(void* handle) const { XGDMatrixFree(handle); }
};
struct BoosterDeleter {
  void operator()(void* handle) const { XGBoosterFree(handle); }
};
using Matrix = std::unique_ptr<void, MatrixDeleter>;
using Booster = std::unique_ptr<void, BoosterDeleter>;

/** Trains one binary:logistic booster on `labels` and returns its JSON model. */
DataResult<json> train_one(const std::string& name, const std::vector<float>& features,
                           const std::vector<float>& labels, const TrainOptions& options,
                           const TrainProgress& progress) {
  DMatrixHandle raw_matrix = nullptr;
  if (XGDMatrixCreateFromMat(features.data(), labels.size(), routing::kFeatureCount,
                             routing::kMissing, &raw_matrix) != 0) {
    return xgboost_error("XGDMatrixCreateFromMat");
  }
  const Matrix matrix(raw_matrix);
  if (XGDMatrixSetFloatInfo(raw_matrix, "label", labels.data(), labels.size()) != 0) {
    return xgboost_error("XGDMatrixSetFloatInfo");
  }
  BoosterHandle raw_booster = nullptr;
  if (XGBoosterCreate(&raw_matrix, 1, &raw_booster) != 0) {
    return xgboost_error("XGBoosterCreate");
  }
  const Booster booster(raw_booster);
  const std::vector<std::pair<std::string, std::string>> params{
      {"objective", "binary:logistic"},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(options.max_depth)},
      {"eta", std::to_string(options.eta)},
      {"subsample", std::to_string(options.subsample)},
      {"colsample_bytree", std::to_string(options.colsample_bytree)},
      {"min_child_weight", std::to_string(options.min_child_weight)},
      {"lambda", std::to_string(options.lambda)},
      {"nthread", std::to_string(options.threads)},
      {"seed", std::to_string(options.seed)},
      {"verbosity", "0"},
  };
  for (const auto& [key, value] : params) {
    if (XGBoosterSetParam(raw_booster, key.c_str(), value.c_str()) != 0) {
      return xgboost_error("XGBoosterSetParam");
    }
  }
  for (int round = 0; round < options.rounds; ++round) {
    if (XGBoosterUpdateOneIter(raw_booster, round, raw_matrix) != 0) {
      return xgboost_error("XGBoosterUpdateOneIter");
    }
    if (progress && ((round + 1) % 50 == 0 || round + 1 == options.rounds)) {
      progress(name, round + 1, options.rounds);
    }
  }
  bst_ulong length = 0;
  const char* buffer = nullptr;
  if (XGBoosterSaveModelToBuffer(raw_booster, R"({"format": "json"})", &length, &buffer) != 0) {
    return xgboost_error("XGBoosterSaveModelToBuffer");
  }
  return DataResult<json>(boost::system::in_place_value,
                          json::parse(std::string_view(buffer, length)));
}

/** Record i's prior comes from a table built without its fold. */
void apply_out_of_fold_priors(const std::vector<std::vector<std::uint32_t>>& ngrams,
                              const std::vector<routing::Outcome>& outcomes,
                              const TrainOptions& options,
                              std::vector<routing::FeatureVector>& rows) {
  const auto folds = static_cast<std::size_t>(options.prior_folds);
  for (std::size_t fold = 0; fold < folds; ++fold) {
    std::vector<std::vector<std::uint32_t>> other_ngrams;
    std::vector<routing::Outcome> other_outcomes;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i % folds != fold) {
        other_ngrams.push_back(ngrams[i]);
        other_outcomes.push_back(outcomes[i]);
      }
    }
    const auto prior = routing::NgramPrior::build(other_ngrams, other_outcomes,
                                                  options.prior_smoothing, options.prior_min_count);
    for (std::size_t i = fold; i < rows.size(); i += folds) {
      prior.apply(rows[i]);
    }
  }
}

}  // namespace

TextResult train_prompt_router(const std::vector<LabelledRecord>& records,
                               const TrainOptions& options, const std::vector<std::string>& sources,
                               const TrainProgress& progress) {
  if (records.empty()) {
    return DataError("", 0, "no training records");
  }
  if (options.prior_folds < 2) {
    return DataError("", 0, "prior_folds must be at least 2");
  }
  auto rows = record_feature_vectors(records);
  std::vector<routing::Outcome> outcomes;
  std::vector<std::vector<std::uint32_t>> ngrams;
  for (std::size_t i = 0; i < records.size(); ++i) {
    outcomes.push_back(records[i].outcome);
    ngrams.emplace_back(rows[i].ngrams.begin(), rows[i].ngrams.begin() + rows[i].ngram_count);
  }
  apply_out_of_fold_priors(ngrams, outcomes, options, rows);
  std::vector<float> features;
  features.reserve(rows.size() * routing::kFeatureCount);
  std::vector<float> weak_labels;
  std::vector<float> strong_labels;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    features.insert(features.end(), rows[i].values.begin(), rows[i].values.end());
    weak_labels.push_back(static_cast<float>(outcomes[i].weak));
    strong_labels.push_back(static_cast<float>(outcomes[i].strong));
  }
  auto weak = train_one("weak", features, weak_labels, options, progress);
  if (!weak) {
    return weak.error();
  }
  auto strong = train_one("strong", features, strong_labels, options, progress);
  if (!strong) {
    return strong.error();
  }
  const auto prior = routing::NgramPrior::build(ngrams, outcomes, options.prior_smoothing,
                                                options.prior_min_count);
  const json file = {
      {"format", "governor-prompt-router"},
      {"version", 1},
      {"feature_layout", routing::kFeatureLayout},
      {"training",
       {{"data", sources},
        {"records", records.size()},
        {"xgboost",
         {{"objective", "binary:logistic"},
          {"rounds", options.rounds},
          {"max_depth", options.max_depth},
          {"eta", options.eta},
          {"subsample", options.subsample},
          {"colsample_bytree", options.colsample_bytree},
          {"min_child_weight", options.min_child_weight},
          {"lambda", options.lambda},
          {"seed", options.seed}}},
        {"ngram_prior",
         {{"smoothing", options.prior_smoothing},
          {"folds", options.prior_folds},
          {"min_count", options.prior_min_count}}}}},
      {"ngram_prior", prior.to_json()},
      {"models", {{"weak", std::move(*weak)}, {"strong", std::move(*strong)}}},
  };
  std::string text = file.dump();
  // The file must load: catches a layout or format drift at training time, not at serve time.
  if (auto loaded = routing::PromptModel::parse(text); !loaded) {
    return DataError("", 0, "the trained model does not load back: " + loaded.error());
  }
  return TextResult(boost::system::in_place_value, std::move(text));
}

}  // namespace governor::training
