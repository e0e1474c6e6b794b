#pragma once

// The offline router commands of the `governor` executable: import-routellm, train, eval.

#include <CLI/CLI.hpp>
#include <functional>

namespace governor::commands {

/** Adds the subcommands to `app`; each returns the function that runs it when it was chosen. */
std::function<int()> add_router_commands(CLI::App& app);

}  // namespace governor::commands
