#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/api_error.hpp"

namespace governor::sim {

/** One function tool offered by the request. */
struct ToolSpec {
  std::string name;
  nlohmann::json parameters;  ///< JSON Schema; `{}` when the tool declared none
};

enum class ToolChoice { auto_choice, none, required, named };
enum class ResponseFormat { text, json_object, json_schema };

/** The parts of a chat-completion request the simulator acts on, validated. */
struct SimRequest {
  std::string model;
  nlohmann::json messages;  ///< a non-empty array of objects
  bool stream = false;
  bool include_usage = false;               ///< stream_options.include_usage
  std::optional<std::uint32_t> max_tokens;  ///< max_completion_tokens, else max_tokens
  std::vector<ToolSpec> tools;
  ToolChoice tool_choice = ToolChoice::auto_choice;
  std::string tool_choice_name;  ///< for ToolChoice::named
  ResponseFormat response_format = ResponseFormat::text;
  nlohmann::json response_schema;  ///< json_schema.schema, for ResponseFormat::json_schema
  bool logprobs = false;
  unsigned top_logprobs = 0;
};

/** Validates `body` and fills `out`; returns the 400 to answer with when the body is not a
 *  request the simulator can serve (the error names the offending parameter). */
std::optional<ApiError> parse_chat_request(const nlohmann::json& body, SimRequest& out);

/** The text of one message's `content`: the string itself, the concatenated `text` of content
 *  parts, or "" (null, absent, other types). */
std::string content_text(const nlohmann::json& message);

}  // namespace governor::sim
