#pragma once

#include "value_rules.hpp"

/** The validation rules of a chat-completions body, one group per file. Each takes the whole body
 *  (a JSON object) and returns the first violation it finds. */
namespace governor::openai::rules {

/** Most messages a request may carry; far above any model's context window. */
inline constexpr std::size_t kMaxMessages = 100'000;

/** `messages`: required, a non-empty array of well-formed messages (message_rules.cpp). */
MaybeError check_messages(const JsonDocument& body);

/** `tools` and `tool_choice` (tool_rules.cpp). */
MaybeError check_tools(const JsonDocument& body);

/** `stream` and `stream_options` (request_rules.cpp). */
MaybeError check_stream(const JsonDocument& body);
/** Numeric parameters: token limits, sampling, n, seed, logprobs/top_logprobs. */
MaybeError check_sampling(const JsonDocument& body);
/** `response_format`, `metadata`, `user`, `stop`. */
MaybeError check_output_options(const JsonDocument& body);

}  // namespace governor::openai::rules
