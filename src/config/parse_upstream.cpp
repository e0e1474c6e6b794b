// Structural reading of one `upstreams` item and its sub-sections.
#include <array>

#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {
namespace {

void read_base_url(const MapReader& r, std::string& out) {
  std::string text;
  if (!r.read_string("base_url", text)) {
    if (!r.has("base_url")) {
      r.require("base_url");
    }
    return;
  }
  BaseUrl url = normalize_base_url(text);
  if (!url.error.empty()) {
    r.diag().error(r.line_of("base_url"), r.field_of("base_url"),
                   "'" + text + "' " + url.error + " (e.g. https://api.openai.com/v1)");
    return;
  }
  out = std::move(url.url);
}

void parse_when_key_missing(const MapReader& up, std::optional<WhenKeyMissing>& out) {
  const YAML::Node* node = up.find("when_key_missing");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    up.field_of("when_key_missing"),
                    up.line_of("when_key_missing"),
                    {"base_url", "model"},
                    up.diag()};
  if (!r.ok()) {
    return;
  }
  WhenKeyMissing fallback;
  read_base_url(r, fallback.base_url);
  r.read_nonempty("model", fallback.model);
  out = std::move(fallback);
}

void parse_prices(const MapReader& up, ModelPrices& prices) {
  const YAML::Node* node = up.find("price_per_million");
  if (node == nullptr) {
    up.require("price_per_million");
    return;
  }
  const MapReader r{*node,
                    up.field_of("price_per_million"),
                    up.line_of("price_per_million"),
                    {"input", "output"},
                    up.diag()};
  if (!r.ok()) {
    return;
  }
  if (!r.read_price("input", prices.input) && !r.has("input")) {
    r.require("input");
  }
  if (!r.read_price("output", prices.output) && !r.has("output")) {
    r.require("output");
  }
}

void parse_capabilities(const MapReader& up, Capabilities& caps) {
  const YAML::Node* node = up.find("capabilities");
  if (node == nullptr) {
    return;  // the defaults of Capabilities
  }
  // A given list is the whole truth: what it does not name, the model cannot do.
  Capabilities listed{.tools = false, .logprobs = false, .json_mode = false, .streaming = false};
  constexpr std::array<std::string_view, 4> kNames = {"tools", "logprobs", "json_mode",
                                                      "streaming"};
  Diagnostics& diag = up.diag();
  const auto count = for_each_item(
      *node, up.field_of("capabilities"), up.line_of("capabilities"), diag,
      [&](const YAML::Node& item, const std::string& field, int line) {
        const auto name = as_string(item, field, line, diag);
        if (!name) {
          return;
        }
        bool* flag = *name == "tools"       ? &listed.tools
                     : *name == "logprobs"  ? &listed.logprobs
                     : *name == "json_mode" ? &listed.json_mode
                     : *name == "streaming" ? &listed.streaming
                                            : nullptr;
        if (flag == nullptr) {
          diag.error(line, field,
                     "unknown capability '" + *name + "' (expected one of: " + join(kNames) + ")");
        } else if (*flag) {
          diag.error(line, field, "capability '" + *name + "' is listed twice");
        } else {
          *flag = true;
        }
      });
  if (count) {
    caps = listed;
  }
}

void parse_timeouts(const MapReader& up, UpstreamTimeouts& timeouts) {
  const YAML::Node* node = up.find("timeouts");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    up.field_of("timeouts"),
                    up.line_of("timeouts"),
                    {"connect_ms", "first_byte_ms", "idle_ms", "total_ms"},
                    up.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_millis("connect_ms", timeouts.connect, 1);
  r.read_millis("first_byte_ms", timeouts.first_byte, 1);
  r.read_millis("idle_ms", timeouts.idle, 1);
  r.read_millis("total_ms", timeouts.total, 1);
  // Each phase lives inside the whole call; a longer phase timeout could never fire. Checked on
  // the values after defaults, so `total_ms: 1000` alone is also caught.
  const std::pair<std::string_view, Millis> phases[] = {{"connect_ms", timeouts.connect},
                                                        {"first_byte_ms", timeouts.first_byte},
                                                        {"idle_ms", timeouts.idle}};
  for (const auto& [key, value] : phases) {
    if (value > timeouts.total) {
      const std::string_view at = r.has(key) ? key : "total_ms";
      r.diag().error(r.line_of(at), r.field_of(key),
                     std::string{key} + " (" + std::to_string(value.count()) +
                         ") must not exceed total_ms (" + std::to_string(timeouts.total.count()) +
                         ")");
    }
  }
}

void parse_retry(const MapReader& up, RetryConfig& retry) {
  const YAML::Node* node = up.find("retry");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node,
                    up.field_of("retry"),
                    up.line_of("retry"),
                    {"max_attempts", "backoff_ms", "max_backoff_ms"},
                    up.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_int_as("max_attempts", retry.max_attempts, 1, 10);
  r.read_millis("backoff_ms", retry.backoff, 0);
  r.read_millis("max_backoff_ms", retry.max_backoff, 0);
  if (retry.backoff > retry.max_backoff) {
    const std::string_view at = r.has("backoff_ms") ? "backoff_ms" : "max_backoff_ms";
    r.diag().error(r.line_of(at), r.field_of("backoff_ms"),
                   "backoff_ms (" + std::to_string(retry.backoff.count()) +
                       ") must not exceed max_backoff_ms (" +
                       std::to_string(retry.max_backoff.count()) + ")");
  }
}

void parse_tls(const MapReader& up, TlsConfig& tls) {
  const YAML::Node* node = up.find("tls");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node, up.field_of("tls"), up.line_of("tls"), {"verify_peer", "ca_file"}, up.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_bool("verify_peer", tls.verify_peer);
  r.read_nonempty("ca_file", tls.ca_file);  // existence is checked in validate()
}

void parse_pool(const MapReader& up, PoolConfig& pool) {
  const YAML::Node* node = up.find("pool");
  if (node == nullptr) {
    return;
  }
  const MapReader r{
      *node, up.field_of("pool"), up.line_of("pool"), {"max_idle", "idle_timeout_ms"}, up.diag()};
  if (!r.ok()) {
    return;
  }
  r.read_int_as("max_idle", pool.max_idle, 0, 100'000);
  r.read_millis("idle_timeout_ms", pool.idle_timeout, 1);
}

}  // namespace

void parse_upstream(const YAML::Node& node, const std::string& field, int line, Diagnostics& diag,
                    UpstreamConfig& upstream, std::optional<WhenKeyMissing>& when_key_missing) {
  const MapReader r{
      node,
      field,
      line,
      {"name", "base_url", "model", "api_key_env", "when_key_missing", "price_per_million",
       "context_window", "capabilities", "fallback", "timeouts", "retry", "tls", "pool"},
      diag};
  if (!r.ok()) {
    return;
  }
  if (r.read_nonempty("name", upstream.name)) {
    if (!is_valid_name(upstream.name)) {
      diag.error(r.line_of("name"), r.field_of("name"),
                 "invalid name '" + upstream.name + "' " + std::string{kNameRule});
    }
  } else if (!r.has("name")) {
    r.require("name");
  }
  read_base_url(r, upstream.base_url);
  r.read_nonempty("model", upstream.model);
  if (upstream.model.empty()) {
    upstream.model = upstream.name;
  }
  if (r.read_nonempty("api_key_env", upstream.api_key_env) &&
      !is_valid_env_name(upstream.api_key_env)) {
    diag.error(r.line_of("api_key_env"), r.field_of("api_key_env"),
               "invalid environment variable name '" + upstream.api_key_env +
                   "' (expected [A-Z_][A-Z0-9_]*, e.g. OPENAI_API_KEY)");
  }
  parse_when_key_missing(r, when_key_missing);
  if (r.has("when_key_missing") && !r.has("api_key_env")) {
    diag.error(r.line_of("when_key_missing"), r.field_of("when_key_missing"),
               "when_key_missing has no effect without api_key_env");
  }
  parse_prices(r, upstream.prices);
  r.read_int("context_window", upstream.context_window, 1, INT64_MAX);
  parse_capabilities(r, upstream.capabilities);
  if (r.read_nonempty("fallback", upstream.fallback) && !is_valid_name(upstream.fallback)) {
    diag.error(r.line_of("fallback"), r.field_of("fallback"),
               "invalid name '" + upstream.fallback + "' " + std::string{kNameRule});
    upstream.fallback.clear();  // reported once here, not again as an unknown upstream
  }
  parse_timeouts(r, upstream.timeouts);
  parse_retry(r, upstream.retry);
  parse_tls(r, upstream.tls);
  parse_pool(r, upstream.pool);
}

}  // namespace governor::config::detail
