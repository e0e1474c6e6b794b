#pragma once

// Private to the server module: a client request as Governor keeps it.

#include <boost/beast/http/verb.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>  // verb.hpp's operator<< needs it, and Beast 1.81 includes only <iosfwd>
#include <string>
#include <string_view>

namespace governor::server {

/** A client's HTTP/1 request: the request line, the body and only the header fields Governor
 *  reads (Authorization and X-Governor-*, see RequestParser). Beast's message allocated a node
 *  per field, in a list and a tree, for the dozen fields an SDK sends, of which Governor looks up
 *  two or three. Here the method (when not a known verb), the target and the kept fields share
 *  one string: a field is a record of its name's and value's sizes and their bytes, appended.
 *  reset() keeps that string's and the body's capacity, so a connection's session reads each of
 *  its requests into the same Request and allocates nothing per request once warm.
 *  @par Thread safety None; one request on one session's frame. */
class Request {
 public:
  using Verb = boost::beast::http::verb;

  Request() = default;
  /** A request with no fields and no body, as Beast's message constructor makes one. */
  Request(Verb method, std::string_view target, unsigned version);

  /** Starts a new request: forgets the fields and the body, keeping their storage (up to
   *  kKeptBodyCapacity of the body's). `method_string` is kept only for Verb::unknown, as Beast
   *  does. Keep-alive is the version's default until keep_alive(bool) says otherwise. */
  void reset(Verb method, std::string_view method_string, std::string_view target,
             unsigned version);

  Verb method() const { return method_; }
  /** The method's name: Beast's for a known verb, the request's own text for an unknown one. */
  std::string_view method_string() const;
  std::string_view target() const { return {text_.data() + method_size_, target_size_}; }
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  unsigned version() const { return version_; }
  bool keep_alive() const { return keep_alive_; }
  void keep_alive(bool keep) { keep_alive_ = keep; }
  std::string& body() { return body_; }
  const std::string& body() const { return body_; }

  /** Appends a field, after any of the same name. */
  void insert(std::string_view name, std::string_view value);
  /** The first field named `name` (in any case), nullopt when none. */
  std::optional<std::string_view> field(std::string_view name) const;
  /** Calls `visit(name, value)` for each field, in the order inserted. */
  template <class Visit>
  void for_each_field(Visit&& visit) const;

  /** The body storage a reset keeps: one big body does not pin its memory to the connection,
   *  which holds it while idle too (16 kB, beside the session's 8 kB read buffer: most chat
   *  requests fit, and 10k idle connections hold at most 160 MB of it). */
  static constexpr std::size_t kKeptBodyCapacity = 16 * 1024;

 private:
  /** A field record in text_: name size, value size, then the name's and the value's bytes. */
  using Size = std::uint32_t;
  static constexpr std::size_t kRecordHead = 2 * sizeof(Size);

  Verb method_ = Verb::unknown;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  Size method_size_ = 0;  ///< 0 unless the method is unknown
  Size target_size_ = 0;
  std::string text_;  ///< method (unknown only), target, then the field records
  std::string body_;
};

template <class Visit>
void Request::for_each_field(Visit&& visit) const {
  std::size_t at = method_size_ + target_size_;
  while (at < text_.size()) {
    Size sizes[2];
    std::memcpy(sizes, text_.data() + at, kRecordHead);
    const char* name = text_.data() + at + kRecordHead;
    visit(std::string_view(name, sizes[0]), std::string_view(name + sizes[0], sizes[1]));
    at += kRecordHead + sizes[0] + sizes[1];
  }
}

}  // namespace governor::server
