#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "governor/routing/features.hpp"
#include "governor/routing/ngram_prior.hpp"

namespace governor::routing {

/** A gradient-boosted tree ensemble read from an XGBoost JSON model, evaluated by a flat,
 *  allocation-free walker (the booster itself is only needed to train). Supports numerical
 *  splits with XGBoost's semantics: go left when `x < threshold`, a missing (NaN) value takes
 *  the node's default branch; the margin is the base margin plus one leaf per tree, mapped
 *  through the objective's link (logistic for binary:logistic/reg:logistic).
 *
 *  Shallow ensembles (every tree at most kMaxCompleteDepth deep, as the shipped router's depth-2
 *  trees are) are also stored as complete trees of one depth: each tree is a fixed block of
 *  splits in level order plus a fixed block of leaves, a shallower leaf padded with splits whose
 *  two sides hold its value. predict_margin() then walks every tree in exactly `depth` steps with
 *  index arithmetic: no loop exit to mispredict and no pointers to chase, so the CPU overlaps
 *  the trees. Deeper ensembles use the node walk. Both give bit-identical margins. */
class TreeEnsemble {
 public:
  /** The deepest trees stored complete: 2^6 leaves per tree keeps a 400-tree ensemble in
   *  about 200 KiB; deeper trees would mostly store padding. */
  static constexpr std::uint32_t kMaxCompleteDepth = 6;
  /** The widest feature vector the complete layout takes (it copies the vector on the stack). */
  static constexpr std::size_t kMaxCompleteFeatures = 256;

  /** Reads `{"learner": {...}}` as XGBoost 1.x saves it (XGBoosterSaveModel to .json).
   *  Refuses categorical splits, multi-class and multi-target models, feature indices outside
   *  [0, feature_count), and unknown objectives, saying which. */
  static boost::system::result<TreeEnsemble, std::string> from_xgboost(const nlohmann::json& model,
                                                                       std::size_t feature_count);

  /** The model's output for one feature vector (a probability for logistic objectives). */
  double predict(const float* features) const noexcept;
  double predict_margin(const float* features) const noexcept;
  /** The margin by walking the nodes as read, whatever the layout predict_margin() uses: the
   *  reference the complete layout is checked against. */
  double predict_margin_walk(const float* features) const noexcept;

  std::size_t tree_count() const { return roots_.size(); }
  std::size_t node_count() const { return nodes_.size(); }
  /** Whether predict_margin() uses the complete layout, and its depth (the deepest tree's). */
  bool complete() const { return !leaves_.empty(); }
  std::uint32_t complete_depth() const { return complete_depth_; }

 private:
  struct Node {
    std::int32_t feature;  ///< -1 for a leaf
    float value;           ///< split threshold, or the leaf's weight
    std::uint32_t left;    ///< absolute index; right child is stored in `right`
    std::uint32_t right;
    bool default_left;
  };
  /** One split of the complete layout: go left when `sides[slot] < threshold`, where sides
   *  holds each feature twice, a missing value as -inf in slot 2f (so a default-left split
   *  goes left) and as +inf in slot 2f+1 (default right goes right). The walk then needs no
   *  missing-value test, and every threshold is finite, so the result is the node walk's. */
  struct Split {
    float threshold;
    std::uint32_t slot;
  };
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> roots_;
  std::uint32_t complete_depth_ = 0;
  std::size_t feature_count_ = 0;
  std::vector<Split> splits_;  ///< 2^depth - 1 per tree, level order (children of i: 2i+1, 2i+2)
  std::vector<float> leaves_;  ///< 2^depth per tree, left to right
  double base_margin_ = 0.0;
  bool logistic_ = true;

  std::uint32_t depth_below(std::uint32_t node) const;
  void fill_complete(std::uint32_t node, std::size_t tree, std::uint32_t level,
                     std::uint32_t position);
  void build_complete_layout();
};

/** What the prompt router predicts for one request: the chance that the weak (cheapest)
 *  and the strong (most capable) reference models answer it acceptably. */
struct SuccessPrediction {
  double weak = 0.0;
  double strong = 0.0;
  /** The router's score: expected quality gained by paying for the strong model. */
  double gain() const { return strong - weak; }
};

/** The learned prompt router: an n-gram prior table and one tree ensemble per reference model,
 *  read from a model file written by `governor train`:
 *    {"format": "governor-prompt-router", "version": 1, "feature_layout": "governor-features/1",
 *     "ngram_prior": {...}, "models": {"weak": <xgboost json>, "strong": <xgboost json>},
 *     "training": {...}}
 *  Immutable once loaded: share it between threads through a shared_ptr<const PromptModel>. */
class PromptModel {
 public:
  static boost::system::result<PromptModel, std::string> parse(std::string_view text);
  static boost::system::result<PromptModel, std::string> load_file(const std::string& path);

  /** Fills the prior_* features from the n-gram table, then evaluates both ensembles. */
  SuccessPrediction predict(FeatureVector& features) const noexcept;

  /** The "training" object of the file (data, parameters), for status pages and eval output. */
  const std::string& training_summary() const { return training_summary_; }
  const TreeEnsemble& weak_model() const { return weak_; }
  const TreeEnsemble& strong_model() const { return strong_; }
  const NgramPrior& prior() const { return prior_; }

 private:
  NgramPrior prior_;
  TreeEnsemble weak_;
  TreeEnsemble strong_;
  std::string training_summary_;
};

using PromptModelPtr = std::shared_ptr<const PromptModel>;

}  // namespace governor::routing
