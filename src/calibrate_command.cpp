#include "calibrate_command.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "governor/cascade/calibration.hpp"
#include "governor/config/policy_loader.hpp"

namespace governor::commands {
namespace {

using nlohmann::json;

struct CalibrateArgs {
  std::string data;
  double alpha = 0.05;
  std::vector<std::string> signals{"uncertainty"};
  double holdout = 0.3;
  std::uint64_t seed = 1;
  std::string policy;  ///< policy file to start from
  std::string out;     ///< policy file to write
  std::string step = "act";
};

/** The policy key each signal's threshold is written to. */
const char* accept_key(const std::string& signal) {
  return signal == "uncertainty" ? "max_uncertainty" : "max_entropy";
}

/** Reads `{"signals": {name: number, ...}, "acceptable": bool}` lines; the first bad line is
 *  reported with its number and nothing is returned. */
bool read_records(const CalibrateArgs& args, std::vector<cascade::CalibrationRecord>& out) {
  std::ifstream in{args.data};
  if (!in) {
    std::cerr << "calibrate: cannot open " << args.data << "\n";
    return false;
  }
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    const auto fail = [&](const std::string& why) {
      std::cerr << args.data << ":" << number << ": " << why << "\n";
      return false;
    };
    const json record = json::parse(line, nullptr, false);
    if (!record.is_object()) {
      return fail("not a JSON object");
    }
    const auto acceptable = record.find("acceptable");
    if (acceptable == record.end() || !acceptable->is_boolean()) {
      return fail("'acceptable' must be true or false");
    }
    const auto signals = record.find("signals");
    if (signals == record.end() || !signals->is_object()) {
      return fail("'signals' must be an object");
    }
    cascade::CalibrationRecord r;
    r.acceptable = acceptable->get<bool>();
    for (const auto& name : args.signals) {
      const auto value = signals->find(name);
      if (value == signals->end() || !value->is_number()) {
        return fail("signals." + name + " must be a number");
      }
      r.scores.push_back(value->get<double>());
    }
    out.push_back(std::move(r));
  }
  return true;
}

/** Writes `thresholds` into a copy of the policy as routing.steps.<step>.{cascade, accept},
 *  then checks the result loads as a policy. */
bool write_policy(const CalibrateArgs& args, const cascade::AcceptThresholds& thresholds,
                  const std::string& provenance) {
  YAML::Node policy;
  try {
    policy = YAML::LoadFile(args.policy);
  } catch (const YAML::Exception& e) {
    std::cerr << "calibrate: cannot read " << args.policy << ": " << e.what() << "\n";
    return false;
  }
  // A model path is relative to its policy file: keep it pointing at the same file from `out`.
  if (YAML::Node model = policy["routing"]["model"]; model && model.IsScalar()) {
    const std::filesystem::path path{model.as<std::string>()};
    if (path.is_relative()) {
      const auto from = std::filesystem::absolute(args.policy).parent_path() / path;
      const auto to_dir = std::filesystem::absolute(args.out).parent_path();
      model = std::filesystem::relative(from, to_dir).string();
    }
  }
  YAML::Node rule = policy["routing"]["steps"][args.step];
  rule["cascade"] = true;
  for (std::size_t j = 0; j < args.signals.size(); ++j) {
    rule["accept"][accept_key(args.signals[j])] = thresholds.max_score[j];
  }
  YAML::Emitter emitter;
  emitter.SetDoublePrecision(6);  // as printed in the report
  emitter << policy;
  const std::string text = "# " + provenance + "\n" + emitter.c_str() + "\n";
  const auto loaded = config::load_policy_text(text, args.out);
  if (!loaded.policies) {
    for (const auto& e : loaded.errors) {
      std::cerr << e.to_string() << "\n";
    }
    std::cerr << "calibrate: the calibrated policy does not load; nothing written\n";
    return false;
  }
  std::ofstream out{args.out};
  out << text;
  if (!out.flush()) {
    std::cerr << "calibrate: cannot write " << args.out << "\n";
    return false;
  }
  return true;
}

int run_calibrate(const CalibrateArgs& args) {
  std::vector<cascade::CalibrationRecord> records;
  if (!read_records(args, records)) {
    return 1;
  }
  std::vector<cascade::CalibrationRecord> calibration, test;
  cascade::split_records(records, args.holdout, args.seed, calibration, test);
  if (calibration.empty()) {
    std::cerr << "calibrate: no calibration records left after the " << args.holdout
              << " hold-out\n";
    return 1;
  }
  const auto thresholds = cascade::calibrate_thresholds(calibration, args.alpha);
  std::printf("calibrated on %zu records, held out %zu (seed %llu), alpha %.4g\n",
              calibration.size(), test.size(), static_cast<unsigned long long>(args.seed),
              args.alpha);
  if (thresholds.level <= 0.0) {
    std::printf(
        "no threshold keeps the risk under alpha with %zu records (needs alpha >= "
        "1/(n+1) = %.4g): every cheap answer would escalate\n",
        calibration.size(), 1.0 / (static_cast<double>(calibration.size()) + 1.0));
  }
  for (std::size_t j = 0; j < args.signals.size(); ++j) {
    std::printf("  %-12s <= %.6g\n", args.signals[j].c_str(),
                thresholds.level > 0 ? thresholds.max_score[j] : 0.0);
  }
  const auto on_calibration = cascade::rates_of(thresholds, calibration);
  std::printf("%-12s %10s %12s\n", "split", "risk", "escalation");
  std::printf("%-12s %10.4f %12.4f\n", "calibration", on_calibration.risk,
              on_calibration.escalation);
  if (!test.empty()) {
    const auto on_test = cascade::rates_of(thresholds, test);
    std::printf("%-12s %10.4f %12.4f\n", "held-out", on_test.risk, on_test.escalation);
  }
  std::printf(
      "risk = share of answers accepted although not acceptable; guaranteed <= alpha "
      "in expectation for answers exchangeable with the calibration records\n");
  if (!args.out.empty()) {
    std::ostringstream provenance;
    provenance << "governor calibrate --alpha " << args.alpha << " --data " << args.data
               << ": routing.steps." << args.step << ".accept";
    if (!write_policy(args, thresholds, provenance.str())) {
      return 1;
    }
    std::printf("wrote %s\n", args.out.c_str());
  }
  return 0;
}

}  // namespace

std::function<int()> add_calibrate_command(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* cmd = app.add_subcommand(
      "calibrate", "Cascade acceptance thresholds by conformal risk control (docs/routing.md)");
  cmd->add_option("--data", args->data,
                  "JSONL: {\"signals\":{\"uncertainty\":u,\"entropy\":h},\"acceptable\":bool}")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--alpha", args->alpha, "Largest accepted-but-wrong rate")
      ->check(CLI::Range(1e-6, 1.0))
      ->capture_default_str();
  cmd->add_option("--signals", args->signals, "Signals to threshold")
      ->check(CLI::IsMember({"uncertainty", "entropy"}))
      ->capture_default_str();
  cmd->add_option("--holdout", args->holdout, "Share held out to report risk on")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Split seed")->capture_default_str();
  auto* policy = cmd->add_option("--policy", args->policy, "Policy file to start from")
                     ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Policy file to write with the thresholds")->needs(policy);
  policy->needs(cmd->get_option("--out"));
  cmd->add_option("--step", args->step, "Step type whose rule gets the thresholds")
      ->check(CLI::IsMember({"plan", "act", "tool", "verify", "summarize", "handoff"}))
      ->capture_default_str();
  return [cmd, args]() -> int { return *cmd ? run_calibrate(*args) : -1; };
}

}  // namespace governor::commands
