#include "resolve_env.hpp"

namespace governor::config::detail {

std::vector<std::string> resolve_env(ParsedConfig& parsed, const EnvLookup& env) {
  std::vector<std::string> notices;
  auto& upstreams = parsed.config.upstreams;
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    UpstreamConfig& up = upstreams[i];
    const std::string who = "upstream '" + up.name + "': ";
    if (!up.tls.verify_peer) {
      notices.push_back(who +
                        "tls.verify_peer is false; the upstream's certificate is not checked");
    }
    if (up.api_key_env.empty()) {
      continue;
    }
    // An empty variable counts as unset: `export OPENAI_API_KEY=` is a common way to unset.
    const std::optional<std::string> key = env ? env(up.api_key_env) : std::nullopt;
    if (key && !key->empty()) {
      continue;
    }
    if (const auto& fallback = parsed.when_key_missing[i]) {
      up.base_url = fallback->base_url;
      if (!fallback->model.empty()) {
        up.model = fallback->model;
      }
      up.simulated = true;
      notices.push_back(who + up.api_key_env + " is not set; using when_key_missing " +
                        up.base_url + " (model " + up.model + ")");
    } else {
      notices.push_back(who + up.api_key_env +
                        " is not set; calls go without an Authorization header");
    }
  }
  return notices;
}

}  // namespace governor::config::detail
