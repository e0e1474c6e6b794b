#pragma once

// `governor calibrate`: cascade acceptance thresholds by conformal risk control.

#include <CLI/CLI.hpp>
#include <functional>

namespace governor::commands {

/** Adds the subcommand to `app`; returns the function that runs it when it was chosen (-1
 *  when it was not). */
std::function<int()> add_calibrate_command(CLI::App& app);

}  // namespace governor::commands
