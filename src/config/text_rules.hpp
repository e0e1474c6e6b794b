#pragma once

#include <span>
#include <string>
#include <string_view>

#include "governor/core/ids.hpp"
#include "governor/core/money.hpp"

namespace governor::config::detail {

/** Upstream, tier and alias names: [A-Za-z0-9._:/-]+ (what appears in `model` on the wire). */
bool is_valid_name(std::string_view name);
inline constexpr std::string_view kNameRule = "(allowed characters: A-Z a-z 0-9 . _ : / -)";

/** Policy names, tenants, trust domains and API key names: [A-Za-z0-9._:-]{1,128}. Stricter
 *  than is_valid_name (no '/'): these travel in headers, ledger keys and Redis hash tags. */
using ::governor::is_valid_id;
inline constexpr std::string_view kIdRule = "(1 to 128 characters of A-Z a-z 0-9 . _ : -)";

/** An IPv4 or IPv6 address literal (listeners bind to addresses, never to host names). */
bool is_ip_literal(const std::string& address);

/** 127.0.0.0/8, ::1, ::ffff:127.x.x.x, or "localhost". */
bool is_loopback_address(const std::string& address);

/** `text` as 64 lowercase hex digits when it is a SHA-256 in hex (either case), else "". */
std::string normalize_sha256_hex(std::string_view text);

/** A dollar amount for messages: "$0.13", "$1.00", "$0.000001" (at least two decimals, no
 *  trailing zeros beyond them). */
std::string dollars_text(MicroUsd amount);

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
