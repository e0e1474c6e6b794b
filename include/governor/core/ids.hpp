#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace governor {

inline constexpr std::size_t kMaxIdLength = 128;

/** Ids that travel in headers, ledger keys and Redis hash tags (task, session, tenant, trust
 *  domain, policy and key names): 1 to 128 characters of [A-Za-z0-9._:-]. */
constexpr bool is_valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

}  // namespace governor
