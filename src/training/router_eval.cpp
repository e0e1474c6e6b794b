#include "governor/training/router_eval.hpp"

#include <cstdio>
#include <memory>
#include <random>

namespace governor::training {

namespace {

std::vector<routing::Outcome> outcomes_of(const std::vector<LabelledRecord>& records) {
  std::vector<routing::Outcome> outcomes;
  outcomes.reserve(records.size());
  for (const auto& r : records) {
    outcomes.push_back(r.outcome);
  }
  return outcomes;
}

/** Total characters of the conversation's text: the prompt-length baseline's score. */
double text_length(const LabelledRecord& record) {
  double length = 0.0;
  for (const auto& message : record.messages) {
    const auto content = message.find("content");
    if (content != message.end() && content->is_string()) {
      length += static_cast<double>(content->get_ref<const std::string&>().size());
    }
  }
  return length;
}

RouterReport report_for(std::string name, const std::vector<double>& scores,
                        const std::vector<routing::Outcome>& outcomes) {
  RouterReport report{std::move(name), {}, routing::threshold_curve(scores, outcomes)};
  report.metrics = routing::summarize_curve(report.curve, outcomes);
  return report;
}

/** Random routing has a spread; its mean over seeded draws is the fair baseline. */
RouterReport random_report(const std::vector<routing::Outcome>& outcomes) {
  constexpr int kDraws = 20;
  RouterReport mean{"random", {}, {}};
  mean.metrics.cpt50 = 0.0;
  mean.metrics.cpt80 = 0.0;
  std::mt19937_64 generator(20240601);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int draw = 0; draw < kDraws; ++draw) {
    std::vector<double> scores(outcomes.size());
    for (auto& s : scores) {
      s = uniform(generator);
    }
    const RouterReport one = report_for("random", scores, outcomes);
    mean.metrics.apgr += one.metrics.apgr / kDraws;
    mean.metrics.cpt50 += one.metrics.cpt50 / kDraws;
    mean.metrics.cpt80 += one.metrics.cpt80 / kDraws;
    mean.metrics.weak_quality = one.metrics.weak_quality;
    mean.metrics.strong_quality = one.metrics.strong_quality;
  }
  return mean;
}

}  // namespace

std::vector<double> model_scores(const std::vector<LabelledRecord>& records,
                                 const routing::PromptModel& model) {
  std::vector<double> scores;
  scores.reserve(records.size());
  auto features = std::make_unique<routing::FeatureVector>();
  for (const auto& record : records) {
    record_features(record, *features);
    scores.push_back(model.predict(*features).gain());
  }
  return scores;
}

std::vector<RouterReport> evaluate_routers(const std::vector<LabelledRecord>& records,
                                           const routing::PromptModel* model) {
  const auto outcomes = outcomes_of(records);
  std::vector<RouterReport> reports;
  if (model != nullptr) {
    reports.push_back(report_for("governor", model_scores(records, *model), outcomes));
  }
  reports.push_back(random_report(outcomes));
  std::vector<double> lengths;
  for (const auto& r : records) {
    lengths.push_back(text_length(r));
  }
  reports.push_back(report_for("prompt-length", lengths, outcomes));
  RouterReport oracle{"oracle", {}, routing::oracle_curve(outcomes)};
  oracle.metrics = routing::summarize_curve(oracle.curve, outcomes);
  reports.push_back(std::move(oracle));
  return reports;
}

std::string format_report(const std::string& title, const std::vector<RouterReport>& reports) {
  std::string out = title + "\n";
  char line[160];
  if (!reports.empty()) {
    const auto& m = reports.front().metrics;
    std::snprintf(line, sizeof line, "  weak %.3f, strong %.3f\n", m.weak_quality,
                  m.strong_quality);
    out += line;
  }
  std::snprintf(line, sizeof line, "  %-14s %7s %9s %9s\n", "router", "APGR", "CPT(50%)",
                "CPT(80%)");
  out += line;
  for (const auto& r : reports) {
    std::snprintf(line, sizeof line, "  %-14s %7.3f %8.1f%% %8.1f%%\n", r.router.c_str(),
                  r.metrics.apgr, 100.0 * r.metrics.cpt50, 100.0 * r.metrics.cpt80);
    out += line;
  }
  return out;
}

}  // namespace governor::training
