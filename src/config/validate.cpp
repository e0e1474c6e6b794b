#include "validate.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace governor::config::detail {
namespace {

std::string upstream_field(std::size_t i, std::string_view key) {
  return child_field(item_field("upstreams", i), key);
}

std::string tier_field(std::size_t i, std::string_view key) {
  return child_field(item_field("tiers", i), key);
}

void check_upstream_names(const GatewayConfig& config, Diagnostics& diag) {
  std::map<std::string_view, std::size_t> first;
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    const std::string& name = config.upstreams[i].name;
    if (name.empty()) {
      continue;  // already reported as missing
    }
    if (const auto [it, inserted] = first.emplace(name, i); !inserted) {
      diag.error_at(upstream_field(i, "name"), "upstream name '" + name +
                                                   "' is already used by upstreams[" +
                                                   std::to_string(it->second) + "]");
    }
    if (config.find_tier(name) != nullptr) {
      // Clients pin upstreams by name in `model`; a tier of the same name would make the
      // trace card and the metrics ambiguous.
      diag.error_at(upstream_field(i, "name"),
                    "upstream name '" + name + "' is also the name of a tier");
    }
  }
}

void check_fallbacks(const GatewayConfig& config, Diagnostics& diag) {
  const std::size_t n = config.upstreams.size();
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<std::size_t> next(n, kNone);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string& target = config.upstreams[i].fallback;
    if (target.empty()) {
      continue;
    }
    if (target == config.upstreams[i].name) {
      diag.error_at(upstream_field(i, "fallback"), "an upstream cannot fall back to itself");
      continue;
    }
    const UpstreamConfig* to = config.find_upstream(target);
    if (to == nullptr) {
      diag.error_at(upstream_field(i, "fallback"),
                    "fallback '" + target + "' is not a defined upstream");
      continue;
    }
    next[i] = static_cast<std::size_t>(to - config.upstreams.data());
  }
  // Each upstream has at most one fallback, so following the edges from any start either ends
  // or runs into a loop. Walks mark their nodes; meeting a node of the current walk is a cycle.
  enum class Mark { unvisited, on_walk, done };
  std::vector<Mark> mark(n, Mark::unvisited);
  for (std::size_t start = 0; start < n; ++start) {
    std::vector<std::size_t> walk;
    std::size_t v = start;
    while (v != kNone && mark[v] == Mark::unvisited) {
      mark[v] = Mark::on_walk;
      walk.push_back(v);
      v = next[v];
    }
    if (v != kNone && mark[v] == Mark::on_walk) {
      // Report the cycle once, at the member written first in the file.
      const auto begin = std::find(walk.begin(), walk.end(), v);
      const std::size_t first = *std::min_element(begin, walk.end());
      std::string path = config.upstreams[first].name;
      for (std::size_t u = next[first];; u = next[u]) {
        path += " -> " + config.upstreams[u].name;
        if (u == first) {
          break;
        }
      }
      diag.error_at(upstream_field(first, "fallback"), "fallback cycle: " + path);
    }
    for (const std::size_t w : walk) {
      mark[w] = Mark::done;
    }
  }
}

void check_tiers(const GatewayConfig& config, Diagnostics& diag) {
  std::map<std::string_view, std::size_t> tier_names;
  std::map<std::string_view, std::size_t> member_of;  // upstream name -> tier index
  for (std::size_t t = 0; t < config.tiers.size(); ++t) {
    const TierConfig& tier = config.tiers[t];
    if (!tier.name.empty()) {
      if (const auto [it, inserted] = tier_names.emplace(tier.name, t); !inserted) {
        diag.error_at(tier_field(t, "name"), "tier name '" + tier.name +
                                                 "' is already used by tiers[" +
                                                 std::to_string(it->second) + "]");
      }
    }
    for (std::size_t m = 0; m < tier.upstreams.size(); ++m) {
      const std::string& name = tier.upstreams[m];
      const std::string field = item_field(tier_field(t, "upstreams"), m);
      if (config.find_upstream(name) == nullptr) {
        diag.error_at(field, "'" + name + "' is not a defined upstream");
        continue;
      }
      if (const auto [it, inserted] = member_of.emplace(name, t); !inserted) {
        const std::string& other = config.tiers[it->second].name;
        diag.error_at(field, it->second == t
                                 ? "upstream '" + name + "' is listed twice in this tier"
                                 : "upstream '" + name + "' is already in tier '" + other +
                                       "' (an upstream belongs to at most one tier)");
      }
    }
  }
}

void check_routing(const GatewayConfig& config, Diagnostics& diag) {
  const RoutingConfig& routing = config.routing;
  for (std::size_t i = 0; i < routing.aliases.size(); ++i) {
    const std::string& alias = routing.aliases[i];
    const std::string field = item_field("routing.aliases", i);
    if (config.find_upstream(alias) != nullptr) {
      diag.error_at(field, "alias '" + alias +
                               "' is also an upstream name; a request for it would be both "
                               "routed and pinned");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (routing.aliases[j] == alias) {
        diag.error_at(field, "alias '" + alias + "' is listed twice");
        break;
      }
    }
  }
  if (!routing.default_tier.empty() && config.find_tier(routing.default_tier) == nullptr) {
    std::string names;
    for (const TierConfig& tier : config.tiers) {
      names += (names.empty() ? "" : ", ") + tier.name;
    }
    diag.error_at("routing.default_tier", "default_tier '" + routing.default_tier +
                                              "' is not a defined tier (defined: " + names + ")");
  }
}

// Paths in the config mean the same thing whatever the working directory of the process.
std::filesystem::path resolve(const std::string& text, const std::filesystem::path& base_dir) {
  std::filesystem::path path{text};
  if (path.is_relative()) {
    path = (base_dir / path).lexically_normal();
  }
  return path;
}

void check_ca_files(GatewayConfig& config, const std::filesystem::path& base_dir,
                    Diagnostics& diag) {
  for (std::size_t i = 0; i < config.upstreams.size(); ++i) {
    std::string& ca_file = config.upstreams[i].tls.ca_file;
    if (ca_file.empty()) {
      continue;
    }
    const std::filesystem::path path = resolve(ca_file, base_dir);
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    const char* problem = !std::filesystem::exists(status)            ? "does not exist"
                          : !std::filesystem::is_regular_file(status) ? "is not a regular file"
                          : !std::ifstream{path}.is_open()            ? "is not readable"
                                                                      : nullptr;
    if (problem != nullptr) {
      diag.error_at(upstream_field(i, "tls.ca_file"), "CA file '" + path.string() + "' " + problem);
      continue;
    }
    ca_file = path.string();
  }
}

// Directories are used long after loading (policies on every reload), so they are stored
// absolute: what was checked is what is used, whatever the working directory is by then.
std::filesystem::path resolve_dir(const std::string& text, const std::filesystem::path& base_dir) {
  const std::filesystem::path path = resolve(text, base_dir);
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  return ec ? path : absolute.lexically_normal();
}

void check_directories(GatewayConfig& config, const std::filesystem::path& base_dir,
                       Diagnostics& diag) {
  // The server creates a log file and its directory; a directory in its place is wrong now.
  const auto resolve_log_file = [&](std::string& log_path, const char* field) {
    if (log_path.empty()) {
      return;
    }
    const std::filesystem::path path = resolve_dir(log_path, base_dir);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      diag.error_at(field, "'" + path.string() + "' is a directory");
    } else {
      log_path = path.string();
    }
  };
  resolve_log_file(config.logs.decision_log.path, "logs.decision_log.path");
  resolve_log_file(config.logs.access_log_file.path, "logs.access_log.path");
  if (!config.ledger.data_dir.empty()) {
    // The server creates the directory; only something else in its place is wrong now.
    const std::filesystem::path path = resolve_dir(config.ledger.data_dir, base_dir);
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
      diag.error_at("ledger.data_dir", "'" + path.string() + "' exists and is not a directory");
    } else {
      config.ledger.data_dir = path.string();
    }
  }
  if (!config.policies.dir.empty()) {
    const std::filesystem::path path = resolve_dir(config.policies.dir, base_dir);
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(path, ec);
    const char* problem = !std::filesystem::exists(status)         ? "does not exist"
                          : !std::filesystem::is_directory(status) ? "is not a directory"
                                                                   : nullptr;
    if (problem != nullptr) {
      diag.error_at("policies.dir", "policies directory '" + path.string() + "' " + problem);
    } else {
      config.policies.dir = path.string();
    }
  }
}

}  // namespace

void validate(ParsedConfig& parsed, const std::filesystem::path& base_dir, Diagnostics& diag) {
  GatewayConfig& config = parsed.config;
  check_upstream_names(config, diag);
  check_fallbacks(config, diag);
  check_tiers(config, diag);
  check_routing(config, diag);
  check_ca_files(config, base_dir, diag);
  check_directories(config, base_dir, diag);
  check_access(config, diag);
}

}  // namespace governor::config::detail
