#pragma once

#include <array>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace governor::upstream {

/** A header value, kept inline up to 80 bytes (every Content-Type and Retry-After seen in
 *  practice: "application/json" is already past std::string's 15 inline bytes), on the heap
 *  beyond. */
class KeptValue {
 public:
  void assign(std::string_view value);
  std::string_view view() const {
    return heap_.empty() ? std::string_view(inline_.data(), size_) : std::string_view(heap_);
  }
  bool assigned() const { return assigned_; }

 private:
  std::array<char, 80> inline_;  // uninitialized: size_ bytes of it are written before any read
  std::size_t size_ = 0;
  std::string heap_;
  bool assigned_ = false;
};

/** An upstream's HTTP/1 response, read with Beast's parser but keeping only what Governor reads
 *  of it: the status, three headers and the body, which goes piece by piece into the caller's
 *  buffer as Beast's buffer_body does. Beast's response_parser also stored every field (and the
 *  reason phrase) in an allocated element linked into a list and a tree: about 1.3k instructions
 *  a proxied call for nginx's five headers, none of which were ever looked up.
 *  @par Thread safety None; one parser per response. */
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  unsigned status() const { return status_; }
  /** The first Content-Type, Retry-After and Retry-After-Ms header values; "" when absent. */
  std::string_view content_type() const { return content_type_.view(); }
  std::string_view retry_after() const { return retry_after_.view(); }
  std::string_view retry_after_ms() const { return retry_after_ms_.view(); }

  /** Where the body's next bytes go. Before any output is set, or once `size` bytes are written
   *  (room() is 0), the parser stops with http::error::need_buffer, as buffer_body's reader does.
   */
  void set_output(char* data, std::size_t size) {
    output_ = data;
    room_ = size;
  }
  /** What is left of the output set last. */
  std::size_t room() const { return room_; }

 private:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  unsigned status_ = 0;
  KeptValue content_type_;
  KeptValue retry_after_;
  KeptValue retry_after_ms_;
  char* output_ = nullptr;
  std::size_t room_ = 0;
};

}  // namespace governor::upstream
