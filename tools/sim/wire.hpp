#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sim/generator.hpp"

namespace governor::sim {

/** What every object of one response shares. */
struct ResponseMeta {
  std::string id;  ///< "chatcmpl-<29 base62>"
  std::int64_t created = 0;
  std::string model;           ///< the request's model, echoed
  bool include_usage = false;  ///< stream_options.include_usage: chunks carry "usage": null
  bool logprobs = false;       ///< the request asked for logprobs
};

/** The non-stream `chat.completion` object. */
nlohmann::ordered_json completion_json(const ResponseMeta& meta, const Answer& answer);

/** The `usage` object. */
nlohmann::ordered_json usage_json(const Answer& answer);

/** One SSE event of a stream: `data` is the whole event text, "data: ...\n\n". */
struct StreamEvent {
  std::string data;
  bool content = false;  ///< carries one piece of the answer (paced, counted by stall/reset)

  bool operator==(const StreamEvent&) const = default;
};

/** How to shape a stream beyond the answer itself. */
struct StreamShape {
  bool usage_chunk = false;  ///< emit the final `"choices":[]` usage chunk
  bool malformed = false;    ///< emit one event whose data is not JSON after the first piece
};

/** Every event of the stream for `answer`, in order: the role chunk, one chunk per piece,
 *  the finish chunk, the usage chunk (when shape.usage_chunk), `data: [DONE]`. */
std::vector<StreamEvent> stream_events(const ResponseMeta& meta, const Answer& answer,
                                       const StreamShape& shape);

/** GET /v1/models: the named models. */
nlohmann::ordered_json models_json();

}  // namespace governor::sim
