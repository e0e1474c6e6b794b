#include "router_commands.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "governor/routing/prompt_model.hpp"
#include "governor/training/labelled_records.hpp"
#include "governor/training/routellm_import.hpp"
#include "governor/training/router_eval.hpp"
#include "governor/training/router_trainer.hpp"

namespace governor::commands {

namespace {

struct ImportArgs {
  std::string dir;
  std::string out;
  double test_fraction = 0.3;
};

struct TrainArgs {
  std::vector<std::string> data;
  std::string out;
  training::TrainOptions options;
};

struct EvalArgs {
  std::vector<std::string> data;
  std::string model = "policies/models/prompt_router.json";
};

/** Converts RouteLLM's evaluation data into labelled JSONL; prints progress and a summary per
 *  benchmark, or the first data error (file:line: message). */
int run_import(const ImportArgs& args) {
  training::ImportOptions options;
  options.dir = args.dir;
  options.out = args.out;
  options.test_fraction = args.test_fraction;
  options.progress = [](std::string_view line) { std::cout << line << "\n"; };
  auto imported = training::import_routellm(options);
  if (!imported) {
    std::cerr << "import-routellm: " << imported.error().to_string() << "\n";
    return 1;
  }
  for (const auto& b : imported->benchmarks) {
    std::printf(
        "%-8s read %zu, contaminated %zu, kept %zu (%zu distinct prompts), train %zu, test %zu, "
        "weak %.1f%%, strong %.1f%%\n",
        b.name.c_str(), b.rows_read, b.contaminated, b.kept, b.distinct_prompts, b.train, b.test,
        100 * b.weak_mean, 100 * b.strong_mean);
    if (b.name == "mt_bench") {  // labels are judge scores rescaled from 1..10
      std::printf("%-8s on the judge's 1-10 scale: weak %.2f, strong %.2f\n", "",
                  1 + 9 * b.weak_mean, 1 + 9 * b.strong_mean);
    }
  }
  std::cout << "wrote " << imported->written.size() << " files to " << args.out << "\n";
  return 0;
}

/** Loads every file or reports the first error. */
std::optional<std::vector<training::LabelledRecord>> load_all(const std::vector<std::string>& files,
                                                              const char* command) {
  std::vector<training::LabelledRecord> records;
  for (const auto& file : files) {
    auto loaded = training::load_labelled_records(file);
    if (!loaded) {
      std::cerr << command << ": " << loaded.error().to_string() << "\n";
      return std::nullopt;
    }
    std::cout << file << ": " << loaded->size() << " records\n";
    records.insert(records.end(), std::make_move_iterator(loaded->begin()),
                   std::make_move_iterator(loaded->end()));
  }
  return records;
}

int run_train(const TrainArgs& args) {
  const auto records = load_all(args.data, "train");
  if (!records) {
    return 1;
  }
  const auto progress = [](const std::string& model, int done, int total) {
    std::cout << "  " << model << ": " << done << "/" << total << " rounds\n" << std::flush;
  };
  auto text = training::train_prompt_router(*records, args.options, args.data, progress);
  if (!text) {
    std::cerr << "train: " << text.error().to_string() << "\n";
    return 1;
  }
  // Temp file + rename: a server reloading the model never reads half a file.
  const std::string temp = args.out + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << *text << "\n";
    if (!out.flush()) {
      std::cerr << "train: cannot write " << temp << "\n";
      return 1;
    }
  }
  if (std::rename(temp.c_str(), args.out.c_str()) != 0) {
    std::cerr << "train: cannot rename " << temp << " to " << args.out << "\n";
    return 1;
  }
  std::cout << "wrote " << args.out << " (" << text->size() << " bytes, " << records->size()
            << " records)\n";
  return 0;
}

int run_eval(const EvalArgs& args) {
  auto model = routing::PromptModel::load_file(args.model);
  if (!model) {
    std::cerr << "eval: " << model.error() << "\n";
    return 1;
  }
  std::cout << "model " << args.model << "\n";
  for (const auto& file : args.data) {
    const auto records = load_all({file}, "eval");
    if (!records) {
      return 1;
    }
    const auto reports = training::evaluate_routers(*records, &*model);
    std::cout << training::format_report(file, reports) << std::flush;
  }
  return 0;
}

}  // namespace

std::function<int()> add_router_commands(CLI::App& app) {
  auto import_args = std::make_shared<ImportArgs>();
  auto* import_cmd = app.add_subcommand(
      "import-routellm", "Convert RouteLLM's evaluation data into labelled JSONL for the router");
  import_cmd->add_option("--dir", import_args->dir, "RouteLLM data directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  import_cmd->add_option("--out", import_args->out, "Output directory (created if missing)")
      ->required();
  import_cmd
      ->add_option("--test-fraction", import_args->test_fraction,
                   "Share of prompts (by hash) in the test split")
      ->check(CLI::Range(0.0, 1.0));

  auto train_args = std::make_shared<TrainArgs>();
  auto& options = train_args->options;
  auto* train_cmd = app.add_subcommand(
      "train", "Train the prompt router from labelled JSONL ({prompt|messages, weak, strong})");
  train_cmd->add_option("--data", train_args->data, "Labelled JSONL file (repeatable)")
      ->required()
      ->check(CLI::ExistingFile);
  train_cmd->add_option("--out", train_args->out, "Model file to write")->required();
  train_cmd->add_option("--rounds", options.rounds, "Boosting rounds per model")
      ->check(CLI::Range(1, 100000));
  train_cmd->add_option("--max-depth", options.max_depth, "Tree depth")->check(CLI::Range(1, 16));
  train_cmd->add_option("--eta", options.eta, "Learning rate")->check(CLI::Range(1e-4, 1.0));
  train_cmd
      ->add_option("--prior-smoothing", options.prior_smoothing,
                   "Pseudo-counts of the n-gram prior")
      ->check(CLI::Range(1e-3, 1e6));
  train_cmd->add_option("--seed", options.seed, "Random seed");

  auto eval_args = std::make_shared<EvalArgs>();
  auto* eval_cmd = app.add_subcommand(
      "eval", "Score a router on labelled JSONL with RouteLLM's metrics (APGR, CPT)");
  eval_cmd->add_option("--data", eval_args->data, "Labelled JSONL file (repeatable)")
      ->required()
      ->check(CLI::ExistingFile);
  eval_cmd->add_option("--model", eval_args->model, "Model file (default: the shipped router)")
      ->capture_default_str();

  return [=]() -> int {
    if (*import_cmd) {
      return run_import(*import_args);
    }
    if (*train_cmd) {
      return run_train(*train_args);
    }
    if (*eval_cmd) {
      return run_eval(*eval_args);
    }
    return -1;
  };
}

}  // namespace governor::commands
