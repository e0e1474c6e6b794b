#pragma once

#include <span>
#include <string>
#include <string_view>

namespace governor::config::detail {

/** Upstream, tier and alias names: [A-Za-z0-9._:/-]+ (what appears in `model` on the wire). */
bool is_valid_name(std::string_view name);
inline constexpr std::string_view kNameRule = "(allowed characters: A-Z a-z 0-9 . _ : / -)";

/** Environment variable names: [A-Z_][A-Z0-9_]*. */
bool is_valid_env_name(std::string_view name);

/** A checked base URL: `url` is the normalized form when `error` is empty. */
struct BaseUrl {
  std::string url;
  std::string error;
};

/** Accepts an absolute http:// or https:// URL with a host, an optional port (1-65535) and an
 *  optional path; rejects user info, query and fragment. Trailing slashes are trimmed so that
 *  "<base_url>/chat/completions" is always well formed. */
BaseUrl normalize_base_url(std::string_view text);

/** The candidate closest to `word` by edit distance when it is a plausible typo, else "". */
std::string_view closest_match(std::string_view word, std::span<const std::string_view> candidates);

/** "a, b, c". */
std::string join(std::span<const std::string_view> words);

}  // namespace governor::config::detail
