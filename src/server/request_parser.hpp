#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>

#include "request.hpp"

namespace governor::server {

/** A client's HTTP/1 request, read with Beast's parser into a Request: the request line, the
 *  body (Content-Length or chunked, which Beast decodes) and of the header fields only the ones
 *  Governor reads, Authorization and X-Governor-* (names in any case). Beast's request_parser
 *  also stored every other field in an allocated element linked into a list and a tree (about
 *  1k instructions a call for the proxy benchmark's four headers, and an allocation for each of
 *  the dozen an SDK sends), none of them ever looked up. Its limits, eagerness and keep-alive
 *  are basic_parser's own.
 *  @par Thread safety None; one parser per request. */
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  /** Reads into `request`, which the request line resets (keeping its storage): a session
   *  reads each of its requests into the same one. */
  explicit RequestParser(Request& request) : request_(request) {}

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_string,
                       string_view target, int version, error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override;

  Request& request_;
};

}  // namespace governor::server
