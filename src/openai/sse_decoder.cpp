#include <string>

#include "governor/openai/sse.hpp"

namespace governor::openai {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The first CR or LF in [from, to), or `to`. A plain loop: lines are short (one JSON chunk), and
// it stops at either byte in one pass where two memchr calls would each scan ahead.
const char* find_line_end(const char* from, const char* to) {
  while (from != to && *from != '\n' && *from != '\r') {
    ++from;
  }
  return from;
}

}  // namespace

void SseDecoder::feed(std::string_view bytes, const Sink& sink) {
  // Decode straight from `bytes` when nothing is held (the usual case: a network read holding
  // whole events); otherwise append and decode from pending_. Offsets are relative to `buf`.
  std::string_view buf;
  if (!bom_checked_) {
    pending_.append(bytes);
    if (pending_.size() < kBom.size() && kBom.starts_with(pending_)) {
      return;  // could still be a BOM
    }
    bom_checked_ = true;
    if (pending_.starts_with(kBom)) {
      pending_.erase(0, kBom.size());
    }
    buf = pending_;
  } else if (pending_.empty()) {
    buf = bytes;
  } else {
    pending_.append(bytes);
    buf = pending_;
  }

  const char* const begin = buf.data();
  const char* const end = begin + buf.size();
  std::size_t event_start = 0;
  std::size_t line_start = line_start_;
  std::size_t pos = scanned_;

  // The previous piece ended with a CR; an LF now is the second half of that CRLF, not a line.
  if (after_cr_ && pos < buf.size()) {
    after_cr_ = false;
    if (buf[pos] == '\n') {
      line_start = ++pos;
    }
  }

  while (pos < buf.size()) {
    const char* eol = find_line_end(begin + pos, end);
    if (eol == end) {
      pos = buf.size();
      break;
    }
    std::size_t next = static_cast<std::size_t>(eol - begin) + 1;
    if (*eol == '\r') {
      if (next == buf.size()) {
        after_cr_ = true;
      } else if (buf[next] == '\n') {
        ++next;
      }
    }
    const std::string_view line{begin + line_start,
                                static_cast<std::size_t>(eol - begin) - line_start};
    if (line.empty()) {
      end_block(buf.substr(event_start, next - event_start), sink);
      event_start = next;
    } else {
      end_line(line);
    }
    line_start = pos = next;
  }

  // Keep only the incomplete event, once per feed rather than once per event. The bytes moved
  // were all fed by this call (an event ended inside it), so this stays linear overall.
  if (buf.data() == pending_.data()) {
    pending_.erase(0, event_start);
  } else {
    pending_.assign(buf.substr(event_start));
  }
  line_start_ = line_start - event_start;
  scanned_ = pos - event_start;
}

void SseDecoder::end_line(std::string_view line) {
  if (line.front() == ':') {
    return;  // comment
  }
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      current_.data += '\n';
    }
    current_.data += value;
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
    has_event_ = true;
  }
  // id, retry and unknown fields: nothing a relay needs.
}

void SseDecoder::end_block(std::string_view raw, const Sink& sink) {
  if (has_data_ || has_event_) {
    current_.raw = raw;
    sink(current_);
  }
  current_.raw = {};
  current_.data.clear();
  current_.event.clear();
  has_data_ = false;
  has_event_ = false;
}

}  // namespace governor::openai
