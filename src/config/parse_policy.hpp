#pragma once

#include <yaml-cpp/yaml.h>

#include "diagnostics.hpp"
#include "governor/config/policy.hpp"

namespace governor::config::detail {

/** Reads one policy document: types, ranges, required and unknown keys, and the rules inside
 *  one policy (reserves within the total, min_useful_output_tokens within max_output_tokens, a
 *  daily tenant limit within the monthly one). Reports into `diag`, which also records the line
 *  of every field for the rules across files. Returns what could be read; it is only used when
 *  `diag` has no errors. */
Policy parse_policy(const YAML::Node& root, Diagnostics& diag);

}  // namespace governor::config::detail
