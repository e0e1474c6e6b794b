#pragma once

#include <rapidjson/fwd.h>  // the document's type only: this header is widely included

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace governor::routing {

/** The roles a chat message can have (`developer` counts as system). */
enum class Role : std::uint8_t { system, user, assistant, tool };

/** One piece of text in the conversation. A message with several text parts gives several
 *  parts with the same `message` index. Views into the request document. */
struct TextPart {
  Role role = Role::user;
  std::uint32_t message = 0;
  std::string_view text;
};

enum class ToolChoice : std::uint8_t { absent, none, automatic, required, named };
enum class ResponseFormat : std::uint8_t { text, json_object, json_schema };

/** What the routers read from one chat-completions request: its shape and its text, as views
 *  into the request document (which must outlive this value). Pure data: built from a request
 *  body by route_input_from_body(), or by hand in tests and training. */
struct RouteInput {
  std::vector<TextPart> parts;
  std::uint32_t message_count = 0;
  /** Messages per Role (indexed by it), text or not: a tool-calls-only assistant turn counts. */
  std::array<std::uint32_t, 4> messages_by_role{};
  /** Index of the last user message (the prompt), even when it has no text part. */
  std::optional<std::uint32_t> last_user_message;
  std::uint32_t media_parts = 0;  ///< image/audio/file parts
  std::uint32_t tools_offered = 0;
  std::uint32_t assistant_tool_calls = 0;  ///< tool calls made by earlier assistant turns
  ToolChoice tool_choice = ToolChoice::absent;
  ResponseFormat response_format = ResponseFormat::text;
  std::optional<std::int64_t> max_tokens;
  std::size_t body_bytes = 0;  ///< size of the request body, 0 when unknown
  Role last_role = Role::user;
};

/** Reads a chat-completions document (already validated by openai::parse_chat_request) into a
 *  RouteInput whose views point into `body`. `max_completion_tokens` wins over `max_tokens`. */
RouteInput route_input_from_body(const rapidjson::Value& body, std::size_t body_bytes);

/** A single user prompt (the shape of labelled training records). */
RouteInput route_input_from_prompt(std::string_view prompt);

}  // namespace governor::routing
