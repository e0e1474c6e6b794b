#include "request_headers.hpp"

#include <boost/beast/core/string.hpp>
#include <utility>

namespace governor::server {

namespace beast = boost::beast;

std::optional<std::string_view> header_of(const Request& request, std::string_view name) {
  return request.field(name);
}

// One pass over the fields, where a lookup per header walked them six times a call. Like
// header_of, the first of a repeated header counts.
GovernorHeaders governor_headers(const Request& request) {
  constexpr std::string_view kPrefix = "x-governor-";
  GovernorHeaders out;
  const std::pair<std::string_view, std::optional<std::string_view>*> names[] = {
      {"task", &out.task},     {"session", &out.session},
      {"step", &out.step},     {"trust-domain", &out.trust_domain},
      {"policy", &out.policy}, {"retry", &out.retry}};
  request.for_each_field([&](std::string_view name, std::string_view value) {
    if (name.size() <= kPrefix.size() || !beast::iequals(name.substr(0, kPrefix.size()), kPrefix)) {
      return;
    }
    const std::string_view rest = name.substr(kPrefix.size());
    for (const auto& [suffix, slot] : names) {
      if (!*slot && beast::iequals(rest, suffix)) {
        *slot = value;
        break;
      }
    }
  });
  return out;
}

}  // namespace governor::server
