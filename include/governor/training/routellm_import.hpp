#pragma once

// Converts RouteLLM's public evaluation data (GSM8K, MMLU, MT-Bench; weak model Mixtral-8x7B,
// strong model GPT-4) into labelled JSONL records for training and evaluating the router.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace governor::training {

/** A problem with an input file: which file, which 1-based line (0 when the whole file is at
 *  fault; for a CSV record, the line it starts on), and what. The import stops at the first
 *  one: a half-read benchmark would skew every score computed from it. */
struct DataError {
  DataError() = default;
  // Declared, not aggregate: C++20 would otherwise let a lone string construct a DataError, and
  // result<std::string, DataError> could not tell a value from an error.
  DataError(std::string file_name, std::size_t line_number, std::string text)
      : file(std::move(file_name)), line(line_number), message(std::move(text)) {}

  std::string file;
  std::size_t line = 0;
  std::string message;

  std::string to_string() const;  ///< "file:line: message", or "file: message" without a line
};

/** Lets `result<T, DataError>::value()` throw (std::runtime_error carrying to_string()). */
[[noreturn]] void throw_exception_from_error(const DataError& error,
                                             const boost::source_location& loc);

template <class T>
using DataResult = boost::system::result<T, DataError>;

struct ImportOptions {
  std::filesystem::path dir;  ///< RouteLLM's data: the csv/jsonl files and mmlu_responses/
  std::filesystem::path out;  ///< created if missing; receives the nine .jsonl files
  double test_fraction = 0.3;
  /** One line of progress per step (file read, benchmark done); empty to stay quiet. */
  std::function<void(std::string_view)> progress;
};

/** What one benchmark contributed. Means are over the kept records, on the [0,1] label scale. */
struct BenchmarkSummary {
  std::string name;  ///< "gsm8k", "mmlu", "mt_bench"
  std::size_t files = 0;
  std::size_t rows_read = 0;
  std::size_t contaminated = 0;  ///< dropped: the prompt is in RouteLLM's contaminated list
  std::size_t kept = 0;
  std::size_t distinct_prompts = 0;  ///< of the kept records; duplicates are kept, as RouteLLM does
  std::size_t train = 0;
  std::size_t test = 0;
  double weak_mean = 0;
  double strong_mean = 0;
};

struct ImportSummary {
  std::vector<BenchmarkSummary> benchmarks;  ///< gsm8k, mmlu, mt_bench, in that order
  std::vector<std::filesystem::path> written;
};

/** FNV-1a, 64 bit, over the bytes of `text`: the split key, stable across runs and platforms. */
std::uint64_t fnv1a_64(std::string_view text) noexcept;

/** True when a prompt belongs to the test side: fnv1a_64(prompt) % 1000 < test_fraction * 1000.
 *  Depends on the text alone, so equal prompts always land on the same side. */
bool in_test_split(std::string_view prompt, double test_fraction) noexcept;

/** Reads everything, checks it, and only then writes the outputs (temporary files renamed at the
 *  end), so an error leaves no partial output behind. */
DataResult<ImportSummary> import_routellm(const ImportOptions& options);

}  // namespace governor::training
