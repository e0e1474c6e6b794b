#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace governor::cascade {

/** How sure the model was of its answer, from the answer's `logprobs.content`.
 *  - mean_uncertainty = (1/L) * sum(1 - p(y_i)): 0 when every token was certain.
 *  - mean_entropy (nats) = (1/L) * sum(H_i), where H_i is the entropy of token i's
 *    `top_logprobs` plus the mass they leave out taken as one more outcome: a lower bound on
 *    the true entropy (the tail is really spread over many tokens). Only when every token has
 *    top_logprobs. */
struct TokenConfidence {
  std::size_t tokens = 0;
  double mean_uncertainty = 0.0;
  std::optional<double> mean_entropy;

  bool operator==(const TokenConfidence&) const = default;
};

/** Reads `choice.logprobs.content` (an array of {token, logprob, top_logprobs}); none when the
 *  answer has no logprobs (not asked for, not supported, a tool call) or they are malformed. */
std::optional<TokenConfidence> token_confidence(const nlohmann::json& logprobs_content);

/** What is wrong with one tool call of an answer. */
enum class ToolCallProblem {
  none,
  not_json,          ///< arguments are not a JSON object
  schema_violation,  ///< arguments do not validate against the offered tool's parameters
  unknown_tool,      ///< the request offered no function of that name
};
std::string_view to_string(ToolCallProblem problem);

struct ToolCallCheck {
  std::string name;
  ToolCallProblem problem = ToolCallProblem::none;
  std::string detail;  ///< why, for the decision log (empty when none)
};

/** Checks each of `message.tool_calls` against the request's `tools` (the request's JSON
 *  array; null or absent: no tools offered). A function tool without `parameters` accepts any
 *  JSON object. */
std::vector<ToolCallCheck> check_tool_calls(const nlohmann::json& tool_calls,
                                            const nlohmann::json& request_tools);

/** What is wrong with a JSON-mode answer. */
enum class JsonAnswerProblem { none, not_json, schema_violation };
std::string_view to_string(JsonAnswerProblem problem);

/** Checks `content` against the request's `response_format`: `json_object` must parse to an
 *  object; `json_schema` must also validate against `json_schema.schema`. `text` or absent:
 *  none. `detail` says why. */
JsonAnswerProblem check_json_answer(std::string_view content, const nlohmann::json& response_format,
                                    std::string& detail);

/** Validates `value` against a JSON Schema (draft 4 keywords, which covers what OpenAI tool and
 *  response schemas use); the first violation, or none. A schema that cannot be read is a
 *  violation that says so. */
std::optional<std::string> schema_violation(const nlohmann::json& schema,
                                            const nlohmann::json& value);

/** Every quality signal of one answer (choice 0 of a chat completion), before thresholds. */
struct AnswerSignals {
  std::optional<TokenConfidence> confidence;
  std::vector<ToolCallCheck> tool_calls;
  JsonAnswerProblem json_answer = JsonAnswerProblem::none;
  std::string json_detail;
  bool truncated = false;         ///< finish_reason "length"
  bool content_filtered = false;  ///< finish_reason "content_filter"
  bool empty = false;             ///< no content and no tool call
  bool refusal = false;           ///< a `refusal` message, or content that opens as one
  bool stream_broken = false;     ///< the upstream's stream ended without finishing

  /** Whether any tool call is malformed (not JSON, schema, unknown tool). */
  bool malformed_tool_call() const;
};

/** Reads the signals of `choice` ({message, finish_reason, logprobs}) answering `request` (the
 *  client's chat request body). */
AnswerSignals read_signals(const nlohmann::json& choice, const nlohmann::json& request,
                           bool stream_broken = false);

}  // namespace governor::cascade
