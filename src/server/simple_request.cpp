#include "simple_request.hpp"

#include <boost/beast/http/verb.hpp>
#include <cstring>

#include "governor/core/http_scan.hpp"

namespace governor::server {

namespace scan = http_scan;

std::size_t read_simple_request(std::string_view bytes, Request& request, RequestLimits limits) {
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();

  // Request line: method SP target SP HTTP/1.x CRLF.
  const auto* space = static_cast<const char*>(std::memchr(begin, ' ', bytes.size()));
  if (space == nullptr) {
    return 0;
  }
  const std::string_view method(begin, static_cast<std::size_t>(space - begin));
  if (!scan::is_token(method)) {
    return 0;
  }
  const auto verb = boost::beast::http::string_to_verb({method.data(), method.size()});
  if (verb == boost::beast::http::verb::unknown) {
    return 0;  // Beast keeps an unknown method's text
  }
  const char* const target_begin = space + 1;
  const char* p = scan::find_stop<0x20>(target_begin, end);  // bytes above space, not DEL
  constexpr std::string_view kVersion = " HTTP/1.1\r\n";
  if (p == target_begin || static_cast<std::size_t>(end - p) < kVersion.size() ||
      std::memcmp(p, kVersion.data(), kVersion.size() - 3) != 0 || (p[8] != '1' && p[8] != '0') ||
      p[9] != '\r' || p[10] != '\n') {
    return 0;
  }
  const unsigned version = p[8] == '1' ? 11 : 10;
  request.reset(verb, {},
                std::string_view(target_begin, static_cast<std::size_t>(p - target_begin)),
                version);
  p += kVersion.size();

  scan::Framing framing;
  p = scan::read_fields(p, end, [&](std::string_view name, std::string_view value) {
    if (!framing.read(name, value)) {
      return false;
    }
    constexpr std::string_view kGovernorPrefix = "x-governor-";
    if (scan::equals_lower(name, "authorization") ||
        (name.size() > kGovernorPrefix.size() &&
         scan::equals_lower(name.substr(0, kGovernorPrefix.size()), kGovernorPrefix))) {
      request.insert(name, value);
    }
    return true;
  });
  // At the header limit or past it: Beast's verdict.
  if (p == nullptr || static_cast<std::size_t>(p - begin) >= limits.header_bytes) {
    return 0;
  }
  const std::uint64_t body = framing.content_length.value_or(0);
  if (body > limits.body_bytes || body > static_cast<std::uint64_t>(end - p)) {
    return 0;  // too big (Beast's error), or not all here yet
  }
  request.body().assign(p, static_cast<std::size_t>(body));
  request.keep_alive(framing.keeps_alive(version));
  return static_cast<std::size_t>(p - begin) + static_cast<std::size_t>(body);
}

}  // namespace governor::server
