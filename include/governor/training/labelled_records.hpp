#pragma once

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "governor/routing/features.hpp"
#include "governor/routing/route_metrics.hpp"
#include "governor/training/routellm_import.hpp"

namespace governor::training {

/** One labelled prompt: how well the weak and the strong model answered it. */
struct LabelledRecord {
  nlohmann::json messages;  ///< the conversation; a bare "prompt" becomes one user message
  routing::Outcome outcome;
  std::optional<double> weak_cost;  ///< dollars, when the record says
  std::optional<double> strong_cost;
  std::string category;  ///< optional grouping ("benchmark"/"category" fields)
};

/** Reads labelled JSONL: one object per line with "prompt" (string) or "messages" (array of
 *  chat messages), "weak" and "strong" scores in [0,1] (true/false accepted), and optional
 *  "weak_cost"/"strong_cost" (dollars, >= 0). Blank lines are skipped; other fields are
 *  ignored. Any bad line fails the whole file, naming the line and what is wrong. */
DataResult<std::vector<LabelledRecord>> load_labelled_records(const std::string& path);

/** The router features of a record (a first step, no task history). */
void record_features(const LabelledRecord& record, routing::FeatureVector& out);

/** The features of every record, in order. */
std::vector<routing::FeatureVector> record_feature_vectors(
    const std::vector<LabelledRecord>& records);

}  // namespace governor::training
