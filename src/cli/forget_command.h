// forget_command.h - `maillens forget` (one person pseudonymised in place) and `prune` (old data deleted).
#ifndef MAILLENS_CLI_FORGET_COMMAND_H_
#define MAILLENS_CLI_FORGET_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `forget` subcommand to `app`; its callback stores the exit code
// in *exit_code.
void AddForgetCommand(CLI::App* app, int* exit_code);
// `maillens prune --older-than SPEC`: ClickHouse rows, serve's and guard's ban state.
void AddPruneCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_FORGET_COMMAND_H_
