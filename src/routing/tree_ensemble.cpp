#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "governor/routing/prompt_model.hpp"

namespace governor::routing {

namespace {

using nlohmann::json;
using EnsembleResult = boost::system::result<TreeEnsemble, std::string>;

/** XGBoost writes most scalars as strings ("5E-1"); accept either. */
double number_of(const json& value) {
  if (value.is_string()) {
    return std::stod(value.get<std::string>());
  }
  return value.get<double>();
}

bool flag_of(const json& value) {
  return value.is_boolean() ? value.get<bool>() : value.get<int>() != 0;
}

}  // namespace

EnsembleResult TreeEnsemble::from_xgboost(const json& model, std::size_t feature_count) {
  try {
    const json& learner = model.at("learner");
    const json& params = learner.at("learner_model_param");
    if (params.contains("num_class") && number_of(params.at("num_class")) > 1) {
      return std::string("multi-class models are not supported");
    }
    if (params.contains("num_target") && number_of(params.at("num_target")) > 1) {
      return std::string("multi-target models are not supported");
    }
    const std::string objective = learner.at("objective").at("name").get<std::string>();
    TreeEnsemble ensemble;
    ensemble.feature_count_ = feature_count;
    const double base_score = number_of(params.at("base_score"));
    if (objective == "binary:logistic" || objective == "reg:logistic") {
      ensemble.logistic_ = true;
      if (!(base_score > 0.0 && base_score < 1.0)) {
        return std::string("base_score of a logistic model must be in (0, 1)");
      }
      ensemble.base_margin_ = std::log(base_score / (1.0 - base_score));
    } else if (objective == "reg:squarederror") {
      ensemble.logistic_ = false;
      ensemble.base_margin_ = base_score;
    } else {
      return "objective " + objective + " is not supported";
    }

    const json& booster = learner.at("gradient_booster");
    if (booster.at("name").get<std::string>() != "gbtree") {
      return "booster " + booster.at("name").get<std::string>() + " is not supported (gbtree only)";
    }
    for (const json& tree : booster.at("model").at("trees")) {
      const auto& left = tree.at("left_children");
      const auto& right = tree.at("right_children");
      const auto& indices = tree.at("split_indices");
      const auto& conditions = tree.at("split_conditions");
      const auto& default_left = tree.at("default_left");
      const std::size_t n = left.size();
      if (right.size() != n || indices.size() != n || conditions.size() != n ||
          default_left.size() != n || n == 0) {
        return std::string("a tree's node arrays differ in length");
      }
      if (tree.contains("split_type")) {
        for (const auto& type : tree.at("split_type")) {
          if (number_of(type) != 0) {
            return std::string("categorical splits are not supported");
          }
        }
      }
      const auto offset = static_cast<std::uint32_t>(ensemble.nodes_.size());
      ensemble.roots_.push_back(offset);
      for (std::size_t i = 0; i < n; ++i) {
        const auto l = left[i].get<std::int64_t>();
        const auto r = right[i].get<std::int64_t>();
        Node node{};
        node.value = static_cast<float>(number_of(conditions[i]));
        node.default_left = flag_of(default_left[i]);
        if (l < 0) {
          node.feature = -1;
        } else {
          const auto feature = indices[i].get<std::int64_t>();
          if (feature < 0 || static_cast<std::size_t>(feature) >= feature_count) {
            return "split on feature " + std::to_string(feature) + ", outside the " +
                   std::to_string(feature_count) + " features of this layout";
          }
          // Children after their parent: the walk in predict_margin() cannot loop.
          const auto self = static_cast<std::int64_t>(i);
          if (l <= self || r <= self || l >= static_cast<std::int64_t>(n) ||
              r >= static_cast<std::int64_t>(n)) {
            return std::string("a tree's child index is out of range");
          }
          node.feature = static_cast<std::int32_t>(feature);
          node.left = offset + static_cast<std::uint32_t>(l);
          node.right = offset + static_cast<std::uint32_t>(r);
        }
        ensemble.nodes_.push_back(node);
      }
    }
    ensemble.build_complete_layout();
    return ensemble;
  } catch (const std::exception& e) {
    return std::string("not an XGBoost JSON model: ") + e.what();
  }
}

void TreeEnsemble::build_complete_layout() {
  // Depth of every node from its parent's: from_xgboost() checked that children follow their
  // parent, so one forward pass per tree sees each parent first (no recursion on a deep file).
  std::uint32_t depth = 0;
  std::vector<std::uint32_t> node_depth(nodes_.size(), 0);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    const std::size_t end = t + 1 < roots_.size() ? roots_[t + 1] : nodes_.size();
    for (std::size_t i = roots_[t]; i < end; ++i) {
      const Node& node = nodes_[i];
      depth = std::max(depth, node_depth[i]);
      if (node.feature >= 0) {
        node_depth[node.left] = node_depth[i] + 1;
        node_depth[node.right] = node_depth[i] + 1;
      }
    }
  }
  const bool finite_thresholds = std::all_of(nodes_.begin(), nodes_.end(), [](const Node& n) {
    return n.feature < 0 || std::isfinite(n.value);
  });
  if (depth > kMaxCompleteDepth || feature_count_ > kMaxCompleteFeatures || !finite_thresholds) {
    return;  // predict_margin() walks the nodes
  }
  complete_depth_ = depth;
  const std::size_t splits_per_tree = (std::size_t{1} << depth) - 1;
  const std::size_t leaves_per_tree = std::size_t{1} << depth;
  splits_.assign(roots_.size() * splits_per_tree, Split{0.0f, 0});
  leaves_.assign(roots_.size() * leaves_per_tree, 0.0f);
  for (std::size_t t = 0; t < roots_.size(); ++t) {
    fill_complete(roots_[t], t, 0, 0);
  }
}

void TreeEnsemble::fill_complete(std::uint32_t node, std::size_t tree, std::uint32_t level,
                                 std::uint32_t position) {
  const std::size_t splits_per_tree = (std::size_t{1} << complete_depth_) - 1;
  const Node& n = nodes_[node];
  if (level == complete_depth_) {
    // Only leaves are this deep: build_complete_layout() measured the depth.
    leaves_[(tree << complete_depth_) + position] = n.value;
    return;
  }
  Split& split = splits_[tree * splits_per_tree + ((std::size_t{1} << level) - 1) + position];
  if (n.feature < 0) {
    // A leaf above the full depth: a padding split whose two sides both end in this leaf's
    // value, so whichever way it goes gives the same margin.
    split = Split{0.0f, 0};
    fill_complete(node, tree, level + 1, 2 * position);
    fill_complete(node, tree, level + 1, 2 * position + 1);
    return;
  }
  const auto feature = static_cast<std::uint32_t>(n.feature);
  split = Split{n.value, 2 * feature + (n.default_left ? 0u : 1u)};
  fill_complete(n.left, tree, level + 1, 2 * position);
  fill_complete(n.right, tree, level + 1, 2 * position + 1);
}

namespace {

/** Sums one leaf per complete tree of `Depth` levels. Each tree is `Depth` index steps, so the
 *  loop body has no data-dependent branch and the trees' loads overlap. The sum runs in tree
 *  order in a double, as the node walk's does: the two margins are bit-identical. */
template <std::uint32_t Depth, class Split>
double complete_margin(double margin, const Split* splits, const float* leaves, std::size_t trees,
                       const float* sides) noexcept {
  constexpr std::size_t kSplits = (std::size_t{1} << Depth) - 1;
  for (std::size_t t = 0; t < trees; ++t) {
    const Split* tree = splits + t * kSplits;
    std::size_t i = 0;
    for (std::uint32_t level = 0; level < Depth; ++level) {
      const Split& s = tree[i];
      i = 2 * i + 2 - static_cast<std::size_t>(sides[s.slot] < s.threshold);
    }
    margin += leaves[(t << Depth) + (i - kSplits)];
  }
  return margin;
}

}  // namespace

double TreeEnsemble::predict_margin(const float* features) const noexcept {
  if (!complete()) {
    return predict_margin_walk(features);  // too deep for the complete layout, or no trees
  }
  // Each feature twice, a missing one as the side its split's default takes (see Split).
  std::array<float, 2 * kMaxCompleteFeatures> sides;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (std::size_t f = 0; f < feature_count_; ++f) {
    const float x = features[f];
    const bool missing = x != x;
    sides[2 * f] = missing ? -kInf : x;
    sides[2 * f + 1] = missing ? kInf : x;
  }
  const std::size_t trees = roots_.size();
  const Split* s = splits_.data();
  const float* l = leaves_.data();
  const float* x = sides.data();
  switch (complete_depth_) {
    case 0:
      return complete_margin<0>(base_margin_, s, l, trees, x);
    case 1:
      return complete_margin<1>(base_margin_, s, l, trees, x);
    case 2:
      return complete_margin<2>(base_margin_, s, l, trees, x);
    case 3:
      return complete_margin<3>(base_margin_, s, l, trees, x);
    case 4:
      return complete_margin<4>(base_margin_, s, l, trees, x);
    case 5:
      return complete_margin<5>(base_margin_, s, l, trees, x);
    case 6:
      return complete_margin<6>(base_margin_, s, l, trees, x);
    default:
      return predict_margin_walk(features);
  }
}

double TreeEnsemble::predict_margin_walk(const float* features) const noexcept {
  double margin = base_margin_;
  for (const std::uint32_t root : roots_) {
    const Node* node = &nodes_[root];
    // from_xgboost() checked that children follow their parent: this loop terminates.
    while (node->feature >= 0) {
      const float x = features[node->feature];
      // Branch-free choice (NaN compares false, so it goes left only by default): the walk's
      // only branch is the loop itself, which the shallow trees make predictable.
      const bool go_left = (x < node->value) | ((x != x) & node->default_left);
      const std::uint32_t next[2] = {node->right, node->left};
      node = &nodes_[next[go_left]];
    }
    margin += node->value;
  }
  return margin;
}

double TreeEnsemble::predict(const float* features) const noexcept {
  const double margin = predict_margin(features);
  return logistic_ ? 1.0 / (1.0 + std::exp(-margin)) : margin;
}

}  // namespace governor::routing
