// The tree walker on a hand-written XGBoost JSON model (leaf sums worked by hand), the shapes
// it refuses, and PromptModel::parse's refusals of broken model files.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "governor/routing/prompt_model.hpp"

namespace governor::routing {
namespace {

using nlohmann::json;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/** Tree 0:                          Tree 1:
 *    0: f0 < 1.0 (missing: left)      0: f1 < 0.0 (missing: right)
 *      1: leaf +0.5                     1: leaf -0.1
 *      2: f2 < -1.0 (missing: right)    2: leaf +0.2
 *        3: leaf -0.25
 *        4: leaf +0.75
 *  Arrays as XGBoost 1.7 writes them: a leaf's split_condition is its weight. */
json tree0() {
  return {{"id", 0},
          {"left_children", {1, -1, 3, -1, -1}},
          {"right_children", {2, -1, 4, -1, -1}},
          {"parents", {2147483647, 0, 0, 2, 2}},
          {"split_indices", {0, 0, 2, 0, 0}},
          {"split_conditions", {1.0, 0.5, -1.0, -0.25, 0.75}},
          {"default_left", {1, 0, 0, 0, 0}},
          {"split_type", {0, 0, 0, 0, 0}},
          {"categories", json::array()},
          {"tree_param", {{"num_nodes", "5"}, {"num_feature", "3"}}}};
}

json tree1() {
  return {{"id", 1},
          {"left_children", {1, -1, -1}},
          {"right_children", {2, -1, -1}},
          {"parents", {2147483647, 0, 0}},
          {"split_indices", {1, 0, 0}},
          {"split_conditions", {0.0, -0.1, 0.2}},
          {"default_left", {false, false, false}},  // booleans are read too
          {"split_type", {0, 0, 0}},
          {"categories", json::array()},
          {"tree_param", {{"num_nodes", "3"}, {"num_feature", "3"}}}};
}

json xgboost_model(const char* base_score = "5E-1") {
  return {{"learner",
           {{"attributes", json::object()},
            {"feature_names", json::array()},
            {"learner_model_param",
             {{"base_score", base_score},
              {"num_class", "0"},
              {"num_feature", "3"},
              {"num_target", "1"}}},
            {"objective",
             {{"name", "binary:logistic"}, {"reg_loss_param", {{"scale_pos_weight", "1"}}}}},
            {"gradient_booster",
             {{"name", "gbtree"},
              {"model",
               {{"gbtree_model_param", {{"num_trees", "2"}, {"num_parallel_tree", "1"}}},
                {"tree_info", {0, 0}},
                {"trees", {tree0(), tree1()}}}}}}}},
          {"version", {1, 7, 4}}};
}

json& trees_of(json& model) {
  return model["learner"]["gradient_booster"]["model"]["trees"];
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

TEST(TreeEnsemble, MarginIsTheSumOfLeaves) {
  const auto ensemble = TreeEnsemble::from_xgboost(xgboost_model(), 3);
  ASSERT_TRUE(ensemble) << ensemble.error();
  EXPECT_EQ(2u, ensemble->tree_count());
  EXPECT_EQ(8u, ensemble->node_count());

  struct Case {
    const char* name;
    std::vector<float> x;
    double margin;  // base_score 0.5 is margin 0
  };
  const std::vector<Case> cases{
      {"both left", {0.0f, -1.0f, 0.0f}, 0.5 - 0.1},
      // x == threshold goes right in both trees: tree 0 reaches node 2, 5 >= -1 -> +0.75.
      {"equal goes right", {1.0f, 0.0f, 5.0f}, 0.75 + 0.2},
      // NaN takes the default branch: left in tree 0 (+0.5), right in tree 1 (+0.2).
      {"all missing", {kNaN, kNaN, kNaN}, 0.5 + 0.2},
      {"deep left", {2.0f, kNaN, -3.0f}, -0.25 + 0.2},
      // Node 2's default is right.
      {"missing at depth 2", {2.0f, -5.0f, kNaN}, 0.75 - 0.1},
      {"just below threshold", {std::nextafter(1.0f, 0.0f), 0.5f, 0.0f}, 0.5 + 0.2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_NEAR(c.margin, ensemble->predict_margin(c.x.data()), 1e-6);
    EXPECT_NEAR(sigmoid(c.margin), ensemble->predict(c.x.data()), 1e-6);
  }
}

TEST(TreeEnsemble, BaseScoreIsTheStartingMargin) {
  // base_score 0.25 is the margin log(0.25 / 0.75) = -log 3.
  const auto ensemble = TreeEnsemble::from_xgboost(xgboost_model("2.5E-1"), 3);
  ASSERT_TRUE(ensemble) << ensemble.error();
  const std::vector<float> x{0.0f, -1.0f, 0.0f};
  EXPECT_NEAR(-std::log(3.0) + 0.4, ensemble->predict_margin(x.data()), 1e-6);
}

TEST(TreeEnsemble, SquaredErrorHasNoLink) {
  json model = xgboost_model("1.5");
  model["learner"]["objective"]["name"] = "reg:squarederror";
  const auto ensemble = TreeEnsemble::from_xgboost(model, 3);
  ASSERT_TRUE(ensemble) << ensemble.error();
  const std::vector<float> x{0.0f, -1.0f, 0.0f};
  EXPECT_NEAR(1.5 + 0.4, ensemble->predict(x.data()), 1e-6);
}

TEST(TreeEnsemble, RefusesWhatItCannotEvaluate) {
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    std::size_t feature_count;
    const char* message;
  };
  const std::vector<Case> cases{
      {"categorical split", [](json& m) { trees_of(m)[0]["split_type"][2] = 1; }, 3, "categorical"},
      // Node 1 made a split whose left child is node 0, its parent: a walk would loop.
      {"child before parent",
       [](json& m) {
         auto& t = trees_of(m)[1];
         t["left_children"] = {1, 0, -1};
         t["right_children"] = {2, 2, -1};
       },
       3, "child index"},
      {"child past the end", [](json& m) { trees_of(m)[1]["right_children"][0] = 3; }, 3,
       "child index"},
      {"feature outside the layout", [](json& m) { trees_of(m)[0]["split_indices"][2] = 3; }, 3,
       "split on feature 3"},
      {"fewer features than the model reads", [](json&) {}, 2, "split on feature 2"},
      {"unknown objective", [](json& m) { m["learner"]["objective"]["name"] = "multi:softprob"; },
       3, "objective multi:softprob is not supported"},
      {"multi-class", [](json& m) { m["learner"]["learner_model_param"]["num_class"] = "3"; }, 3,
       "multi-class"},
      {"multi-target", [](json& m) { m["learner"]["learner_model_param"]["num_target"] = "2"; }, 3,
       "multi-target"},
      {"logistic base_score of 1",
       [](json& m) { m["learner"]["learner_model_param"]["base_score"] = "1"; }, 3, "base_score"},
      {"linear booster", [](json& m) { m["learner"]["gradient_booster"]["name"] = "gblinear"; }, 3,
       "gbtree only"},
      {"arrays differ", [](json& m) { trees_of(m)[0]["default_left"].erase(0); }, 3,
       "differ in length"},
      {"not a model",
       [](json& m) {
         m = {{"weights", {1, 2}}};
       },
       3, "not an XGBoost JSON model"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json model = xgboost_model();
    c.edit(model);
    const auto ensemble = TreeEnsemble::from_xgboost(model, c.feature_count);
    ASSERT_FALSE(ensemble);
    EXPECT_NE(std::string::npos, ensemble.error().find(c.message)) << ensemble.error();
  }
}

/** A complete model file around the hand-written trees. */
json model_file() {
  const std::vector<std::vector<std::uint32_t>> ngrams{{1, 2}, {2, 3}};
  const std::vector<Outcome> outcomes{{1, 1}, {0, 1}};
  json strong = xgboost_model();
  trees_of(strong).erase(1);  // strong: tree 0 only
  return {{"format", "governor-prompt-router"},
          {"version", 1},
          {"feature_layout", kFeatureLayout},
          {"ngram_prior", NgramPrior::build(ngrams, outcomes, 1.0).to_json()},
          {"models", {{"weak", xgboost_model()}, {"strong", strong}}},
          {"training", {{"records", 2}}}};
}

TEST(PromptModel, ParsesAModelFile) {
  const auto model = PromptModel::parse(model_file().dump());
  ASSERT_TRUE(model) << model.error();
  EXPECT_EQ(2u, model->weak_model().tree_count());
  EXPECT_EQ(1u, model->strong_model().tree_count());
  EXPECT_EQ(3u, model->prior().seen_buckets());
  EXPECT_EQ(R"({"records":2})", model->training_summary());

  auto f = std::make_unique<FeatureVector>();
  f->values.fill(kMissing);
  f->values[0] = 0.0f;
  f->values[1] = -1.0f;
  f->values[2] = 0.0f;
  const SuccessPrediction p = model->predict(*f);
  // The prior was applied (no n-grams: the base means) before the trees ran.
  EXPECT_FLOAT_EQ(0.5f, (*f)[Feature::prior_weak]);
  EXPECT_FLOAT_EQ(1.0f, (*f)[Feature::prior_strong]);
  EXPECT_NEAR(sigmoid(0.4), p.weak, 1e-6);
  EXPECT_NEAR(sigmoid(0.5), p.strong, 1e-6);
  EXPECT_NEAR(sigmoid(0.5) - sigmoid(0.4), p.gain(), 1e-6);
}

TEST(PromptModel, ParseRefusesBrokenFiles) {
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases{
      {"wrong format", [](json& d) { d["format"] = "xgboost"; }, "format"},
      {"wrong version", [](json& d) { d["version"] = 2; }, "version"},
      {"wrong feature layout", [](json& d) { d["feature_layout"] = "governor-features/0"; },
       "feature_layout \"governor-features/0\""},
      {"missing ngram_prior", [](json& d) { d.erase("ngram_prior"); }, "ngram_prior is required"},
      {"bad ngram_prior", [](json& d) { d["ngram_prior"]["smoothing"] = 0; }, "smoothing"},
      {"missing models.strong", [](json& d) { d["models"].erase("strong"); }, "models.strong"},
      {"missing models", [](json& d) { d.erase("models"); }, "models.weak and models.strong"},
      {"bad weak trees", [](json& d) { trees_of(d["models"]["weak"])[0]["split_type"][0] = 1; },
       "models.weak: categorical"},
      {"not an object",
       [](json& d) {
         d = json::array({1, 2});
       },
       "not a JSON object"},
      // Wrong types are refusals too, not json::type_error escaping parse().
      {"format as a number", [](json& d) { d["format"] = 1; }, "format"},
      {"version as a string", [](json& d) { d["version"] = "1"; }, "version"},
      {"feature layout as a number", [](json& d) { d["feature_layout"] = 1; },
       "feature_layout \"\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = model_file();
    c.edit(doc);
    const auto model = PromptModel::parse(doc.dump());
    ASSERT_FALSE(model);
    EXPECT_NE(std::string::npos, model.error().find(c.message)) << model.error();
  }
  const auto garbage = PromptModel::parse("{not json");
  ASSERT_FALSE(garbage);
  EXPECT_NE(std::string::npos, garbage.error().find("not a JSON object")) << garbage.error();
}

TEST(PromptModel, LoadFileNamesAMissingFile) {
  const auto model = PromptModel::load_file("/nonexistent/governor/model.json");
  ASSERT_FALSE(model);
  EXPECT_NE(std::string::npos, model.error().find("/nonexistent/governor/model.json"));
  EXPECT_NE(std::string::npos, model.error().find("cannot be read"));
}

}  // namespace
}  // namespace governor::routing
