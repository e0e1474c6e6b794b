#pragma once

#include <string>
#include <string_view>

namespace governor {

/** The SHA-256 of `data` as 64 lowercase hex digits (OpenSSL EVP). Gateway API keys are stored
 *  and compared only in this form, so a leaked config file leaks no key.
 *  @par Thread safety: safe to call from any thread. */
std::string sha256_hex(std::string_view data);

/** True when `a` and `b` are equal, taking the same time whatever bytes they share, so a
 *  client cannot learn a stored hash byte by byte from response timing. Strings of different
 *  lengths compare unequal at once: the length is not secret (every stored hash is 64 digits). */
bool equal_constant_time(std::string_view a, std::string_view b);

}  // namespace governor
