// Who may call Governor, and where it listens: unique API keys, the loopback rule for a gateway
// without keys, and the admin listener.
#include <map>
#include <string>

#include "text_rules.hpp"
#include "validate.hpp"

namespace governor::config::detail {
namespace {

std::string key_field(std::size_t i, std::string_view key) {
  return child_field(item_field("auth.keys", i), key);
}

void check_keys(const AuthConfig& auth, Diagnostics& diag) {
  std::map<std::string_view, std::size_t> names;
  std::map<std::string_view, std::size_t> hashes;
  for (std::size_t i = 0; i < auth.keys.size(); ++i) {
    const AuthKey& key = auth.keys[i];
    if (!key.name.empty()) {
      if (const auto [it, inserted] = names.emplace(key.name, i); !inserted) {
        diag.error_at(key_field(i, "name"), "key name '" + key.name +
                                                "' is already used by auth.keys[" +
                                                std::to_string(it->second) + "]");
      }
    }
    if (!key.sha256.empty()) {
      // One key, two entries: which tenant pays would depend on list order.
      if (const auto [it, inserted] = hashes.emplace(key.sha256, i); !inserted) {
        diag.error_at(key_field(i, "sha256"),
                      "the same key as auth.keys[" + std::to_string(it->second) + "] ('" +
                          auth.keys[it->second].name + "'); a key has one name and one tenant");
      }
    }
  }
}

void check_loopback(const std::string& field, const std::string& address, Diagnostics& diag) {
  if (is_loopback_address(address)) {
    return;
  }
  diag.error_at(field, "'" + address +
                           "' is not a loopback address, and auth has no keys: Governor without "
                           "API keys serves only on loopback (127.0.0.0/8, ::1); add auth.keys "
                           "(hashes from `governor hash-key`) or listen on 127.0.0.1");
}

}  // namespace

void check_access(const GatewayConfig& config, Diagnostics& diag) {
  check_keys(config.auth, diag);
  if (!config.auth.enabled()) {
    check_loopback("listen.address", config.listen.address, diag);
    if (config.admin.enabled) {
      check_loopback("admin.address", config.admin.address, diag);
    }
  }
  if (config.admin.enabled && config.admin.port != 0 && config.admin.port == config.listen.port) {
    // Blame the port that was written: with `admin` left at its defaults, listen.port moved.
    const bool admin_written = diag.was_written("admin.port");
    diag.error_at(admin_written ? "admin.port" : "listen.port",
                  "port " + std::to_string(config.admin.port) + " is used by both listen.port " +
                      "and admin.port" + (admin_written ? "" : " (its default)") +
                      "; the admin listener needs a port of its own (or 0 for any free one)");
  }
}

std::vector<std::string> access_notices(const GatewayConfig& config) {
  std::vector<std::string> notices;
  if (config.admin.enabled && !is_loopback_address(config.admin.address)) {
    notices.push_back("admin listener on " + config.admin.address + ":" +
                      std::to_string(config.admin.port) +
                      " is not loopback: whoever reaches it can reload policies and read "
                      "status; keep it behind a firewall or on a private network");
  }
  return notices;
}

}  // namespace governor::config::detail
