#include "response_parser.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cstring>
#include <optional>
#include <utility>

#include "governor/core/http_scan.hpp"

namespace governor::upstream {

namespace http = boost::beast::http;

void KeptValue::assign(std::string_view value) {
  assigned_ = true;
  size_ = value.size();
  if (value.size() <= inline_.size()) {
    std::memcpy(inline_.data(), value.data(), value.size());
    heap_.clear();
  } else {
    heap_.assign(value);
  }
}

std::size_t ResponseParser::read_simple_head(std::string_view bytes) {
  namespace scan = http_scan;
  // Beast's limit is 64 kB; a head this far under it needs no check of its own.
  constexpr std::size_t kMaxSimpleHead = 8 * 1024;
  bytes = bytes.substr(0, kMaxSimpleHead);
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  // Status line: HTTP/1.x SP 3DIGIT SP reason CRLF.
  constexpr std::string_view kHttp = "HTTP/1.";
  if (bytes.size() < 13 || bytes.substr(0, kHttp.size()) != kHttp ||
      (bytes[7] != '1' && bytes[7] != '0') || bytes[8] != ' ' || bytes[12] != ' ') {
    return 0;
  }
  unsigned status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (bytes[i] < '0' || bytes[i] > '9') {
      return 0;
    }
    status = status * 10 + static_cast<unsigned>(bytes[i] - '0');
  }
  // Beast reads no body after a 1xx, 204 or 304 whatever the fields say.
  if (status < 200 || status > 599 || status == 204 || status == 304) {
    return 0;
  }
  const char* p = scan::line_end(begin + 13, end);  // past the reason phrase
  if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
    return 0;
  }
  const unsigned version = bytes[7] == '1' ? 11 : 10;
  scan::Framing framing;
  // Kept only once the head is read: a head left to put() must find them unassigned.
  std::optional<std::string_view> content_type;
  std::optional<std::string_view> retry_after;
  std::optional<std::string_view> retry_after_ms;
  p = scan::read_fields(p + 2, end, [&](std::string_view name, std::string_view value) {
    if (!framing.read(name, value)) {
      return false;
    }
    std::optional<std::string_view>* kept = scan::equals_lower(name, "content-type") ? &content_type
                                            : scan::equals_lower(name, "retry-after") ? &retry_after
                                            : scan::equals_lower(name, "retry-after-ms")
                                                ? &retry_after_ms
                                                : nullptr;
    if (kept != nullptr && !*kept) {
      *kept = value;  // the first of a repeated one, as on_field_impl
    }
    return true;
  });
  // Without a Content-Length the body runs to the close (Beast's need_eof).
  if (p == nullptr || !framing.content_length) {
    return 0;
  }
  simple_ = true;
  status_ = status;
  for (auto [value, kept] :
       {std::pair{content_type, &content_type_}, std::pair{retry_after, &retry_after_},
        std::pair{retry_after_ms, &retry_after_ms_}}) {
    if (value) {
      kept->assign(*value);
    }
  }
  keep_alive_ = framing.keeps_alive(version);
  body_left_ = *framing.content_length;
  return static_cast<std::size_t>(p - begin);
}

std::size_t ResponseParser::take_body(std::string_view bytes) {
  const std::size_t n = static_cast<std::size_t>(
      std::min<std::uint64_t>({body_left_, bytes.size(), static_cast<std::uint64_t>(room_)}));
  if (n > 0) {
    std::memcpy(output_, bytes.data(), n);
    output_ += n;
    room_ -= n;
    body_left_ -= n;
  }
  return n;
}

void ResponseParser::on_response_impl(int code, string_view, int, error_code&) {
  status_ = static_cast<unsigned>(code);
}

void ResponseParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                   error_code&) {
  KeptValue* kept = nullptr;
  if (name == http::field::content_type) {
    kept = &content_type_;
  } else if (name == http::field::retry_after) {
    kept = &retry_after_;
  } else if (name == http::field::unknown && boost::beast::iequals(name_string, "retry-after-ms")) {
    kept = &retry_after_ms_;
  }
  // The first of a repeated header counts, as the field set's lookup found it.
  if (kept != nullptr && !kept->assigned()) {
    kept->assign(std::string_view(value.data(), value.size()));
  }
}

std::size_t ResponseParser::on_body_impl(string_view body, error_code& ec) {
  if (output_ == nullptr) {
    ec = http::error::need_buffer;
    return 0;
  }
  const std::size_t n = std::min(room_, body.size());
  std::memcpy(output_, body.data(), n);
  output_ += n;
  room_ -= n;
  if (n < body.size()) {
    ec = http::error::need_buffer;
  }
  return n;
}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

}  // namespace governor::upstream
