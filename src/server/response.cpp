#include "response.hpp"

#include <boost/beast/core/string.hpp>
#include <cassert>
#include <charconv>
#include <cstring>

namespace governor::server {

namespace http = boost::beast::http;

namespace {

/** Appends `name: value` CRLF in one growth of `out`: four appends of it (two of them of
 *  C strings, measured each time) were about 130 instructions a field. */
void append_field(std::string& out, std::string_view name, std::string_view value) {
  const std::size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  if (!value.empty()) {
    std::memcpy(p, value.data(), value.size());
    p += value.size();
  }
  *p++ = '\r';
  *p = '\n';
}

}  // namespace

Response::Response(http::status status, unsigned version) : status_(status), version_(version) {
  fields_.reserve(256);
}

std::size_t Response::find(std::string_view name) const {
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

void Response::add(std::string_view name, std::string_view value) {
  assert(find(name) == std::string::npos);
  append_field(fields_, name, value);
}

void Response::add(http::field name, std::string_view value) {
  const auto text = http::to_string(name);
  add(std::string_view{text.data(), text.size()}, value);
}

void Response::set(std::string_view name, std::string_view value) {
  if (const std::size_t at = find(name); at != std::string::npos) {
    fields_.erase(at, fields_.find("\r\n", at) + 2 - at);
  }
  append_field(fields_, name, value);
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
  const auto reason = http::obsolete_reason(status_);
  std::string head;
  head.reserve(fields_.size() + 96);
  head.append("HTTP/");
  head.push_back(static_cast<char>('0' + version_ / 10));
  head.push_back('.');
  head.push_back(static_cast<char>('0' + version_ % 10));
  head.push_back(' ');
  char number[24];
  auto [end, ec] = std::to_chars(number, number + sizeof number, result_int());
  head.append(number, end);
  head.push_back(' ');
  head.append(reason.data(), reason.size());
  head.append("\r\n");
  head.append(fields_);
  if (chunked_) {
    append_field(head, "Transfer-Encoding", "chunked");
  } else {
    end = std::to_chars(number, number + sizeof number, body_.size()).ptr;
    append_field(head, "Content-Length", std::string_view(number, end - number));
  }
  // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
  if (version_ >= 11 && !keep_alive_) {
    append_field(head, "Connection", "close");
  } else if (version_ < 11 && keep_alive_) {
    append_field(head, "Connection", "keep-alive");
  }
  head.append("\r\n", 2);
  return head;
}

}  // namespace governor::server
