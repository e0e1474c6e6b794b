#pragma once

#include <boost/beast/core/string.hpp>
#include <optional>
#include <string_view>

namespace governor::upstream {

/** The value of the first field named `name` (in any case) of a Beast message or field set,
 *  nullopt when it has none. A scan of a message's handful of fields, lengths compared first:
 *  the field set's own lookup maps the name to a known field and walks a tree comparing
 *  case-insensitively, about 500 instructions a lookup. */
template <class Fields>
std::optional<std::string_view> find_field(const Fields& fields, std::string_view name) {
  for (const auto& field : fields) {
    const auto field_name = field.name_string();
    if (field_name.size() == name.size() &&
        boost::beast::iequals(std::string_view{field_name.data(), field_name.size()}, name)) {
      return std::string_view{field.value().data(), field.value().size()};
    }
  }
  return std::nullopt;
}

}  // namespace governor::upstream
