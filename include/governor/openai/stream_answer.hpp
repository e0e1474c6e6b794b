#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace governor::openai {

/** Rebuilds choice 0 of a streamed chat completion from its chunks, in the shape a whole
 *  answer's choice has: `{message: {role, content, refusal, tool_calls}, finish_reason,
 *  logprobs: {content}}`, so one set of quality checks reads both. Content and refusal deltas
 *  are concatenated; tool calls are gathered by their `index` (the name from the delta that
 *  carries it, arguments concatenated); logprob entries are appended in order. Chunks of other
 *  choices, usage-only chunks and malformed deltas are ignored. */
class StreamedAnswer {
 public:
  void add_chunk(const nlohmann::json& chunk);
  /** The choice so far (null fields for what never came). */
  nlohmann::json choice() const;

 private:
  struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;
  };
  std::string content_;
  std::string refusal_;
  bool has_content_ = false;
  bool has_refusal_ = false;
  std::vector<ToolCall> tool_calls_;
  nlohmann::json finish_reason_;
  nlohmann::json logprobs_ = nlohmann::json::array();
  bool has_logprobs_ = false;
};

/** Sets `logprobs` of every choice of a completion or stream chunk to null, as an upstream does
 *  for a client that did not ask for them. Returns whether anything changed. */
bool strip_logprobs(nlohmann::json& completion);

}  // namespace governor::openai
