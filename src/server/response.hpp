#pragma once

// Private to the server module: a response Governor writes itself.

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace governor::server {

/** A response as Governor writes it: a status, header fields kept as their wire text, and a
 *  body. Beast's field container allocated a node per field and kept them in a tree, about seven
 *  allocations of every proxied call for fields written once and never looked up; here a field
 *  is appended to one string (set() replaces one of the same name). Field values are Governor's
 *  own or ones Beast's parser read, so they never hold a line break. */
class Response {
 public:
  Response(boost::beast::http::status status, unsigned version);

  /** Adds a field the response does not have yet: no search (checked by assert in the
   *  sanitizer builds). Most fields are set once, on a fresh response. */
  void add(std::string_view name, std::string_view value);
  void add(boost::beast::http::field name, std::string_view value);
  /** Sets a field, replacing one of the same name (names compare case-insensitively). */
  void set(std::string_view name, std::string_view value);
  void set(boost::beast::http::field name, std::string_view value);
  /** A field's value, nullopt when it is not set. */
  std::optional<std::string_view> field(std::string_view name) const;

  unsigned result_int() const { return static_cast<unsigned>(status_); }
  unsigned version() const { return version_; }
  std::string& body() { return body_; }
  const std::string& body() const { return body_; }
  void keep_alive(bool keep) { keep_alive_ = keep; }
  bool keep_alive() const { return keep_alive_; }
  /** A chunked response (a stream) carries Transfer-Encoding instead of Content-Length. */
  void chunked(bool chunked) { chunked_ = chunked; }

  /** The status line and header fields as HTTP/1.x puts them on the wire, Content-Length (or
   *  Transfer-Encoding) and Connection included, ending with the blank line. */
  std::string head() const;

 private:
  /** Where the line of the field `name` starts in fields_, npos when it is not set. */
  std::size_t find(std::string_view name) const;
  /** Appends "name: value\r\n" to fields_. */
  void append_field(std::string_view name, std::string_view value);
  /** One of 64 bits, the same for names that compare equal (case-insensitively). */
  static std::uint64_t name_bit(std::string_view name);

  boost::beast::http::status status_;
  unsigned version_;
  bool keep_alive_ = true;
  bool chunked_ = false;
  std::string fields_;  ///< "Name: value\r\n" for each field, in the order set
  /** name_bit() of every name appended to fields_ (never cleared): a name whose bit is clear is
   *  not there, and find() need not look. A response's X-Request-Id (set() on every call's
   *  response) shares its bit with none of the others, whose scan cost about 400 instructions. */
  std::uint64_t names_ = 0;
  std::string body_;
};

}  // namespace governor::server
