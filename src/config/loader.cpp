#include "governor/config/loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

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

// Parses the text into exactly one document, or reports why not.
std::optional<YAML::Node> read_document(const std::string& yaml, detail::Diagnostics& diag) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    diag.error(e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (documents.empty() || (documents.size() == 1 && documents[0].IsNull())) {
    diag.error(1, "", "the file is empty (expected a mapping with upstreams, tiers and routing)");
    return std::nullopt;
  }
  if (documents.size() > 1) {
    diag.error(detail::line_of(documents[1], 1), "",
               "expected one YAML document, found " + std::to_string(documents.size()));
    return std::nullopt;
  }
  return documents[0];
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
    const std::optional<YAML::Node> root = read_document(yaml, diag);
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
    parsed.config.source = source_name;
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
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    detail::Diagnostics diag{path};
    diag.error(0, "", "cannot read the file: it is a directory");
    return failed(diag);
  }
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  if (in) {
    text << in.rdbuf();
  }
  if (!in || in.bad()) {
    detail::Diagnostics diag{path};
    diag.error(0, "", std::string{"cannot read the file: "} + std::strerror(errno));
    return failed(diag);
  }
  return load_config_text(text.str(), path, env);
}

}  // namespace governor::config
