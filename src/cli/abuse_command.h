// abuse_command.h - `maillens accounts` (compromised-account suspects) and
// `maillens reputation` (providers and block lists refusing our mail).
#ifndef MAILLENS_CLI_ABUSE_COMMAND_H_
#define MAILLENS_CLI_ABUSE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `accounts` and `reputation` subcommands to `app`; their callbacks
// store the exit code in *exit_code.
void AddAbuseCommands(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_ABUSE_COMMAND_H_
