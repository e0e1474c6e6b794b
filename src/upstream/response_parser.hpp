#pragma once

#include <array>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
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
 *
 *  A head of the common shape that came whole is read in one pass instead (read_simple_head),
 *  and its Content-Length body by take_body(): Beast's parser took about 3.6k instructions for
 *  the proxy benchmark's response, most of it walking each byte of the head through its state
 *  machine. Read the state through head_done(), finished(), reusable() and started(), which
 *  answer for either way of reading.
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

  /** Reads a whole response head from the start of `bytes` when it has the shape nearly every
   *  upstream sends: HTTP/1.0 or 1.1, a status from 200 to 599 other than 204 and 304, fields
   *  without line folding, one plain Content-Length, no Transfer-Encoding, Upgrade or
   *  Proxy-Connection, a Connection of at most `close` or `keep-alive`, under 8 kB. Its body is
   *  then taken by take_body(), never put(). Returns the bytes the head took; 0 leaves the
   *  response to put(), from the same first byte (Beast's grammar decides every other shape and
   *  every error). Only before anything was put(). */
  std::size_t read_simple_head(std::string_view bytes);
  /** The head was read by read_simple_head(). */
  bool simple() const { return simple_; }
  /** After read_simple_head(): moves what `bytes` holds of the body, up to room(), into the
   *  output; returns how many bytes it took. */
  std::size_t take_body(std::string_view bytes);

  bool head_done() const { return simple_ || is_header_done(); }
  bool finished() const { return simple_ ? body_left_ == 0 : is_done(); }
  /** The connection may carry another request once this response is finished. */
  bool reusable() const { return simple_ ? keep_alive_ : keep_alive(); }
  /** Some of the response was read. */
  bool started() const { return simple_ || got_some(); }

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
  bool simple_ = false;
  bool keep_alive_ = false;      ///< of a simple response
  std::uint64_t body_left_ = 0;  ///< of a simple response
};

}  // namespace governor::upstream
