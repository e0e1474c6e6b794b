#include "text_rules.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <vector>

namespace governor::config::detail {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Host of an authority: a bracketed IPv6 literal or a registered name / IPv4 address.
bool is_valid_host(std::string_view host) {
  if (host.empty()) {
    return false;
  }
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return false;
    }
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
      return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
             c == '.';
    });
  }
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_'; });
}

}  // namespace

bool is_valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '-';
  });
}

bool is_ip_literal(const std::string& address) {
  in6_addr buffer{};
  return inet_pton(AF_INET, address.c_str(), &buffer) == 1 ||
         inet_pton(AF_INET6, address.c_str(), &buffer) == 1;
}

bool is_loopback_address(const std::string& address) {
  if (address == "localhost") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    // ::ffff:127.0.0.1 is the IPv4 loopback seen through a dual-stack socket.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string normalize_sha256_hex(std::string_view text) {
  constexpr std::size_t kHexDigits = 64;
  if (text.size() != kHexDigits) {
    return {};
  }
  std::string out;
  out.reserve(kHexDigits);
  for (const char c : text) {
    if (is_digit(c) || (c >= 'a' && c <= 'f')) {
      out += c;
    } else if (c >= 'A' && c <= 'F') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      return {};
    }
  }
  return out;
}

std::string dollars_text(MicroUsd amount) {
  std::string text = amount.to_string();  // always six decimals
  const std::size_t keep = text.find('.') + 3;
  while (text.size() > keep && text.back() == '0') {
    text.pop_back();
  }
  return text.front() == '-' ? "-$" + text.substr(1) : "$" + text;
}

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_'; });
}

BaseUrl normalize_base_url(std::string_view text) {
  std::string_view rest;
  if (text.starts_with("http://")) {
    rest = text.substr(7);
  } else if (text.starts_with("https://")) {
    rest = text.substr(8);
  } else {
    return {{}, "must start with http:// or https://"};
  }
  if (text.find_first_of("?#") != std::string_view::npos) {
    return {{}, "must not have a query or fragment"};
  }
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return {{}, "must not contain spaces or control characters"};
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    return {{}, "must not contain credentials; put the key in the variable named by api_key_env"};
  }
  // The port separator is the last ':' outside an IPv6 literal's brackets.
  std::string_view host = authority;
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit)) {
      return {{}, "has an invalid port '" + std::string{port} + "'"};
    }
    const int number = std::stoi(std::string{port});
    if (number < 1 || number > 65535) {
      return {{}, "has an invalid port '" + std::string{port} + "' (expected 1-65535)"};
    }
  }
  if (!is_valid_host(host)) {
    return {{}, host.empty() ? "has no host" : "has an invalid host '" + std::string{host} + "'"};
  }
  std::string url{text};
  while (url.size() > 1 && url.back() == '/') {
    url.pop_back();
  }
  return {std::move(url), {}};
}

std::string_view closest_match(std::string_view word,
                               std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = 0;
  for (const std::string_view candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  // A third of the word may be wrong: "timout" -> "timeout", not "port" -> "workers".
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  return best_distance <= allowed ? best : std::string_view{};
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (const std::string_view w : words) {
    if (!out.empty()) {
      out += ", ";
    }
    out += w;
  }
  return out;
}

}  // namespace governor::config::detail
