#include "request_headers.hpp"

#include <boost/beast/core/string.hpp>
#include <utility>

#include "governor/upstream/field_scan.hpp"

namespace governor::server {

namespace beast = boost::beast;

std::optional<std::string_view> header_of(const Request& request, std::string_view name) {
  return upstream::find_field(request, name);
}

// One pass over the fields, where a lookup per header walked the field set six times a call.
// Like find(), the first of a repeated header counts.
GovernorHeaders governor_headers(const Request& request) {
  constexpr std::string_view kPrefix = "x-governor-";
  GovernorHeaders out;
  const std::pair<std::string_view, std::optional<std::string_view>*> names[] = {
      {"task", &out.task},     {"session", &out.session},
      {"step", &out.step},     {"trust-domain", &out.trust_domain},
      {"policy", &out.policy}, {"retry", &out.retry}};
  for (const auto& field : request) {
    const std::string_view name{field.name_string().data(), field.name_string().size()};
    if (name.size() <= kPrefix.size() || !beast::iequals(name.substr(0, kPrefix.size()), kPrefix)) {
      continue;
    }
    const std::string_view rest = name.substr(kPrefix.size());
    for (const auto& [suffix, slot] : names) {
      if (!*slot && beast::iequals(rest, suffix)) {
        *slot = std::string_view{field.value().data(), field.value().size()};
        break;
      }
    }
  }
  return out;
}

}  // namespace governor::server
