#include "governor/routing/prompt_model.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace governor::routing {

namespace {
using ModelResult = boost::system::result<PromptModel, std::string>;
}  // namespace

ModelResult PromptModel::parse(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return std::string("not a JSON object");
  }
  // Typed reads: json::value() throws type_error when a field has another type.
  const auto string_field = [&doc](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (string_field("format") != "governor-prompt-router") {
    return std::string("format is not \"governor-prompt-router\" (write one with governor train)");
  }
  if (const auto version = doc.find("version");
      version == doc.end() || !version->is_number_integer() || *version != 1) {
    return std::string("unsupported version (this build reads version 1)");
  }
  const std::string layout = string_field("feature_layout");
  if (layout != kFeatureLayout) {
    return "feature_layout \"" + layout + "\" does not match this build's \"" +
           std::string(kFeatureLayout) + "\": retrain the model";
  }
  const auto models = doc.find("models");
  if (models == doc.end() || !models->is_object() || !models->contains("weak") ||
      !models->contains("strong")) {
    return std::string("models.weak and models.strong are required");
  }
  PromptModel model;
  const auto prior = doc.find("ngram_prior");
  if (prior == doc.end()) {
    return std::string("ngram_prior is required");
  }
  auto table = NgramPrior::from_json(*prior);
  if (!table) {
    return table.error();
  }
  model.prior_ = std::move(*table);
  for (const char* name : {"weak", "strong"}) {
    auto ensemble = TreeEnsemble::from_xgboost(models->at(name), kFeatureCount);
    if (!ensemble) {
      return "models." + std::string(name) + ": " + ensemble.error();
    }
    (std::string_view(name) == "weak" ? model.weak_ : model.strong_) = std::move(*ensemble);
  }
  if (const auto training = doc.find("training"); training != doc.end()) {
    model.training_summary_ = training->dump();
  }
  return model;
}

ModelResult PromptModel::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return path + ": cannot be read";
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto model = parse(text.str());
  if (!model) {
    return path + ": " + model.error();
  }
  return model;
}

SuccessPrediction PromptModel::predict(FeatureVector& features) const noexcept {
  prior_.apply(features);
  return {weak_.predict(features.values.data()), strong_.predict(features.values.data())};
}

}  // namespace governor::routing
