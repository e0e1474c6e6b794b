#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/chat_request.hpp"
#include "sim/grading.hpp"
#include "sim/logprobs.hpp"

namespace governor::sim {

/** A simulated model: how long and how sure its answers are. Pacing (ttft, tokens/s) is not
 *  part of it: that comes from SimOptions or a directive, the same for every model. */
struct ModelProfile {
  std::string_view id;
  unsigned min_answer_tokens = 8;  ///< natural answer length range (before max_tokens)
  unsigned max_answer_tokens = 60;
  unsigned min_sentence_words = 5;
  unsigned max_sentence_words = 12;
  ConfidenceProfile confidence;
};

/** The named models, in the order GET /v1/models lists them. */
std::span<const ModelProfile> named_models() noexcept;

/** The profile for `model`: a named one, or the default profile (any name is served). */
const ModelProfile& profile_for(std::string_view model) noexcept;

/** A tool call the simulated model makes. */
struct ToolCall {
  std::string id;  ///< "call_<24 base62>"
  std::string name;
  std::string arguments;  ///< JSON text (cut short when max_tokens truncates it)
};

/** A generated answer: the pieces in emission order (one piece = one token = one stream delta),
 *  either of `content` or, when tool_call is set, of tool_call->arguments. */
struct Answer {
  std::vector<std::string> pieces;
  std::optional<ToolCall> tool_call;
  std::string finish_reason;           ///< "stop", "length" or "tool_calls"
  std::vector<TokenLogprob> logprobs;  ///< one per piece for content answers with logprobs on
  unsigned prompt_tokens = 0;
  /** Hidden tokens billed on top of the pieces (a reasoning model's thinking), never sent. */
  unsigned reasoning_tokens = 0;

  /** What the usage bills: the pieces and the hidden reasoning tokens. */
  unsigned completion_tokens() const noexcept {
    return static_cast<unsigned>(pieces.size()) + reasoning_tokens;
  }
  /** The pieces joined: the message content (or the tool call's arguments). */
  std::string text() const;
};

/** The answer to `request`: a pure function of it. The text depends only on the messages (and
 *  the model's profile); `forced_tokens` (the tokens=N directive) fixes a text answer's
 *  length; max_tokens cuts any answer short with finish_reason "length".
 *  A `grade` (the success=P directive) shows in the answer the way real outcomes do: a failed
 *  tool call has arguments that are not valid JSON; a prose answer ends with the piece
 *  " [pass]" or " [fail]" (the ground truth a benchmark scores by) and its logprobs follow the
 *  grade's quality. */
Answer generate_answer(const SimRequest& request, std::optional<unsigned> forced_tokens,
                       std::optional<Grade> grade = std::nullopt);

/** The seed every generated thing derives from: a hash of the canonical messages. */
std::uint64_t messages_seed(const nlohmann::json& messages);

/** The deterministic prompt token count: per message 4 + ceil(chars/4) of its content text
 *  (plus its tool calls' names and arguments), + 3 for the reply priming, + ceil(chars/4) of the
 *  tools' JSON when tools are given. */
unsigned count_prompt_tokens(const SimRequest& request);

/** Splits `text` into pieces of 1..6 bytes, never inside a UTF-8 sequence. */
std::vector<std::string> split_pieces(std::string_view text, std::uint64_t seed);

}  // namespace governor::sim
