#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "governor/routing/route_input.hpp"

namespace governor::routing {

/** What already happened in the task, as the ledger and the decision log know it. */
struct TaskHistory {
  std::uint32_t step_index = 0;  ///< calls already made in the task (0 for the first)
  std::uint32_t retries = 0;
  std::uint32_t failures = 0;  ///< failed calls, escalations and malformed tool calls
  std::optional<double> previous_confidence;  ///< of the previous step's answer, in [0,1]
};

/** The dense features, in vector order. Changing this list changes kFeatureLayout. */
enum class Feature : std::uint16_t {
  input_tokens,  ///< estimate: text bytes / 4 + 2000 per media part
  message_count,
  system_messages,
  user_messages,
  assistant_messages,
  tool_messages,
  conversation_depth,  ///< user turns
  tools_offered,
  tool_choice,      ///< ToolChoice as a number
  response_format,  ///< ResponseFormat as a number
  last_is_tool_result,
  assistant_tool_calls,
  max_tokens,  ///< requested output bound; missing when absent
  media_parts,
  prompt_chars,  ///< the last user message
  prompt_words,
  prompt_sentences,
  prompt_questions,    ///< '?' count
  prompt_numbers,      ///< runs of digits
  prompt_digit_share,  ///< digits / chars
  prompt_mean_word_length,
  prompt_long_words,  ///< words of 9+ letters (technical vocabulary)
  prompt_lines,
  prompt_options,    ///< lines that look like "A. ...": multiple choice
  code_signal,       ///< fences, braces, semicolons, keywords
  math_signal,       ///< operators between numbers, LaTeX, equations
  json_signal,       ///< quotes-colon pairs, braces, the word JSON
  money_or_percent,  ///< '$' and '%' signs
  context_chars,     ///< all user/system text before the last user message
  step_index,
  retries,
  failures,
  previous_confidence,  ///< missing when unknown
  // Learned text priors: filled by the prompt model from its n-gram table (NgramPrior), NaN
  // until then. They turn the words of the prompt into what training data said about them.
  prior_weak,         ///< mean weak-model score of training prompts sharing the prompt's n-grams
  prior_strong,       ///< the same for the strong model
  prior_gain,         ///< prior_strong - prior_weak, smoothed per n-gram
  prior_coverage,     ///< how much evidence the table has for these n-grams, in [0,1]
  prior_bigram_weak,  ///< prior_weak over the word bigrams only (more specific than words)
  prior_bigram_gain,  ///< prior_gain over the word bigrams only
  count_
};

inline constexpr std::size_t kFeatureCount = static_cast<std::size_t>(Feature::count_);
/** Word unigrams and bigrams of the last user message are hashed into this many buckets. */
inline constexpr std::uint32_t kNgramBuckets = 1u << 18;
/** N-grams kept per request: the first ones of the prompt (a bound on work, not on input). */
inline constexpr std::size_t kMaxNgrams = 768;
/** Set in FeatureVector::ngrams for a bigram; the bucket is the remaining bits. */
inline constexpr std::uint32_t kBigramFlag = 1u << 31;
/** Written into model files and checked at load: a model trained on another layout is refused. */
inline constexpr std::string_view kFeatureLayout = "governor-features/1";

/** A missing value (XGBoost's convention: NaN takes the split's default branch). */
inline constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

/** The features of one request: the named values the trees read, and the hashed n-grams of
 *  the prompt (bucket ids in text order, bigrams flagged with kBigramFlag) from which the model
 *  fills the prior_* values. */
struct FeatureVector {
  std::array<float, kFeatureCount> values{};
  std::array<std::uint32_t, kMaxNgrams> ngrams{};
  std::uint32_t ngram_count = 0;

  float operator[](Feature f) const { return values[static_cast<std::size_t>(f)]; }
  float& operator[](Feature f) { return values[static_cast<std::size_t>(f)]; }
};

/** Name of a feature, e.g. "input_tokens". */
std::string_view feature_name(Feature f);

/** Computes every feature of one request in the task's context. Pure and allocation-free. */
void extract_features(const RouteInput& input, const TaskHistory& history, FeatureVector& out);

}  // namespace governor::routing
