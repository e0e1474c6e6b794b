#pragma once

#include <functional>
#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"

namespace governor::config {

/** One problem found while loading: file, 1-based line, dotted field path, message. */
struct ConfigError {
  std::string file;
  int line = 0;
  std::string field;
  std::string message;
  std::string to_string() const;  ///< "file:line: field: message"
  bool operator==(const ConfigError&) const = default;
};

/** Reads environment variables; injectable so tests do not touch the real environment. */
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

/** Every problem in the file, or the validated config. Collects all errors, not just the first. */
struct LoadResult {
  GatewayConfigPtr config;  ///< null when errors is non-empty
  std::vector<ConfigError> errors;
  std::vector<std::string>
      notices;  ///< e.g. "upstream gpt-4o: OPENAI_API_KEY unset, using simulator"
};

LoadResult load_config_file(const std::string& path, const EnvLookup& env = process_env());
LoadResult load_config_text(const std::string& yaml, const std::string& source_name,
                            const EnvLookup& env = process_env());

}  // namespace governor::config
