#pragma once

#include <filesystem>

#include "diagnostics.hpp"
#include "parse.hpp"

namespace governor::config::detail {

/** Cross-reference rules that need the whole document: unique names, fallbacks that exist and
 *  do not loop, tier membership, the default tier, alias collisions, and CA files that exist.
 *  Relative `tls.ca_file` paths are resolved against `base_dir` (the config file's directory)
 *  and replaced by the resolved path, so later users need not know where the file was. */
void validate(ParsedConfig& parsed, const std::filesystem::path& base_dir, Diagnostics& diag);

}  // namespace governor::config::detail
