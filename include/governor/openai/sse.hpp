#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace governor::openai {

/** One server-sent event. `raw` is the event's exact bytes including its terminating blank line,
 *  so a relay can forward it unchanged. */
struct SseEvent {
  std::string_view raw;
  std::string event;  ///< the `event:` field, empty when absent
  std::string data;   ///< `data:` lines joined by '\n'
};

/** Incremental decoder (WHATWG event-stream rules): bytes arrive in arbitrary pieces, events are
 *  delivered whole. Handles LF, CRLF and CR line ends, comments, multi-line data, a leading BOM.
 *  Never buffers more than the one incomplete event. */
class SseDecoder {
 public:
  using Sink = std::function<void(const SseEvent&)>;

  /** Feeds bytes; calls `sink` once per completed event, in order. */
  void feed(std::string_view bytes, const Sink& sink);
  /** Bytes of an incomplete event still held (e.g. a stream that broke mid-event). */
  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  std::string pending_;
  std::size_t scanned_ = 0;  ///< prefix of pending_ already known to hold no event end
  bool bom_checked_ = false;
};

/** `data: <json>\n\n` */
std::string sse_data(std::string_view data);

}  // namespace governor::openai
