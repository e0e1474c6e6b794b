#pragma once

#include <string>
#include <vector>

#include "governor/routing/prompt_model.hpp"
#include "governor/routing/route_metrics.hpp"
#include "governor/training/labelled_records.hpp"

namespace governor::training {

/** One router's line in an evaluation table. */
struct RouterReport {
  std::string router;
  routing::RouterMetrics metrics;
  std::vector<routing::CurvePoint> curve;
};

/** Scores `records` with the model (score = predicted strong-minus-weak gain) and with the
 *  reference routers RouteLLM compares against: random (mean over 20 seeded draws), prompt
 *  length (longer goes strong) and the oracle. */
std::vector<RouterReport> evaluate_routers(const std::vector<LabelledRecord>& records,
                                           const routing::PromptModel* model);

/** The model's gain score for each record. */
std::vector<double> model_scores(const std::vector<LabelledRecord>& records,
                                 const routing::PromptModel& model);

/** RouteLLM's table: router, APGR, CPT(50%), CPT(80%), plus the weak/strong reference scores. */
std::string format_report(const std::string& title, const std::vector<RouterReport>& reports);

}  // namespace governor::training
