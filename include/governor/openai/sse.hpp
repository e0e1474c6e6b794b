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
 *  Never buffers more than the one incomplete event. Linear in the bytes fed, however they are
 *  split: each byte is scanned once, and each line parsed once when it completes.
 *
 *  A block with neither a `data:` nor an `event:` line (comments, keep-alives) is not delivered
 *  and its bytes are dropped from `raw`. Otherwise the `raw` of consecutive events concatenate to
 *  the input, with one exception: when a piece ends with the CR of a CRLF that ends an event, the
 *  event is delivered at once (a CR-only stream must not wait for the next byte) and the LF, when
 *  it comes, opens the next event's `raw` (or stays pending after the stream's last event).
 *  Relaying `raw` verbatim still reproduces the stream's events.
 *
 *  @par Thread safety: one decoder per stream; not shareable. */
class SseDecoder {
 public:
  using Sink = std::function<void(const SseEvent&)>;

  /** Feeds bytes; calls `sink` once per completed event, in order. `event.raw` points into
   *  `bytes` or into the decoder and is valid only during the call. `sink` must not call feed. */
  void feed(std::string_view bytes, const Sink& sink);
  /** Bytes of an incomplete event still held (e.g. a stream that broke mid-event). */
  std::size_t pending_bytes() const { return pending_.size(); }

 private:
  void end_line(std::string_view line);
  void end_block(std::string_view raw, const Sink& sink);

  std::string pending_;      ///< bytes of the incomplete event (complete lines, then a partial one)
  std::size_t scanned_ = 0;  ///< prefix of pending_ already known to hold no event end
  std::size_t line_start_ = 0;  ///< where the incomplete line starts in pending_
  bool bom_checked_ = false;
  bool after_cr_ = false;   ///< the last byte fed was a CR: an LF next completes that line end
  bool has_data_ = false;   ///< the event under construction has a data line
  bool has_event_ = false;  ///< ... or an event line
  SseEvent current_;        ///< the event under construction; its strings keep their capacity
};

/** `data: <json>\n\n`: one `data:` line per line of `data` (split at LF, CRLF or CR, so the
 *  text cannot break the framing), then the blank line. */
std::string sse_data(std::string_view data);

}  // namespace governor::openai
