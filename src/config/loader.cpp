#include "governor/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "diagnostics.hpp"
#include "parse.hpp"
#include "resolve_env.hpp"
#include "validate.hpp"
#include "yaml_reader.hpp"

namespace governor::config {
namespace {

LoadResult failed(detail::Diagnostics& diag) {
  LoadResult result;
  result.errors = diag.take_errors();
  return result;
}

}  // namespace

std::string ConfigError::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line);
  }
  out += ": ";
  if (!field.empty()) {
    out += field + ": ";
  }
  out += message;
  return out;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv is only read here, at load time, on one thread; nothing in the gateway calls setenv.
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string{value};
  };
}

LoadResult load_config_text(const std::string& yaml, const std::string& source_name,
                            const EnvLookup& env) {
  detail::Diagnostics diag{source_name};
  try {
    const std::optional<YAML::Node> root =
        detail::read_single_document(yaml, "a mapping with upstreams, tiers and routing", diag);
    if (!root) {
      return failed(diag);
    }
    detail::ParsedConfig parsed = detail::parse_document(*root, diag);
    detail::validate(parsed, std::filesystem::path{source_name}.parent_path(), diag);
    if (diag.has_errors()) {
      return failed(diag);
    }
    LoadResult result;
    result.notices = detail::resolve_env(parsed, env);
    for (std::string& notice : detail::access_notices(parsed.config)) {
      result.notices.push_back(std::move(notice));
    }
    parsed.config.source = source_name;
    parsed.config.lines = diag.take_lines();
    result.config = std::make_shared<const GatewayConfig>(std::move(parsed.config));
    return result;
  } catch (const std::exception& e) {
    // yaml-cpp may throw from odd documents (e.g. an alias to an undefined anchor mid-read).
    // A loader must answer with errors, not exceptions.
    diag.error(0, "", std::string{"cannot load: "} + e.what());
    return failed(diag);
  }
}

LoadResult load_config_file(const std::string& path, const EnvLookup& env) {
  detail::Diagnostics diag{path};
  const std::optional<std::string> text = detail::read_file_text(path, diag);
  if (!text) {
    return failed(diag);
  }
  return load_config_text(*text, path, env);
}

}  // namespace governor::config
