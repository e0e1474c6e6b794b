// The tree walker on a hand-written XGBoost JSON model (leaf sums worked by hand), the shapes
// it refuses, and PromptModel::parse's refusals of broken model files.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
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

TEST(TreeEnsemble, HandWrittenTreesUseTheCompleteLayout) {
  // Tree 0 has a leaf at depth 1 (node 1) next to a depth-2 subtree; tree 1 is depth 1. The
  // complete layout pads both to depth 2 and must give the node walk's margins exactly.
  const auto ensemble = TreeEnsemble::from_xgboost(xgboost_model(), 3);
  ASSERT_TRUE(ensemble) << ensemble.error();
  EXPECT_TRUE(ensemble->complete());
  EXPECT_EQ(2u, ensemble->complete_depth());
  const std::vector<std::vector<float>> inputs{
      {0.0f, -1.0f, 0.0f}, {1.0f, 0.0f, 5.0f},  {kNaN, kNaN, kNaN},
      {2.0f, kNaN, -3.0f}, {2.0f, -5.0f, kNaN}, {std::nextafter(1.0f, 0.0f), 0.5f, 0.0f},
      {2.0f, 0.0f, -1.0f}, {1.0f, kNaN, -1.5f}};
  const std::vector<double> margins{0.4, 0.95, 0.7, -0.05, 0.65, 0.7, 0.95, -0.05};
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_NEAR(margins[i], ensemble->predict_margin(inputs[i].data()), 1e-6);
    EXPECT_EQ(ensemble->predict_margin_walk(inputs[i].data()),
              ensemble->predict_margin(inputs[i].data()));
  }
}

TEST(TreeEnsemble, InfiniteThresholdsAndWideVectorsUseTheNodeWalk) {
  // The complete layout stands a missing value in for -inf or +inf: exact only when every
  // threshold is finite. It also copies the feature vector on the stack, up to 256 features.
  json model = xgboost_model();
  trees_of(model)[0]["split_conditions"][0] = "-inf";  // XGBoost writes scalars as strings
  const auto infinite = TreeEnsemble::from_xgboost(model, 3);
  ASSERT_TRUE(infinite) << infinite.error();
  EXPECT_FALSE(infinite->complete());
  // Nothing is below -inf: x goes right (node 2) unless missing, which defaults left (+0.5).
  const std::vector<float> low{-1e30f, -1.0f, -3.0f};
  const std::vector<float> missing{kNaN, 1.0f, 0.0f};
  EXPECT_NEAR(-0.25 - 0.1, infinite->predict_margin(low.data()), 1e-6);
  EXPECT_NEAR(0.5 + 0.2, infinite->predict_margin(missing.data()), 1e-6);

  const auto wide = TreeEnsemble::from_xgboost(xgboost_model(), 300);
  ASSERT_TRUE(wide) << wide.error();
  EXPECT_FALSE(wide->complete());
  std::vector<float> x(300, 0.0f);
  x[1] = -1.0f;
  EXPECT_NEAR(0.4, wide->predict_margin(x.data()), 1e-6);
}

/** One random XGBoost tree of at most `max_depth` levels over `features` features, its nodes
 *  numbered breadth first (children after parents, as XGBoost writes them). Thresholds and
 *  leaf weights come from small sets, so inputs often sit exactly on a threshold. */
json random_tree(std::mt19937& rng, int max_depth, int features) {
  std::vector<std::int64_t> left{-1};
  std::vector<std::int64_t> right{-1};
  std::vector<std::int64_t> index{0};
  std::vector<double> condition{0.0};
  std::vector<int> default_left{0};
  std::vector<int> depth{0};
  std::uniform_int_distribution<int> feature(0, features - 1);
  std::uniform_int_distribution<int> step(-4, 4);
  std::bernoulli_distribution split(0.75);
  std::bernoulli_distribution coin(0.5);
  for (std::size_t i = 0; i < left.size(); ++i) {
    if (depth[i] < max_depth && split(rng)) {
      index[i] = feature(rng);
      condition[i] = 0.5 * step(rng);
      default_left[i] = coin(rng) ? 1 : 0;
      left[i] = static_cast<std::int64_t>(left.size());
      right[i] = left[i] + 1;
      for (int child = 0; child < 2; ++child) {
        left.push_back(-1);
        right.push_back(-1);
        index.push_back(0);
        condition.push_back(0.0);
        default_left.push_back(0);
        depth.push_back(depth[i] + 1);
      }
    } else {
      condition[i] = 0.125 * step(rng);  // a leaf's split_condition is its weight
    }
  }
  const std::size_t n = left.size();
  return {{"left_children", left},        {"right_children", right},
          {"split_indices", index},       {"split_conditions", condition},
          {"default_left", default_left}, {"split_type", std::vector<int>(n, 0)}};
}

TEST(TreeEnsemble, CompleteLayoutMatchesTheNodeWalkOnRandomTrees) {
  std::mt19937 rng(20261123);
  constexpr int kFeatures = 6;
  std::uniform_int_distribution<int> value(-5, 5);
  std::bernoulli_distribution missing(0.15);
  // Depths 0 (single-leaf trees) to 6 use the complete layout; 7 and 8 fall back to the walk.
  for (int max_depth = 0; max_depth <= 8; ++max_depth) {
    SCOPED_TRACE("max_depth " + std::to_string(max_depth));
    json model = xgboost_model();
    json trees = json::array();
    for (int t = 0; t < 60; ++t) {
      trees.push_back(random_tree(rng, max_depth, kFeatures));
    }
    trees_of(model) = trees;
    const auto ensemble = TreeEnsemble::from_xgboost(model, kFeatures);
    ASSERT_TRUE(ensemble) << ensemble.error();
    EXPECT_EQ(max_depth <= 6, ensemble->complete());
    if (max_depth <= 6) {
      // 60 trees with a 75% chance of splitting per node reach the depth allowed.
      EXPECT_EQ(static_cast<std::uint32_t>(max_depth), ensemble->complete_depth());
    }
    std::vector<float> x(kFeatures);
    for (int sample = 0; sample < 2000; ++sample) {
      for (auto& v : x) {
        v = missing(rng) ? kNaN : 0.5f * static_cast<float>(value(rng));
      }
      ASSERT_EQ(ensemble->predict_margin_walk(x.data()), ensemble->predict_margin(x.data()))
          << "sample " << sample;
    }
  }
}

TEST(TreeEnsemble, ShippedModelsCompleteLayoutMatchesTheNodeWalk) {
  // The shipped router on real prompts' features: exactly the node walk's margins.
  std::ifstream in(std::string(GOVERNOR_SOURCE_DIR_PATH) + "/policies/models/prompt_router.json");
  ASSERT_TRUE(in);
  std::ostringstream text;
  text << in.rdbuf();
  const auto model = PromptModel::parse(text.str());
  ASSERT_TRUE(model) << model.error();
  EXPECT_TRUE(model->weak_model().complete());
  EXPECT_TRUE(model->strong_model().complete());
  const std::vector<std::string> prompts{
      "What is 2 + 2?",
      "Janet has 16 eggs and eats 3. She bakes with 4 and sells the rest at $2 each. How much?",
      "Which of these is a prime number?\nA. 4\nB. 6\nC. 7\nD. 9",
      "Write a Python function `def f(x): return x ** 2` and explain it in JSON: {\"a\": 1}", ""};
  auto features = std::make_unique<FeatureVector>();
  for (const auto& prompt : prompts) {
    for (std::uint32_t step = 0; step < 4; ++step) {
      SCOPED_TRACE(prompt + " at step " + std::to_string(step));
      extract_features(route_input_from_prompt(prompt), TaskHistory{.step_index = step}, *features);
      (void)model->predict(*features);  // fills the priors
      for (const TreeEnsemble* e : {&model->weak_model(), &model->strong_model()}) {
        EXPECT_EQ(e->predict_margin_walk(features->values.data()),
                  e->predict_margin(features->values.data()));
      }
    }
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
