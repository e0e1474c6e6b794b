// Trains the prompt router on a small synthetic set where one word decides the outcome, then
// checks the file loads, the learned gain follows the word, our tree walker agrees with
// XGBoost's own predictions on the same feature rows, and the evaluation table has its rows.
#include "governor/training/router_trainer.hpp"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "governor/routing/prompt_model.hpp"
#include "governor/training/router_eval.hpp"

namespace governor::training {
namespace {

using nlohmann::json;

LabelledRecord record(const std::string& prompt, double weak, double strong) {
  LabelledRecord r;
  r.messages = json::array({{{"role", "user"}, {"content", prompt}}});
  r.outcome = {weak, strong};
  return r;
}

/** The one template of the synthetic set: only `word` tells the classes apart, so length,
 *  digits and punctuation carry no signal and the trees must learn it from the n-gram prior. */
std::string question(int k, const std::string& word, const std::string& f) {
  return "Question " + std::to_string(k) + ": what is the " + word + " of " + f + " between " +
         std::to_string(k % 5) + " and " + std::to_string(5 + k % 9) + "?";
}

/** 300 records: every fourth asks for an integral (weak 0, strong 1); the others ask for a
 *  midpoint, boundary or quotient (same length: 8 letters), which both models answer (1, 1). */
std::vector<LabelledRecord> synthetic_records() {
  const std::vector<std::string> words{"integral", "midpoint", "boundary", "quotient"};
  const std::vector<std::string> functions{"x^2",      "sin(x)", "e^x",    "1/x",
                                           "x*cos(x)", "ln(x)",  "sqrt(x)"};
  std::vector<LabelledRecord> records;
  for (int i = 0; i < 300; ++i) {
    const auto& word = words[static_cast<std::size_t>(i) % words.size()];
    const auto& f = functions[static_cast<std::size_t>(i) % functions.size()];
    const bool hard = word == "integral";
    records.push_back(record(question(i, word, f), hard ? 0 : 1, 1));
  }
  return records;
}

TrainOptions fast_options() {
  TrainOptions options;
  options.rounds = 30;
  options.eta = 0.3;
  options.threads = 1;
  return options;
}

/** Trains once for all tests of this file (XGBoost is the slow part). */
class RouterTrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    records_ = new std::vector<LabelledRecord>(synthetic_records());
    auto text = train_prompt_router(*records_, fast_options(), {"synthetic"});
    ASSERT_TRUE(text) << text.error().to_string();
    text_ = new std::string(std::move(*text));
    auto model = routing::PromptModel::parse(*text_);
    ASSERT_TRUE(model) << model.error();
    model_ = new routing::PromptModel(std::move(*model));
  }
  static void TearDownTestSuite() {
    delete records_;
    delete text_;
    delete model_;
    records_ = nullptr;
    text_ = nullptr;
    model_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(nullptr, model_) << "training failed"; }

  static double gain_of(const routing::PromptModel& model, const std::string& prompt) {
    auto features = std::make_unique<routing::FeatureVector>();
    record_features(record(prompt, 0, 0), *features);
    return model.predict(*features).gain();
  }

  static std::vector<LabelledRecord>* records_;
  static std::string* text_;
  static routing::PromptModel* model_;
};

std::vector<LabelledRecord>* RouterTrainerTest::records_ = nullptr;
std::string* RouterTrainerTest::text_ = nullptr;
routing::PromptModel* RouterTrainerTest::model_ = nullptr;

TEST_F(RouterTrainerTest, WritesALoadableModelFile) {
  const json doc = json::parse(*text_);
  EXPECT_EQ("governor-prompt-router", doc.at("format"));
  EXPECT_EQ(routing::kFeatureLayout, doc.at("feature_layout").get<std::string>());
  EXPECT_EQ(300, doc.at("training").at("records"));
  EXPECT_EQ(json::array({"synthetic"}), doc.at("training").at("data"));
  const routing::PromptModel& loaded = *model_;
  EXPECT_EQ(30u, loaded.weak_model().tree_count());
  EXPECT_EQ(30u, loaded.strong_model().tree_count());
  EXPECT_GT(loaded.prior().seen_buckets(), 0u);
}

TEST_F(RouterTrainerTest, GainFollowsTheDecidingWord) {
  const routing::PromptModel& loaded = *model_;
  // Unseen numbers and function, the same shape: only the word differs.
  const double integral = gain_of(loaded, question(1234, "integral", "tan(x)"));
  const double plain = gain_of(loaded, question(1234, "midpoint", "tan(x)"));
  EXPECT_GT(integral, plain + 0.3) << "integral " << integral << ", plain " << plain;
}

/** XGBoost's own prediction for `rows` (row-major, kFeatureCount wide) with a JSON model. */
std::vector<float> xgboost_predict(const json& model, const std::vector<float>& rows) {
  const std::string text = model.dump();
  BoosterHandle booster = nullptr;
  EXPECT_EQ(0, XGBoosterCreate(nullptr, 0, &booster)) << XGBGetLastError();
  EXPECT_EQ(0, XGBoosterLoadModelFromBuffer(booster, text.data(), text.size()))
      << XGBGetLastError();
  DMatrixHandle matrix = nullptr;
  const auto row_count = rows.size() / routing::kFeatureCount;
  EXPECT_EQ(0, XGDMatrixCreateFromMat(rows.data(), row_count, routing::kFeatureCount,
                                      routing::kMissing, &matrix))
      << XGBGetLastError();
  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* result = nullptr;
  const char* config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,
          "strict_shape": false})";
  EXPECT_EQ(0, XGBoosterPredictFromDMatrix(booster, matrix, config, &shape, &dimensions, &result))
      << XGBGetLastError();
  std::vector<float> out;
  if (result != nullptr) {
    out.assign(result, result + row_count);
  }
  XGDMatrixFree(matrix);
  XGBoosterFree(booster);
  return out;
}

TEST_F(RouterTrainerTest, TreeWalkerAgreesWithXgboost) {
  const routing::PromptModel& loaded = *model_;
  const json doc = json::parse(*text_);
  // Training records of both kinds plus prompts the model never saw.
  std::vector<LabelledRecord> probes(records_->begin(), records_->begin() + 30);
  for (const char* prompt : {"Compute the integral of tan(x) dx.", "Hello!", "", "x = 4 $ 5%",
                             "A. yes\nB. no\nWhich is it? Reply in JSON: {\"answer\": 1}"}) {
    probes.push_back(record(prompt, 0, 0));
  }
  std::vector<float> rows;
  std::vector<double> ours_weak;
  std::vector<double> ours_strong;
  auto features = std::make_unique<routing::FeatureVector>();
  for (const auto& probe : probes) {
    record_features(probe, *features);
    loaded.predict(*features);  // fills the prior_* features the trees read
    rows.insert(rows.end(), features->values.begin(), features->values.end());
    ours_weak.push_back(loaded.weak_model().predict(features->values.data()));
    ours_strong.push_back(loaded.strong_model().predict(features->values.data()));
  }
  const auto theirs_weak = xgboost_predict(doc.at("models").at("weak"), rows);
  const auto theirs_strong = xgboost_predict(doc.at("models").at("strong"), rows);
  ASSERT_EQ(probes.size(), theirs_weak.size());
  ASSERT_EQ(probes.size(), theirs_strong.size());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    EXPECT_NEAR(theirs_weak[i], ours_weak[i], 1e-5) << "weak, probe " << i;
    EXPECT_NEAR(theirs_strong[i], ours_strong[i], 1e-5) << "strong, probe " << i;
  }
}

TEST_F(RouterTrainerTest, EvaluationHasEveryRouter) {
  const routing::PromptModel& loaded = *model_;
  const std::vector<LabelledRecord> sample(records_->begin(), records_->begin() + 60);
  const auto reports = evaluate_routers(sample, &loaded);
  ASSERT_EQ(4u, reports.size());
  EXPECT_EQ("governor", reports[0].router);
  EXPECT_EQ("random", reports[1].router);
  EXPECT_EQ("prompt-length", reports[2].router);
  EXPECT_EQ("oracle", reports[3].router);
  // 15 of 60 need the strong model: weak 45/60 = 0.75, strong 1.
  EXPECT_NEAR(0.75, reports[0].metrics.weak_quality, 1e-12);
  EXPECT_NEAR(1.0, reports[0].metrics.strong_quality, 1e-12);
  // The oracle at 0, .1, .2, .3: 0.75, 0.85, 0.95, 1 (all 15 gains by 25%), then 1.
  // Area .2 * (.75 + .95) / 2 + .1 * (.95 + 1) / 2 + .7 = 0.9675; APGR .2175 / .25 = 0.87.
  EXPECT_NEAR(0.87, reports[3].metrics.apgr, 1e-9);
  // The learned router ranks the integrals first; random is about 0.5.
  EXPECT_GT(reports[0].metrics.apgr, 0.75);
  EXPECT_GT(reports[0].metrics.apgr, reports[1].metrics.apgr + 0.2);
  EXPECT_EQ(11u, reports[3].curve.size());

  const std::string table = format_report("synthetic", reports);
  for (const char* text : {"synthetic", "APGR", "CPT(50%)", "CPT(80%)", "governor", "random",
                           "prompt-length", "oracle"}) {
    EXPECT_NE(std::string::npos, table.find(text)) << text << " in\n" << table;
  }

  // Without a model: the reference routers only.
  EXPECT_EQ(3u, evaluate_routers(sample, nullptr).size());
}

TEST(TrainPromptRouter, RefusesBadInput) {
  const auto empty = train_prompt_router({}, fast_options(), {});
  ASSERT_FALSE(empty);
  EXPECT_NE(std::string::npos, empty.error().message.find("no training records"));
  TrainOptions one_fold = fast_options();
  one_fold.prior_folds = 1;
  const auto refused = train_prompt_router({record("hi", 1, 1)}, one_fold, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(std::string::npos, refused.error().message.find("prior_folds"));
}

}  // namespace
}  // namespace governor::training
