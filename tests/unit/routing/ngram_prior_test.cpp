// The n-gram prior's smoothed means on records with known bucket ids, worked by hand, and the
// model-file form: a round trip that changes nothing, and refusals of broken tables.
#include "governor/routing/ngram_prior.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace governor::routing {
namespace {

using nlohmann::json;
using Ids = std::vector<std::uint32_t>;

constexpr std::uint32_t B = kBigramFlag;
constexpr float kTolerance = 1e-6f;

/** Four records with smoothing k = 2:
 *    r0 {1, 2}       (1.0, 1)
 *    r1 {1, 3|B}     (0.0, 1)
 *    r2 {2, 2, 2}    (0.5, 1)   bucket 2 three times: counts once
 *    r3 {3|B, 4}     (1.0, 0)
 *  weak base (1 + 0 + 0.5 + 1) / 4 = 0.625, strong base 3 / 4 = 0.75;
 *  k * weak base = 1.25, k * strong base = 1.5. Cell = (sum + k * base) / (n + k):
 *    bucket 1: n 2, weak sum 1.0, strong sum 2 -> weak 2.25/4 = 0.5625, strong 3.5/4 = 0.875
 *    bucket 2: n 2, weak sum 1.5, strong sum 2 -> weak 2.75/4 = 0.6875, strong 0.875
 *    bucket 3: n 2, weak sum 1.0, strong sum 1 -> weak 0.5625,          strong 2.5/4 = 0.625
 *    bucket 4: n 1, weak sum 1.0, strong sum 0 -> weak 2.25/3 = 0.75,   strong 1.5/3 = 0.5
 *  evidence n / (n + k): 0.5 for buckets 1-3, 1/3 for bucket 4. */
const std::vector<Ids> kNgrams{{1, 2}, {1, 3 | B}, {2, 2, 2}, {3 | B, 4}};
const std::vector<Outcome> kOutcomes{{1.0, 1}, {0.0, 1}, {0.5, 1}, {1.0, 0}};
constexpr double kSmoothing = 2.0;

std::unique_ptr<FeatureVector> with_ngrams(const Ids& ids) {
  auto f = std::make_unique<FeatureVector>();
  f->values.fill(kMissing);
  for (const auto id : ids) {
    f->ngrams[f->ngram_count++] = id;
  }
  return f;
}

struct Priors {
  float weak;
  float strong;
  float gain;
  float coverage;
  float bigram_weak;
  float bigram_gain;
};

void expect_priors(const Priors& expected, const FeatureVector& f) {
  EXPECT_NEAR(expected.weak, f[Feature::prior_weak], kTolerance);
  EXPECT_NEAR(expected.strong, f[Feature::prior_strong], kTolerance);
  EXPECT_NEAR(expected.gain, f[Feature::prior_gain], kTolerance);
  EXPECT_NEAR(expected.coverage, f[Feature::prior_coverage], kTolerance);
  EXPECT_NEAR(expected.bigram_weak, f[Feature::prior_bigram_weak], kTolerance);
  EXPECT_NEAR(expected.bigram_gain, f[Feature::prior_bigram_gain], kTolerance);
}

TEST(NgramPrior, SmoothedMeansByHand) {
  const auto prior = NgramPrior::build(kNgrams, kOutcomes, kSmoothing);
  EXPECT_EQ(4u, prior.seen_buckets());

  struct Case {
    const char* name;
    Ids ids;
    Priors expected;
  };
  const std::vector<Case> cases{
      // Seen: 1, 3, 4; 99 unseen. weak (0.5625 + 0.5625 + 0.75) / 3 = 0.625,
      // strong (0.875 + 0.625 + 0.5) / 3 = 2/3, coverage (0.5 + 0.5 + 1/3) / 4 n-grams = 1/3.
      // Bigrams: 3|B only -> weak 0.5625, gain 0.625 - 0.5625 = 0.0625.
      {"mixed",
       {1, 3 | B, 4, 99},
       {0.625f, 2.0f / 3.0f, 2.0f / 3.0f - 0.625f, 1.0f / 3.0f, 0.5625f, 0.0625f}},
      // Bucket 2 alone: the duplicates in r2 counted once give n = 2, not 4.
      {"bucket 2", {2}, {0.6875f, 0.875f, 0.1875f, 0.5f, 0.625f, 0.125f}},
      // A bigram id reads the same cell as the unigram of its bucket, and feeds the bigram
      // priors: (0.5625 + 0.6875) / 2 = 0.625, strong 0.875.
      {"bigram ids", {1 | B, 2 | B}, {0.625f, 0.875f, 0.25f, 0.5f, 0.625f, 0.25f}},
      // Nothing seen: the base means, coverage 0; no seen bigram: bigram priors at the base.
      {"unseen only", {99, 100 | B}, {0.625f, 0.75f, 0.125f, 0.0f, 0.625f, 0.125f}},
      {"no n-grams", {}, {0.625f, 0.75f, 0.125f, 0.0f, 0.625f, 0.125f}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto f = with_ngrams(c.ids);
    prior.apply(*f);
    expect_priors(c.expected, *f);
    // Only the prior_* values are written.
    EXPECT_TRUE(std::isnan((*f)[Feature::input_tokens]));
  }
}

TEST(NgramPrior, MinCountLeavesRareNgramsOut) {
  // Bucket 4 is in one record only: with min_count 2 it is unseen.
  const auto prior = NgramPrior::build(kNgrams, kOutcomes, kSmoothing, 2);
  EXPECT_EQ(3u, prior.seen_buckets());
  auto f = with_ngrams({4});
  prior.apply(*f);
  expect_priors({0.625f, 0.75f, 0.125f, 0.0f, 0.625f, 0.125f}, *f);
}

/** The same apply() output, bit for bit, for a few n-gram lists. */
void expect_same_output(const NgramPrior& a, const NgramPrior& b) {
  for (const Ids& ids : {Ids{1, 3 | B, 4, 99}, Ids{2}, Ids{4 | B}, Ids{77}}) {
    auto fa = with_ngrams(ids);
    auto fb = with_ngrams(ids);
    a.apply(*fa);
    b.apply(*fb);
    EXPECT_EQ(0, std::memcmp(fa->values.data(), fb->values.data(), sizeof(float) * kFeatureCount));
  }
}

TEST(NgramPrior, JsonRoundTripChangesNothing) {
  const auto prior = NgramPrior::build(kNgrams, kOutcomes, kSmoothing);
  const json doc = prior.to_json();
  EXPECT_EQ(kNgramBuckets, doc.at("buckets").get<std::uint32_t>());
  EXPECT_EQ(4u, doc.at("bucket").size());
  // Through text, as a model file goes.
  const auto loaded = NgramPrior::from_json(json::parse(doc.dump()));
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(prior.seen_buckets(), loaded->seen_buckets());
  expect_same_output(prior, *loaded);
  EXPECT_EQ(doc, loaded->to_json());
}

TEST(NgramPrior, FromJsonRefusesBrokenTables) {
  const json valid = NgramPrior::build(kNgrams, kOutcomes, kSmoothing).to_json();
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    const char* message;
  };
  const std::vector<Case> cases{
      {"wrong bucket count", [](json& d) { d["buckets"] = 1024; }, "buckets must be"},
      {"short count array", [](json& d) { d["count"].erase(0); }, "differ in length"},
      {"long weak_sum", [](json& d) { d["weak_sum"].push_back(1.0); }, "differ in length"},
      {"bucket out of range", [](json& d) { d["bucket"][0] = kNgramBuckets; },
       "bad bucket or count"},
      {"zero count", [](json& d) { d["count"][1] = 0; }, "bad bucket or count"},
      {"zero smoothing", [](json& d) { d["smoothing"] = 0.0; }, "smoothing must be > 0"},
      {"negative smoothing", [](json& d) { d["smoothing"] = -1.0; }, "smoothing must be > 0"},
      {"missing field", [](json& d) { d.erase("strong_base"); }, "ngram_prior"},
      {"wrong type", [](json& d) { d["bucket"] = "many"; }, "ngram_prior"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = valid;
    c.edit(doc);
    const auto loaded = NgramPrior::from_json(doc);
    ASSERT_FALSE(loaded);
    EXPECT_NE(std::string::npos, loaded.error().find(c.message)) << loaded.error();
  }
}

}  // namespace
}  // namespace governor::routing
