#include "response.hpp"

#include <array>
#include <boost/beast/core/string.hpp>
#include <cassert>
#include <charconv>
#include <cstring>
#include <iterator>

namespace governor::server {

namespace http = boost::beast::http;
using namespace std::string_view_literals;

Response::Response(http::status status, unsigned version) : status_(status), version_(version) {
  // Room for a budgeted call's fields (some 300 bytes with X-Governor-Task and
  // -Budget-Remaining): from 256, they grew the string once, about 230 instructions a call.
  fields_.reserve(512);
}

std::uint64_t Response::name_bit(std::string_view name) {
  // The length and the first character, its ASCII case folded (| 0x20 maps both cases of a
  // letter to one value; any other character is folded the same way on both sides).
  const unsigned first = name.empty() ? 0U : (static_cast<unsigned char>(name.front()) | 0x20U);
  return std::uint64_t{1} << ((name.size() * 31 + first) % 64);
}

std::size_t Response::find(std::string_view name) const {
  if ((names_ & name_bit(name)) == 0) {
    return std::string::npos;
  }
  const std::string_view text = fields_;
  std::size_t line = 0;
  while (line < text.size()) {
    const std::size_t end = text.find("\r\n", line);
    const std::string_view field = text.substr(line, end - line);
    if (field.size() > name.size() && field[name.size()] == ':' &&
        boost::beast::iequals(field.substr(0, name.size()), name)) {
      return line;
    }
    line = end + 2;
  }
  return std::string::npos;
}

void Response::append_field(std::string_view name, std::string_view value) {
  names_ |= name_bit(name);
  // The line is put together on the stack and appended once: four appends (two of C strings,
  // each measured with strlen) cost about 70 instructions more a field, some nine a call.
  const std::size_t size = name.size() + value.size() + 4;
  std::array<char, 256> line;
  if (size > line.size()) {
    fields_.append(name).append(": ").append(value).append("\r\n");
    return;
  }
  char* out = line.data();
  std::memcpy(out, name.data(), name.size());
  out += name.size();
  *out++ = ':';
  *out++ = ' ';
  std::memcpy(out, value.data(), value.size());
  out += value.size();
  *out++ = '\r';
  *out = '\n';
  fields_.append(line.data(), size);
}

void Response::add(std::string_view name, std::string_view value) {
  assert(find(name) == std::string::npos);
  append_field(name, value);
}

void Response::add(http::field name, std::string_view value) {
  const auto text = http::to_string(name);
  add(std::string_view{text.data(), text.size()}, value);
}

void Response::set(std::string_view name, std::string_view value) {
  if (const std::size_t at = find(name); at != std::string::npos) {
    fields_.erase(at, fields_.find("\r\n", at) + 2 - at);
  }
  append_field(name, value);
}

void Response::set(http::field name, std::string_view value) {
  const auto text = http::to_string(name);
  set(std::string_view{text.data(), text.size()}, value);
}

std::optional<std::string_view> Response::field(std::string_view name) const {
  const std::size_t at = find(name);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const std::size_t value = at + name.size() + 2;  // past ": "
  return std::string_view{fields_}.substr(value, fields_.find("\r\n", at) - value);
}

std::string Response::head() const {
  // Few appends, each of a known size: a C string was measured with strlen, an iterator range
  // went through _M_replace, and each push_back checked the capacity again (together about 450
  // instructions a response).
  const auto reason = http::obsolete_reason(status_);
  std::string head;
  head.reserve(fields_.size() + 96);
  // "HTTP/1.1 200 ": the version and status (at most 10 digits for an unsigned) in one piece.
  char line[24] = "HTTP/1.1 ";
  line[5] = static_cast<char>('0' + version_ / 10);
  line[7] = static_cast<char>('0' + version_ % 10);
  char* end = std::to_chars(line + 9, std::end(line) - 1, result_int()).ptr;
  *end++ = ' ';
  head.append(line, static_cast<std::size_t>(end - line));
  head.append(reason.data(), reason.size());
  head.append("\r\n"sv);
  head.append(fields_);
  if (chunked_) {
    head.append("Transfer-Encoding: chunked\r\n"sv);
  } else {
    // "Content-Length: ", at most 20 digits and "\r\n" in one piece.
    char length[40] = "Content-Length: ";
    end = std::to_chars(length + 16, std::end(length) - 2, body_.size()).ptr;
    *end++ = '\r';
    *end++ = '\n';
    head.append(length, static_cast<std::size_t>(end - length));
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (version_ >= 11 && !keep_alive_) {
    head.append("Connection: close\r\n"sv);
  } else if (version_ < 11 && keep_alive_) {
    head.append("Connection: keep-alive\r\n"sv);
  }
  head.append("\r\n"sv);
  return head;
}

}  // namespace governor::server
