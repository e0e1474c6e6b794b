#include "request_parser.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <string_view>

namespace governor::server {

namespace http = boost::beast::http;

namespace {

std::string_view as_std(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

/** The fields header_of and governor_headers read. */
bool is_kept_field(http::field name, std::string_view name_string) {
  constexpr std::string_view kPrefix = "x-governor-";
  if (name == http::field::authorization) {
    return true;
  }
  return name == http::field::unknown && name_string.size() > kPrefix.size() &&
         boost::beast::iequals(name_string.substr(0, kPrefix.size()), kPrefix);
}

}  // namespace

void RequestParser::on_request_impl(http::verb method, string_view method_string,
                                    string_view target, int version, error_code&) {
  request_.reset(method, as_std(method_string), as_std(target), static_cast<unsigned>(version));
}

void RequestParser::on_field_impl(http::field name, string_view name_string, string_view value,
                                  error_code&) {
  // All of them, in order: lookups take the first of a repeated one, as Beast's find() did.
  if (is_kept_field(name, as_std(name_string))) {
    request_.insert(as_std(name_string), as_std(value));
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                      error_code& ec) {
  // As Beast's string_body reader: the whole declared body in one allocation.
  if (content_length) {
    if (*content_length > request_.body().max_size()) {
      ec = http::error::buffer_overflow;
      return;
    }
    request_.body().reserve(static_cast<std::size_t>(*content_length));
  }
}

std::size_t RequestParser::on_body_impl(string_view body, error_code& ec) {
  std::string& out = request_.body();
  if (body.size() > out.max_size() - out.size()) {
    ec = http::error::buffer_overflow;
    return 0;
  }
  out.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void RequestParser::on_finish_impl(error_code&) {
  // After the trailer fields, if any: Beast's message read Connection among them too.
  request_.keep_alive(keep_alive());
}

}  // namespace governor::server
