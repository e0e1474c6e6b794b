// Policy files: a directory of them loaded all at once, with the rules that span files.
#include "governor/config/policy_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "diagnostics.hpp"
#include "parse_policy.hpp"
#include "yaml_reader.hpp"

namespace governor::config {
namespace {

/** One file on its way into a set: its diagnostics stay alive until the rules across files have
 *  run, so those can still point at lines. */
struct PolicyFile {
  explicit PolicyFile(std::string path) : diag(path), source(std::move(path)) {}
  detail::Diagnostics diag;
  std::string source;
  Policy policy;
};

/** routing.model is relative to the policy file's directory; made absolute and checked here so
 *  that a typo fails the load (and keeps the old policies on reload) instead of routing blind. */
void resolve_model_path(PolicyFile& file) {
  std::string& model = file.policy.routing.model;
  if (model.empty()) {
    return;
  }
  std::filesystem::path path{model};
  if (path.is_relative()) {
    path = std::filesystem::path{file.source}.parent_path() / path;
  }
  std::error_code ec;
  path = std::filesystem::weakly_canonical(path, ec);
  if (ec || !std::filesystem::is_regular_file(path, ec)) {
    file.diag.error_at("routing.model", "model file " + path.string() +
                                            " does not exist (write one with "
                                            "`governor train`)");
    return;
  }
  model = path.string();
}

void parse_text(PolicyFile& file, const std::string& yaml) {
  try {
    const std::optional<YAML::Node> root = detail::read_single_document(
        yaml, "a policy: a mapping with a name and budgets; one policy per file", file.diag);
    if (root) {
      file.policy = detail::parse_policy(*root, file.diag);
    }
  } catch (const std::exception& e) {
    // yaml-cpp may throw from odd documents; a loader answers with errors, never exceptions.
    file.diag.error(0, "", std::string{"cannot load: "} + e.what());
  }
  file.policy.source = file.source;
  resolve_model_path(file);
}

/** Remembers which policy first claimed each name, and reports a second claim in its file. */
class Claims {
 public:
  explicit Claims(std::string_view what) : what_(what) {}

  void claim(std::vector<PolicyFile>& files, std::size_t i, const std::vector<std::string>& names,
             const std::string& field) {
    for (std::size_t j = 0; j < names.size(); ++j) {
      const auto [it, inserted] = first_.emplace(names[j], i);
      if (!inserted) {
        const PolicyFile& first = files[it->second];
        files[i].diag.error_at(detail::item_field(field, j),
                               std::string{what_} + " '" + names[j] +
                                   "' is already matched by policy '" + first.policy.name + "' (" +
                                   first.source + "); a call would match two policies");
      }
    }
  }

 private:
  std::string_view what_;
  std::map<std::string, std::size_t, std::less<>> first_;
};

// Names are unique, and a trust domain or key selects at most one policy: selection must
// never depend on how files happen to be named.
void check_across_files(std::vector<PolicyFile>& files) {
  std::map<std::string, std::size_t, std::less<>> names;
  Claims domains{"trust domain"};
  Claims keys{"key"};
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Policy& policy = files[i].policy;
    if (!policy.name.empty()) {
      if (const auto [it, inserted] = names.emplace(policy.name, i); !inserted) {
        files[i].diag.error_at("name", "policy name '" + policy.name + "' is already used by " +
                                           files[it->second].source);
      }
    }
    domains.claim(files, i, policy.match.trust_domains, "match.trust_domains");
    keys.claim(files, i, policy.match.keys, "match.keys");
  }
}

PolicyLoadResult finish(std::vector<PolicyFile>& files, std::string directory) {
  check_across_files(files);
  PolicyLoadResult result;
  for (PolicyFile& file : files) {
    for (ConfigError& error : file.diag.take_errors()) {
      result.errors.push_back(std::move(error));
    }
  }
  if (!result.errors.empty()) {
    return result;
  }
  auto set = std::make_shared<PolicySet>();
  set->directory = std::move(directory);
  for (PolicyFile& file : files) {
    set->lines.emplace(file.policy.name, file.diag.take_lines());
    set->policies.push_back(std::move(file.policy));
  }
  std::sort(set->policies.begin(), set->policies.end(),
            [](const Policy& a, const Policy& b) { return a.name < b.name; });
  result.policies = std::move(set);
  return result;
}

PolicyLoadResult directory_error(const std::string& dir, const std::error_code& ec) {
  PolicyLoadResult result;
  result.errors.push_back(
      ConfigError{dir, 0, "", "cannot read the policies directory: " + ec.message()});
  return result;
}

bool is_policy_file(const std::filesystem::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  const std::string ext = entry.path().extension().string();
  std::error_code ec;
  // A directory named x.yaml is skipped; anything else with the extension is read, so a
  // broken symlink is reported instead of silently ignored.
  return !name.starts_with('.') && (ext == ".yaml" || ext == ".yml") && !entry.is_directory(ec);
}

}  // namespace

PolicyLoadResult load_policy_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it{dir, ec};
  if (ec) {
    return directory_error(dir, ec);
  }
  std::vector<std::filesystem::path> paths;
  for (; it != std::filesystem::directory_iterator{}; it.increment(ec)) {
    if (is_policy_file(*it)) {
      paths.push_back(it->path());
    }
  }
  if (ec) {
    return directory_error(dir, ec);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<PolicyFile> files;
  files.reserve(paths.size());
  for (const std::filesystem::path& path : paths) {
    PolicyFile& file = files.emplace_back(path.string());
    if (const auto text = detail::read_file_text(file.source, file.diag)) {
      parse_text(file, *text);
    }
  }
  return finish(files, dir);
}

PolicyLoadResult load_policy_text(const std::string& yaml, const std::string& source_name) {
  std::vector<PolicyFile> files;
  parse_text(files.emplace_back(source_name), yaml);
  return finish(files, std::filesystem::path{source_name}.parent_path().string());
}

}  // namespace governor::config
