#include "governor/training/routellm_import.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "csv_reader.hpp"

namespace governor::training {

namespace fs = std::filesystem;
using nlohmann::json;

std::string DataError::to_string() const {
  if (file.empty()) {
    return message;
  }
  if (line == 0) {
    return file + ": " + message;
  }
  return file + ":" + std::to_string(line) + ": " + message;
}

void throw_exception_from_error(const DataError& error, const boost::source_location&) {
  throw std::runtime_error(error.to_string());
}

std::uint64_t fnv1a_64(std::string_view text) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool in_test_split(std::string_view prompt, double test_fraction) noexcept {
  // Rounded to whole per-mille buckets, so 0.3 means exactly buckets 0..299 whatever the
  // floating-point product comes to.
  const auto buckets =
      static_cast<std::uint64_t>(std::llround(std::clamp(test_fraction, 0.0, 1.0) * 1000));
  return fnv1a_64(prompt) % 1000 < buckets;
}

namespace {

// The pair RouteLLM evaluated: these are the column names in the CSVs and the `model` values in
// the MT-Bench judgements.
constexpr std::string_view kWeak = "mistralai/Mixtral-8x7B-Instruct-v0.1";
constexpr std::string_view kStrong = "gpt-4-1106-preview";

/** One labelled prompt: scores in [0,1] for each model. */
struct Record {
  std::string prompt;
  double weak = 0;
  double strong = 0;
  std::string category;
};

struct Benchmark {
  BenchmarkSummary summary;
  std::vector<Record> records;  ///< kept ones only, in input order
};

using Progress = std::function<void(std::string_view)>;

void report(const Progress& progress, const std::string& line) {
  if (progress) {
    progress(line);
  }
}

/** Keeps a bad cell readable in an error message. */
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 60;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

DataResult<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return DataError{path.string(), 0, "cannot open the file (missing or unreadable)"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return DataError{path.string(), 0, "read error"};
  }
  return std::move(text).str();
}

struct JsonLine {
  std::size_t line = 0;
  json value;
};

/** One JSON object per non-empty line. */
DataResult<std::vector<JsonLine>> read_jsonl(const fs::path& path) {
  auto text = read_text(path);
  if (!text) {
    return text.error();
  }
  std::vector<JsonLine> lines;
  std::istringstream in(*text);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_object()) {
      return DataError{path.string(), number, "not a JSON object"};
    }
    lines.push_back({number, std::move(value)});
  }
  return lines;
}

/** The `eval_prompt` of each line of a *_contaminated_prompts.jsonl file. */
DataResult<std::unordered_set<std::string>> read_contaminated(const fs::path& path) {
  auto lines = read_jsonl(path);
  if (!lines) {
    return lines.error();
  }
  std::unordered_set<std::string> prompts;
  for (const auto& [number, value] : *lines) {
    const auto it = value.find("eval_prompt");
    if (it == value.end() || !it->is_string()) {
      return DataError{path.string(), number, "no string field \"eval_prompt\""};
    }
    prompts.insert(it->get<std::string>());
  }
  return prompts;
}

DataResult<double> parse_correct(std::string_view cell, std::string_view column,
                                 const fs::path& path, std::size_t line) {
  if (cell == "True") {
    return 1.0;
  }
  if (cell == "False") {
    return 0.0;
  }
  return DataError{path.string(), line,
                   "column \"" + std::string(column) + "\": expected True or False, got \"" +
                       excerpt(cell) + "\""};
}

/** Reads a `prompt,<weak>,<strong>[,...]` CSV (GSM8K, MMLU) into `bench`, dropping
 *  contaminated prompts. Columns are found by name; any others (responses) are ignored. */
DataResult<std::size_t> read_correctness_csv(const fs::path& path, const std::string& category,
                                             const std::unordered_set<std::string>& contaminated,
                                             Benchmark& bench) {
  auto text = read_text(path);
  if (!text) {
    return text.error();
  }
  auto rows = parse_csv(*text);
  if (!rows) {
    return DataError{path.string(), rows.error().line, rows.error().message};
  }
  if (rows->empty()) {
    return DataError{path.string(), 0, "empty file: no header row"};
  }
  const std::vector<std::string>& header = rows->front().fields;
  const auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    if (std::count(header.begin(), header.end(), name) != 1) {
      return std::nullopt;
    }
    return std::find(header.begin(), header.end(), name) - header.begin();
  };
  const auto prompt_col = column("prompt");
  const auto weak_col = column(kWeak);
  const auto strong_col = column(kStrong);
  if (!prompt_col || !weak_col || !strong_col) {
    std::string got;
    for (const auto& name : header) {
      got += (got.empty() ? "" : ", ") + excerpt(name);
    }
    return DataError{path.string(), rows->front().line,
                     "unknown column layout: expected one each of prompt, " + std::string(kWeak) +
                         ", " + std::string(kStrong) + "; got: " + got};
  }
  for (auto row = rows->begin() + 1; row != rows->end(); ++row) {
    if (row->fields.size() != header.size()) {
      return DataError{path.string(), row->line,
                       "expected " + std::to_string(header.size()) +
                           " fields as in the header, got " + std::to_string(row->fields.size())};
    }
    auto weak = parse_correct(row->fields[*weak_col], kWeak, path, row->line);
    if (!weak) {
      return weak.error();
    }
    auto strong = parse_correct(row->fields[*strong_col], kStrong, path, row->line);
    if (!strong) {
      return strong.error();
    }
    ++bench.summary.rows_read;
    std::string& prompt = row->fields[*prompt_col];
    if (contaminated.contains(prompt)) {
      ++bench.summary.contaminated;
      continue;
    }
    bench.records.push_back({std::move(prompt), *weak, *strong, category});
  }
  ++bench.summary.files;
  return rows->size() - 1;
}

DataResult<Benchmark> import_gsm8k(const fs::path& dir, const Progress& progress) {
  auto contaminated = read_contaminated(dir / "gsm8k_contaminated_prompts.jsonl");
  if (!contaminated) {
    return contaminated.error();
  }
  Benchmark bench;
  bench.summary.name = "gsm8k";
  const fs::path path = dir / "gsm8k_gsm8k_responses.csv";
  auto rows = read_correctness_csv(path, "gsm8k", *contaminated, bench);
  if (!rows) {
    return rows.error();
  }
  report(progress, "gsm8k: " + std::to_string(*rows) + " rows from " + path.filename().string());
  return bench;
}

/** mmlu_responses/mmlu_<subject>.csv, sorted by name so that the output order is stable. */
DataResult<std::vector<fs::path>> list_mmlu_files(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.starts_with("mmlu_") && name.ends_with(".csv")) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return DataError{dir.string(), 0, "cannot list the directory: " + ec.message()};
  }
  if (files.empty()) {
    return DataError{dir.string(), 0, "no mmlu_<subject>.csv files"};
  }
  std::sort(files.begin(), files.end());
  return files;
}

DataResult<Benchmark> import_mmlu(const fs::path& dir, const Progress& progress) {
  auto contaminated = read_contaminated(dir / "mmlu_contaminated_prompts.jsonl");
  if (!contaminated) {
    return contaminated.error();
  }
  auto files = list_mmlu_files(dir / "mmlu_responses");
  if (!files) {
    return files.error();
  }
  Benchmark bench;
  bench.summary.name = "mmlu";
  for (const fs::path& path : *files) {
    const std::string stem = path.stem().string();
    auto rows = read_correctness_csv(path, stem.substr(std::string_view("mmlu_").size()),
                                     *contaminated, bench);
    if (!rows) {
      return rows.error();
    }
  }
  report(progress, "mmlu: " + std::to_string(bench.summary.rows_read) + " rows from " +
                       std::to_string(files->size()) + " subject files");
  return bench;
}

struct Question {
  std::size_t line = 0;
  std::int64_t id = 0;
  std::string category;
  std::string turn1;
  std::string turn2;
};

DataResult<std::vector<Question>> read_questions(const fs::path& path) {
  auto lines = read_jsonl(path);
  if (!lines) {
    return lines.error();
  }
  std::vector<Question> questions;
  std::unordered_set<std::int64_t> seen;
  for (const auto& [number, value] : *lines) {
    const auto id = value.find("question_id");
    const auto category = value.find("category");
    const auto turns = value.find("turns");
    if (id == value.end() || !id->is_number_integer() || category == value.end() ||
        !category->is_string() || turns == value.end() || !turns->is_array() ||
        turns->size() != 2 || !(*turns)[0].is_string() || !(*turns)[1].is_string()) {
      return DataError{path.string(), number,
                       "expected question_id (integer), category (string) and turns (two "
                       "strings)"};
    }
    if (!seen.insert(id->get<std::int64_t>()).second) {
      return DataError{path.string(), number,
                       "question_id " + std::to_string(id->get<std::int64_t>()) + " repeats"};
    }
    questions.push_back({number, id->get<std::int64_t>(), category->get<std::string>(),
                         (*turns)[0].get<std::string>(), (*turns)[1].get<std::string>()});
  }
  return questions;
}

/** Judge scores (1-10) of the weak [0] and strong [1] model, per turn [0..1], per question. */
using TurnScores = std::array<std::array<std::optional<double>, 2>, 2>;

DataResult<std::map<std::int64_t, TurnScores>> read_judgements(const fs::path& path) {
  auto lines = read_jsonl(path);
  if (!lines) {
    return lines.error();
  }
  std::map<std::int64_t, TurnScores> scores;
  for (const auto& [number, value] : *lines) {
    const auto model = value.find("model");
    if (model == value.end() || !model->is_string()) {
      return DataError{path.string(), number, "no string field \"model\""};
    }
    const std::string name = model->get<std::string>();
    if (name != kWeak && name != kStrong) {
      continue;  // another model's judgement: not part of this pair
    }
    const auto id = value.find("question_id");
    const auto turn = value.find("turn");
    const auto score = value.find("score");
    if (id == value.end() || !id->is_number_integer() || turn == value.end() ||
        !turn->is_number_integer() || score == value.end() || !score->is_number()) {
      return DataError{path.string(), number,
                       "expected question_id (integer), turn (integer) and score (number)"};
    }
    const auto turn_no = turn->get<std::int64_t>();
    const auto score_value = score->get<double>();
    if (turn_no != 1 && turn_no != 2) {
      return DataError{path.string(), number, "turn must be 1 or 2"};
    }
    // FastChat writes -1 when the judge's reply held no rating; such a row is no label.
    if (!(score_value >= 1 && score_value <= 10)) {
      return DataError{path.string(), number, "score must be in [1, 10]"};
    }
    auto& slot = scores[id->get<std::int64_t>()][name == kWeak ? 0 : 1][turn_no - 1];
    if (slot) {
      return DataError{path.string(), number,
                       "a second judgement of the same question, model and turn"};
    }
    slot = score_value;
  }
  return scores;
}

DataResult<Benchmark> import_mt_bench(const fs::path& dir, const Progress& progress) {
  auto contaminated = read_contaminated(dir / "mt_bench_contaminated_prompts.jsonl");
  if (!contaminated) {
    return contaminated.error();
  }
  const fs::path questions_path = dir / "mt_bench_question.jsonl";
  auto questions = read_questions(questions_path);
  if (!questions) {
    return questions.error();
  }
  const fs::path judgements_path = dir / "mt_bench_judgements.jsonl";
  auto judgements = read_judgements(judgements_path);
  if (!judgements) {
    return judgements.error();
  }
  Benchmark bench;
  bench.summary.name = "mt_bench";
  bench.summary.files = 2;
  for (Question& q : *questions) {
    ++bench.summary.rows_read;
    // As RouteLLM's benchmarks.py: a question goes if either turn is a contaminated prompt.
    if (contaminated->contains(q.turn1) || contaminated->contains(q.turn2)) {
      ++bench.summary.contaminated;
      continue;
    }
    std::array<double, 2> label{};
    const auto found = judgements->find(q.id);
    for (int model = 0; model < 2; ++model) {
      for (int turn = 0; turn < 2; ++turn) {
        if (found == judgements->end() || !found->second[model][turn]) {
          return DataError{judgements_path.string(), 0,
                           "no turn-" + std::to_string(turn + 1) + " judgement of " +
                               std::string(model == 0 ? kWeak : kStrong) + " for question " +
                               std::to_string(q.id)};
        }
      }
      const double mean = (*found->second[model][0] + *found->second[model][1]) / 2;
      label[model] = (mean - 1) / 9;  // judge scale 1..10 onto [0,1]
    }
    // RouteLLM routes MT-Bench on the first turn alone, so that is the prompt to learn from.
    bench.records.push_back({std::move(q.turn1), label[0], label[1], std::move(q.category)});
  }
  report(progress, "mt_bench: " + std::to_string(bench.summary.rows_read) + " questions from " +
                       questions_path.filename().string() + ", judgements from " +
                       judgements_path.filename().string());
  return bench;
}

void summarize(Benchmark& bench, double test_fraction) {
  BenchmarkSummary& s = bench.summary;
  s.kept = bench.records.size();
  std::unordered_set<std::string_view> distinct;
  double weak = 0;
  double strong = 0;
  for (const Record& r : bench.records) {
    distinct.insert(r.prompt);
    (in_test_split(r.prompt, test_fraction) ? s.test : s.train) += 1;
    weak += r.weak;
    strong += r.strong;
  }
  s.distinct_prompts = distinct.size();
  if (s.kept > 0) {
    s.weak_mean = weak / static_cast<double>(s.kept);
    s.strong_mean = strong / static_cast<double>(s.kept);
  }
}

/** A whole-number score is written as an integer (True/False labels come out as 1 and 0). */
json score_json(double score) {
  if (score == std::floor(score)) {
    return static_cast<std::int64_t>(score);
  }
  return score;
}

std::string record_line(const Record& r, const std::string& benchmark) {
  nlohmann::ordered_json j;
  j["prompt"] = r.prompt;
  j["weak"] = score_json(r.weak);
  j["strong"] = score_json(r.strong);
  j["benchmark"] = benchmark;
  j["category"] = r.category;
  // Replace, not throw: a prompt with invalid UTF-8 still yields a line.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/** Writes the three files of one benchmark (all, train, test) as temporaries; `pending` gets
 *  (temporary, final) pairs for the rename at the end. */
std::optional<DataError> write_benchmark(const Benchmark& bench, const fs::path& out,
                                         double test_fraction,
                                         std::vector<std::pair<fs::path, fs::path>>& pending) {
  const std::string& name = bench.summary.name;
  const std::array<fs::path, 3> finals{out / (name + ".jsonl"), out / (name + ".train.jsonl"),
                                       out / (name + ".test.jsonl")};
  std::array<std::ofstream, 3> files;
  for (std::size_t i = 0; i < finals.size(); ++i) {
    const fs::path tmp = out / ("." + finals[i].filename().string() + ".tmp");
    pending.emplace_back(tmp, finals[i]);
    files[i].open(tmp, std::ios::binary | std::ios::trunc);
    if (!files[i]) {
      return DataError{tmp.string(), 0, "cannot create the file"};
    }
  }
  for (const Record& r : bench.records) {
    const std::string line = record_line(r, name) + "\n";
    files[0] << line;
    files[in_test_split(r.prompt, test_fraction) ? 2 : 1] << line;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    files[i].close();
    if (!files[i]) {
      return DataError{pending[pending.size() - 3 + i].first.string(), 0, "write error"};
    }
  }
  return std::nullopt;
}

DataResult<std::vector<fs::path>> write_outputs(const std::vector<Benchmark>& benchmarks,
                                                const fs::path& out, double test_fraction) {
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    return DataError{out.string(), 0, "cannot create the output directory: " + ec.message()};
  }
  std::vector<std::pair<fs::path, fs::path>> pending;
  const auto discard = [&] {
    for (const auto& [tmp, final_path] : pending) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
    }
  };
  for (const Benchmark& bench : benchmarks) {
    if (auto error = write_benchmark(bench, out, test_fraction, pending)) {
      discard();
      return *error;
    }
  }
  std::vector<fs::path> written;
  for (const auto& [tmp, final_path] : pending) {
    fs::rename(tmp, final_path, ec);
    if (ec) {
      discard();
      return DataError{final_path.string(), 0, "cannot rename into place: " + ec.message()};
    }
    written.push_back(final_path);
  }
  return written;
}

}  // namespace

DataResult<ImportSummary> import_routellm(const ImportOptions& options) {
  if (!(options.test_fraction >= 0 && options.test_fraction <= 1)) {
    return DataError{"", 0, "test fraction must be in [0, 1]"};
  }
  std::vector<Benchmark> benchmarks;
  for (auto* import : {&import_gsm8k, &import_mmlu, &import_mt_bench}) {
    auto bench = import(options.dir, options.progress);
    if (!bench) {
      return bench.error();
    }
    summarize(*bench, options.test_fraction);
    benchmarks.push_back(std::move(*bench));
  }
  auto written = write_outputs(benchmarks, options.out, options.test_fraction);
  if (!written) {
    return written.error();
  }
  ImportSummary summary;
  for (const Benchmark& bench : benchmarks) {
    summary.benchmarks.push_back(bench.summary);
  }
  summary.written = std::move(*written);
  return summary;
}

}  // namespace governor::training
