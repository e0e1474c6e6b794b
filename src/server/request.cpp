#include "request.hpp"

#include <boost/assert.hpp>
#include <boost/beast/core/string.hpp>
#include <limits>

namespace governor::server {

Request::Request(Verb method, std::string_view target, unsigned version) {
  reset(method, {}, target, version);
}

void Request::reset(Verb method, std::string_view method_string, std::string_view target,
                    unsigned version) {
  if (method != Verb::unknown) {
    method_string = {};
  }
  method_ = method;
  version_ = version;
  keep_alive_ = version >= 11;
  // The parser's header_limit (a 32-bit count) bounds the request line and every field.
  BOOST_ASSERT(method_string.size() + target.size() <= std::numeric_limits<Size>::max());
  method_size_ = static_cast<Size>(method_string.size());
  target_size_ = static_cast<Size>(target.size());
  text_.assign(method_string).append(target);
  if (body_.capacity() > kKeptBodyCapacity) {
    std::string().swap(body_);
  } else {
    body_.clear();
  }
}

std::string_view Request::method_string() const {
  if (method_ != Verb::unknown) {
    const auto name = boost::beast::http::to_string(method_);
    return {name.data(), name.size()};
  }
  return {text_.data(), method_size_};
}

void Request::insert(std::string_view name, std::string_view value) {
  BOOST_ASSERT(name.size() <= std::numeric_limits<Size>::max() &&
               value.size() <= std::numeric_limits<Size>::max());
  const Size sizes[2] = {static_cast<Size>(name.size()), static_cast<Size>(value.size())};
  text_.append(reinterpret_cast<const char*>(sizes), kRecordHead).append(name).append(value);
}

std::optional<std::string_view> Request::field(std::string_view name) const {
  std::size_t at = method_size_ + target_size_;
  while (at < text_.size()) {
    Size sizes[2];
    std::memcpy(sizes, text_.data() + at, kRecordHead);
    const char* field_name = text_.data() + at + kRecordHead;
    if (sizes[0] == name.size() &&
        boost::beast::iequals(std::string_view(field_name, sizes[0]), name)) {
      return std::string_view(field_name + sizes[0], sizes[1]);
    }
    at += kRecordHead + sizes[0] + sizes[1];
  }
  return std::nullopt;
}

}  // namespace governor::server
