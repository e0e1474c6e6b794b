#pragma once

#include <string>
#include <vector>

#include "governor/config/gateway_config.hpp"
#include "governor/config/loader.hpp"
#include "governor/config/policy.hpp"

namespace governor::config {

/** Every problem found in the policy files, or the loaded set. */
struct PolicyLoadResult {
  /** Null when `errors` is non-empty: a reload that fails keeps the set it already has. */
  PolicySetPtr policies;
  std::vector<ConfigError> errors;  ///< sorted by file, then line
};

/** Loads every `*.yaml` and `*.yml` file directly in `dir` (not in subdirectories; names starting
 *  with '.' are skipped, so editor and lock files never become policies), in name order, one
 *  policy per file. Collects the errors of all files at once, including the rules that span
 *  files: unique policy names, and no trust domain or key matched by two policies. An empty
 *  directory is valid and yields an empty set. A directory that cannot be read is one error.
 *  Never throws. */
PolicyLoadResult load_policy_dir(const std::string& dir);

/** One policy file's text, as if it were the only file of a directory (for tests and tools).
 *  `source_name` is used as the file in errors and as Policy::source. */
PolicyLoadResult load_policy_text(const std::string& yaml, const std::string& source_name);

/** The rules between the gateway config and a policy set, checked at startup, by `governor
 *  check` and on every policy reload: each `auth.keys[].policies` entry other than "*" names an
 *  existing policy, and each policy's `match.keys` entry names an existing key. Errors point at
 *  the file and line where the dangling name is written. Empty when consistent. */
std::vector<ConfigError> check_policies_against_config(const GatewayConfig& config,
                                                       const PolicySet& policies);

}  // namespace governor::config
