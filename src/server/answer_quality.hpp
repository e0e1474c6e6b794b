#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "governor/openai/chat_request.hpp"

namespace governor::server {

/** What Governor reads of a whole (non-streamed) answer's quality. */
struct AnswerQuality {
  /// a tool call whose arguments are not JSON, break the tool's schema, or name no offered tool
  bool malformed_tool_call = false;
  std::optional<double> uncertainty;  ///< mean 1 - p(token), when the answer has logprobs
  std::optional<double> entropy;      ///< mean top_logprobs entropy (nats), when it has them
};

/** Reads `completion_body` answering `request`. The body is parsed only when it can say
 *  something: the request offered tools and the body mentions tool_calls, or the request asked
 *  for logprobs. */
AnswerQuality read_answer_quality(std::string_view completion_body,
                                  const openai::ChatRequest& request);

/** The members of `request` that cascade::read_signals reads (tools, response_format). */
nlohmann::json answer_checked_members(const openai::ChatRequest& request);

}  // namespace governor::server
