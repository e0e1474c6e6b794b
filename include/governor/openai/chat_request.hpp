#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "governor/core/error.hpp"
#include "governor/openai/json_document.hpp"

namespace governor::openai {

/** Why a request body was refused: the error code and the offending field. */
struct RequestError {
  errc code = errc::invalid_request;
  std::string message;  ///< names the field, e.g. "messages[1].role must be one of ..."
  std::string param;    ///< e.g. "messages[1].role"; empty when the body as a whole is bad
  bool operator==(const RequestError&) const = default;
};

/** One member of a body's top-level object: its decoded key and where its text lies in the body
 *  (offsets from its first byte): the key's opening quote, and its value's first and past-the-end
 *  bytes. */
struct RawMember {
  std::string key;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
  std::size_t key_begin = 0;
};

/** A validated `POST /v1/chat/completions` body. The document is kept whole: Governor forwards
 *  every field it does not need to change, so new OpenAI fields pass through untouched. */
struct ChatRequest {
  JsonDocument body;  ///< the parsed document, a JSON object
  /** The body's text and its top-level members in the client's order (a repeated key only where
   *  it last appears, the one the document kept), so the upstream body can copy the members
   *  Governor does not change byte for byte instead of serializing them. */
  std::string text;
  std::vector<RawMember> members;
  std::string model;  ///< as the client sent it
  bool stream = false;
  bool include_usage = false;              ///< client set stream_options.include_usage
  std::optional<std::int64_t> max_tokens;  ///< max_completion_tokens, else max_tokens
  bool has_tools = false;                  ///< non-empty `tools`
  bool wants_logprobs = false;             ///< `logprobs: true`
  std::size_t message_count = 0;
};

/** The member `key` of the request's top-level object, or nullptr. */
inline const JsonValue* body_member(const ChatRequest& request, std::string_view key) {
  return request.body.member(key);
}

/** The text of the member `key`'s value as the client wrote it; empty when it is absent. */
std::string_view raw_member(const ChatRequest& request, std::string_view key);

/** The members `keys` of the request (those present) as an nlohmann object, each read again
 *  from its text: for the checks that work on nlohmann documents (the cascade's answer signals
 *  read `tools` and `response_format`), so for calls that judge an answer, not for every call. */
nlohmann::json members_as_nlohmann(const ChatRequest& request,
                                   std::initializer_list<std::string_view> keys);

using ChatRequestResult = boost::system::result<ChatRequest, RequestError>;

/** Deepest nesting of arrays/objects a body may have. Checked before parsing: serializing or
 *  copying a deeper document would recurse deep enough to overflow the stack. */
inline constexpr std::size_t kMaxNestingDepth = 128;

/** Parses and validates a chat-completions body: JSON object; `model` non-empty string;
 *  `messages` non-empty array of objects with a valid `role` and content of the right shape for
 *  it; and the types/ranges of stream, stream_options, max_tokens, max_completion_tokens,
 *  temperature, top_p, n, tools, tool_choice, response_format, logprobs, top_logprobs.
 *  Not JSON, invalid UTF-8, not an object or nested deeper than kMaxNestingDepth is
 *  errc::invalid_json; a rule broken is errc::invalid_request naming the field in `param`.
 *  An explicit null is treated like an absent optional field, as OpenAI does. Unknown fields
 *  pass through untouched. */
ChatRequestResult parse_chat_request(std::string_view body);

/** Prefix of the `metadata` keys Governor reads (governor_task, ...); they are not sent upstream.
 */
inline constexpr std::string_view kGovernorMetadataPrefix = "governor_";

/** What Governor changes in the body it forwards. */
struct UpstreamEdits {
  std::string_view model;  ///< the upstream's model id
  /** Output bound to enforce (the budget's grant): replaces the client's max_completion_tokens or
   *  max_tokens, whichever it sent, else is added as max_completion_tokens. */
  std::optional<std::int64_t> max_output_tokens;
  /** Ask for logprobs with at least this many top_logprobs (a cascade judges the answer by
   *  them): sets `logprobs: true` and raises `top_logprobs` to it. */
  std::optional<unsigned> top_logprobs;
};

/** The body to send upstream: the client's document with `model` replaced by the upstream's id,
 *  the output bound and the logprobs request applied, Governor's own `metadata` keys removed (and
 * `metadata` dropped when nothing else is left in it) and, for streams,
 * `stream_options.include_usage` forced on so the call can be costed. */
std::string upstream_body(const ChatRequest& request, const UpstreamEdits& edits);
inline std::string upstream_body(const ChatRequest& request, std::string_view upstream_model) {
  return upstream_body(request, UpstreamEdits{upstream_model, std::nullopt});
}

/** Lets boost::system::result<T, RequestError>::value() throw. */
[[noreturn]] void throw_exception_from_error(const RequestError& e,
                                             const boost::source_location& loc);

}  // namespace governor::openai
