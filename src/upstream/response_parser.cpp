#include "response_parser.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cstring>

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
