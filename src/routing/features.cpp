#include "governor/routing/features.hpp"

#include <algorithm>
#include <array>

#include "text_scan.hpp"

namespace governor::routing {

namespace {

constexpr std::array<std::string_view, kFeatureCount> kNames{"input_tokens",
                                                             "message_count",
                                                             "system_messages",
                                                             "user_messages",
                                                             "assistant_messages",
                                                             "tool_messages",
                                                             "conversation_depth",
                                                             "tools_offered",
                                                             "tool_choice",
                                                             "response_format",
                                                             "last_is_tool_result",
                                                             "assistant_tool_calls",
                                                             "max_tokens",
                                                             "media_parts",
                                                             "prompt_chars",
                                                             "prompt_words",
                                                             "prompt_sentences",
                                                             "prompt_questions",
                                                             "prompt_numbers",
                                                             "prompt_digit_share",
                                                             "prompt_mean_word_length",
                                                             "prompt_long_words",
                                                             "prompt_lines",
                                                             "prompt_options",
                                                             "code_signal",
                                                             "math_signal",
                                                             "json_signal",
                                                             "money_or_percent",
                                                             "context_chars",
                                                             "step_index",
                                                             "retries",
                                                             "failures",
                                                             "previous_confidence",
                                                             "prior_weak",
                                                             "prior_strong",
                                                             "prior_gain",
                                                             "prior_coverage",
                                                             "prior_bigram_weak",
                                                             "prior_bigram_gain"};

/** Tokens per media part: the same bound admission uses (server/admission.cpp). */
constexpr float kTokensPerMediaPart = 2000.0f;

float as_float(std::uint64_t n) {
  return static_cast<float>(n);
}

}  // namespace

std::string_view feature_name(Feature f) {
  return kNames[static_cast<std::size_t>(f)];
}

void extract_features(const RouteInput& input, const TaskHistory& history, FeatureVector& out) {
  out.values.fill(0.0f);
  out.ngram_count = 0;
  auto& f = out;

  const auto& messages_by_role = input.messages_by_role;
  std::uint64_t text_bytes = 0;
  for (const auto& part : input.parts) {
    text_bytes += part.text.size();
  }
  f[Feature::input_tokens] =
      as_float(text_bytes) / 4.0f + kTokensPerMediaPart * as_float(input.media_parts);
  f[Feature::message_count] = as_float(input.message_count);
  f[Feature::system_messages] = as_float(messages_by_role[static_cast<std::size_t>(Role::system)]);
  f[Feature::user_messages] = as_float(messages_by_role[static_cast<std::size_t>(Role::user)]);
  f[Feature::assistant_messages] =
      as_float(messages_by_role[static_cast<std::size_t>(Role::assistant)]);
  f[Feature::tool_messages] = as_float(messages_by_role[static_cast<std::size_t>(Role::tool)]);
  f[Feature::conversation_depth] = f[Feature::user_messages];
  f[Feature::tools_offered] = as_float(input.tools_offered);
  f[Feature::tool_choice] = static_cast<float>(input.tool_choice);
  f[Feature::response_format] = static_cast<float>(input.response_format);
  f[Feature::last_is_tool_result] = input.last_role == Role::tool ? 1.0f : 0.0f;
  f[Feature::assistant_tool_calls] = as_float(input.assistant_tool_calls);
  f[Feature::max_tokens] = input.max_tokens ? static_cast<float>(*input.max_tokens) : kMissing;
  f[Feature::media_parts] = as_float(input.media_parts);

  // The prompt: every text part of the last user message.
  TextStats prompt;
  std::uint64_t context_chars = 0;
  const auto prompt_message = input.last_user_message;
  for (const auto& part : input.parts) {
    if (!prompt_message || part.message != *prompt_message) {
      if (part.role == Role::user || part.role == Role::system) {
        context_chars += part.text.size();
      }
      continue;
    }
    const TextStats s = scan_text(part.text);
    prompt.chars += s.chars;
    prompt.words += s.words;
    prompt.word_letters += s.word_letters;
    prompt.long_words += s.long_words;
    prompt.sentences += s.sentences;
    prompt.questions += s.questions;
    prompt.numbers += s.numbers;
    prompt.digits += s.digits;
    prompt.lines += s.lines;
    prompt.options += s.options;
    prompt.code += s.code;
    prompt.math += s.math;
    prompt.json += s.json;
    prompt.money_or_percent += s.money_or_percent;
    // The first kMaxNgrams n-grams of the prompt; the hashing stops at the last one kept.
    if (f.ngram_count < kMaxNgrams) {
      for_each_ngram_bucket(part.text, kNgramBuckets, [&](std::uint32_t bucket, bool bigram) {
        f.ngrams[f.ngram_count++] = bigram ? bucket | kBigramFlag : bucket;
        return f.ngram_count < kMaxNgrams;
      });
    }
  }
  f[Feature::prompt_chars] = as_float(prompt.chars);
  f[Feature::prompt_words] = as_float(prompt.words);
  f[Feature::prompt_sentences] = as_float(prompt.sentences);
  f[Feature::prompt_questions] = as_float(prompt.questions);
  f[Feature::prompt_numbers] = as_float(prompt.numbers);
  f[Feature::prompt_digit_share] =
      prompt.chars ? as_float(prompt.digits) / as_float(prompt.chars) : 0.0f;
  f[Feature::prompt_mean_word_length] =
      prompt.words ? as_float(prompt.word_letters) / as_float(prompt.words) : 0.0f;
  f[Feature::prompt_long_words] = as_float(prompt.long_words);
  f[Feature::prompt_lines] = as_float(prompt.lines);
  f[Feature::prompt_options] = as_float(prompt.options);
  f[Feature::code_signal] = as_float(prompt.code);
  f[Feature::math_signal] = as_float(prompt.math);
  f[Feature::json_signal] = as_float(prompt.json);
  f[Feature::money_or_percent] = as_float(prompt.money_or_percent);
  f[Feature::context_chars] = as_float(context_chars);

  f[Feature::step_index] = as_float(history.step_index);
  f[Feature::retries] = as_float(history.retries);
  f[Feature::failures] = as_float(history.failures);
  f[Feature::previous_confidence] =
      history.previous_confidence ? static_cast<float>(*history.previous_confidence) : kMissing;
  f[Feature::prior_weak] = kMissing;
  f[Feature::prior_strong] = kMissing;
  f[Feature::prior_gain] = kMissing;
  f[Feature::prior_coverage] = kMissing;
  f[Feature::prior_bigram_weak] = kMissing;
  f[Feature::prior_bigram_gain] = kMissing;
}

}  // namespace governor::routing
