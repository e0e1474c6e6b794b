#include <cmath>
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
    return ensemble;
  } catch (const std::exception& e) {
    return std::string("not an XGBoost JSON model: ") + e.what();
  }
}

double TreeEnsemble::predict_margin(const float* features) const noexcept {
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
