#include "sim/generator.hpp"

#include <cctype>

#include "sim/hash.hpp"
#include "sim/schema_fill.hpp"
#include "sim/words.hpp"

namespace governor::sim {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Larger models write longer sentences and longer answers, and are surer of their tokens.
constexpr ModelProfile kNamedModels[] = {
    {"sim-small", 8, 32, 4, 9, {.uncertain_rate = 0.18}},
    {"sim-medium", 12, 48, 5, 12, {.uncertain_rate = 0.12}},
    {"sim-large", 24, 96, 7, 16, {.uncertain_rate = 0.06}},
};
constexpr ModelProfile kDefaultModel{"", 8, 60, 5, 12, {}};

std::uint64_t derive(std::uint64_t seed, std::uint64_t salt) {
  return mix(seed ^ mix(salt));
}

// An endless run of sentence-like prose, one token at a time: words carry their leading
// space (" word"), "," and "." are tokens of their own, sentences start capitalised.
class Prose {
 public:
  Prose(std::uint64_t seed, const ModelProfile& profile) : rng_(seed), profile_(profile) {}

  std::string next() {
    if (comma_pending_) {
      comma_pending_ = false;
      return ",";
    }
    if (words_left_ == 0 && in_sentence_) {
      in_sentence_ = false;
      return ".";
    }
    if (!in_sentence_) {
      start_sentence();
    }
    std::string word{word_for(rng_.next())};
    if (word_index_ == 0) {
      word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    }
    ++word_index_;
    --words_left_;
    comma_pending_ = word_index_ == comma_after_ && words_left_ > 0;
    const bool first_token = !started_;
    started_ = true;
    return first_token ? word : " " + word;
  }

  /** True right after a sentence's "." */
  bool at_sentence_end() const noexcept { return started_ && !in_sentence_ && !comma_pending_; }

 private:
  void start_sentence() {
    in_sentence_ = true;
    word_index_ = 0;
    words_left_ = static_cast<unsigned>(
        rng_.between(profile_.min_sentence_words, profile_.max_sentence_words));
    comma_after_ = words_left_ >= 7 ? static_cast<unsigned>(rng_.between(3, words_left_ - 3)) : 0;
  }

  Rng rng_;
  const ModelProfile& profile_;
  bool started_ = false;
  bool in_sentence_ = false;
  bool comma_pending_ = false;
  unsigned words_left_ = 0;
  unsigned word_index_ = 0;
  unsigned comma_after_ = 0;
};

std::vector<std::string> prose_pieces(std::uint64_t seed, const ModelProfile& profile,
                                      std::optional<unsigned> forced_tokens) {
  Prose prose{seed, profile};
  std::vector<std::string> pieces;
  if (forced_tokens) {
    for (unsigned i = 0; i < *forced_tokens; ++i) {
      pieces.push_back(prose.next());
    }
    return pieces;
  }
  // The natural length: whole sentences, stopping at the first sentence end past the target.
  Rng rng{derive(seed, 1)};
  const auto target = rng.between(profile.min_answer_tokens, profile.max_answer_tokens);
  while (pieces.size() < target || !prose.at_sentence_end()) {
    pieces.push_back(prose.next());
  }
  return pieces;
}

std::string first_sentence(std::uint64_t seed, const ModelProfile& profile) {
  Prose prose{seed, profile};
  std::string text;
  do {
    text += prose.next();
  } while (!prose.at_sentence_end());
  return text;
}

std::string json_content(const SimRequest& request, std::uint64_t seed,
                         const ModelProfile& profile) {
  if (request.response_format == ResponseFormat::json_schema) {
    return fill_schema(request.response_schema, derive(seed, 2)).dump();
  }
  Rng rng{derive(seed, 3)};
  ordered_json object;
  object["answer"] = first_sentence(seed, profile);
  object["confidence"] = static_cast<double>(50 + rng.below(50)) / 100.0;
  object["keywords"] = {std::string{word_for(rng.next())}, std::string{word_for(rng.next())},
                        std::string{word_for(rng.next())}};
  return object.dump();
}

bool wants_tool_call(const SimRequest& request) {
  if (request.tools.empty() || request.tool_choice == ToolChoice::none) {
    return false;
  }
  if (request.tool_choice != ToolChoice::auto_choice) {
    return true;  // "required" or a named function: call even after a tool result
  }
  const auto& last = request.messages.back();
  return last.value("role", std::string{}) != "tool";
}

const ToolSpec& chosen_tool(const SimRequest& request) {
  if (request.tool_choice == ToolChoice::named) {
    for (const auto& tool : request.tools) {
      if (tool.name == request.tool_choice_name) {
        return tool;
      }
    }
  }
  return request.tools.front();
}

unsigned quarter_ceil(std::size_t chars) {
  return static_cast<unsigned>((chars + 3) / 4);
}

std::string join(const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& piece : pieces) {
    text += piece;
  }
  return text;
}

}  // namespace

std::span<const ModelProfile> named_models() noexcept {
  return kNamedModels;
}

const ModelProfile& profile_for(std::string_view model) noexcept {
  for (const auto& profile : kNamedModels) {
    if (profile.id == model) {
      return profile;
    }
  }
  return kDefaultModel;
}

std::string Answer::text() const {
  return join(pieces);
}

std::uint64_t messages_seed(const json& messages) {
  return fnv1a(messages.dump());
}

unsigned count_prompt_tokens(const SimRequest& request) {
  unsigned tokens = 3;  // every reply is primed with the assistant's turn header
  for (const auto& message : request.messages) {
    std::size_t chars = content_text(message).size();
    if (const auto calls = message.find("tool_calls");
        calls != message.end() && calls->is_array()) {
      for (const auto& call : *calls) {
        const auto function = call.value("function", json::object());
        chars += function.value("name", std::string{}).size();
        chars += function.value("arguments", std::string{}).size();
      }
    }
    tokens += 4 + quarter_ceil(chars);
  }
  std::size_t tool_chars = 0;
  for (const auto& tool : request.tools) {
    tool_chars += tool.name.size() + tool.parameters.dump().size();
  }
  return tokens + quarter_ceil(tool_chars);
}

std::vector<std::string> split_pieces(std::string_view text, std::uint64_t seed) {
  Rng rng{seed};
  std::vector<std::string> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = std::min(text.size(), pos + static_cast<std::size_t>(rng.between(1, 6)));
    // Never end a piece inside a multi-byte UTF-8 sequence: every piece must be valid UTF-8.
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      ++end;
    }
    pieces.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

Answer generate_answer(const SimRequest& request, std::optional<unsigned> forced_tokens,
                       std::optional<Grade> grade) {
  const auto& profile = profile_for(request.model);
  auto confidence = profile.confidence;
  if (grade) {
    confidence.quality = grade->quality;
  }
  const auto seed = messages_seed(request.messages);
  Answer answer;
  answer.prompt_tokens = count_prompt_tokens(request);
  answer.finish_reason = "stop";
  if (wants_tool_call(request)) {
    const auto& tool = chosen_tool(request);
    ToolCall call;
    call.id = "call_" + base62_id(derive(seed, 4), 24);
    call.name = tool.name;
    answer.pieces =
        split_pieces(fill_schema(tool.parameters, derive(seed, 5)).dump(), derive(seed, 6));
    answer.finish_reason = "tool_calls";
    answer.tool_call = std::move(call);
    if (grade && !grade->passed) {
      // A wrong tool call: its arguments stop half way, so they are not valid JSON.
      answer.pieces.resize(answer.pieces.size() / 2);
    }
  } else if (request.response_format != ResponseFormat::text) {
    answer.pieces = split_pieces(json_content(request, seed, profile), derive(seed, 7));
  } else {
    answer.pieces = prose_pieces(seed, profile, forced_tokens);
    if (grade) {
      answer.pieces.emplace_back(grade->passed ? " [pass]" : " [fail]");
    }
  }
  if (request.max_tokens && answer.pieces.size() > *request.max_tokens) {
    answer.pieces.resize(*request.max_tokens);
    answer.finish_reason = "length";
  }
  if (answer.tool_call) {
    answer.tool_call->arguments = join(answer.pieces);
  } else if (request.logprobs) {
    for (std::size_t i = 0; i < answer.pieces.size(); ++i) {
      answer.logprobs.push_back(
          make_token_logprob(answer.pieces[i], seed, i, request.top_logprobs, confidence));
    }
  }
  return answer;
}

}  // namespace governor::sim
