#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "diagnostics.hpp"
#include "parse.hpp"

namespace governor::config::detail {

/** Cross-reference rules that need the whole document: unique names, fallbacks that exist and
 *  do not loop, tier membership, the default tier, alias collisions, CA files that exist, the
 *  policies directory that exists, a ledger directory that is not a file, and check_access.
 *  Relative `tls.ca_file`, `ledger.data_dir` and `policies.dir` paths are resolved against
 *  `base_dir` (the config file's directory) and replaced by the resolved path, so later users
 *  need not know where the file was; the two directories are also made absolute, since they
 *  are used long after loading. */
void validate(ParsedConfig& parsed, const std::filesystem::path& base_dir, Diagnostics& diag);

/** Unique key names and hashes; without keys, listeners on loopback only; the admin listener on
 *  a port of its own (validate_access.cpp). */
void check_access(const GatewayConfig& config, Diagnostics& diag);

/** Notices for a valid config: an admin listener reachable from the network. */
std::vector<std::string> access_notices(const GatewayConfig& config);

}  // namespace governor::config::detail
