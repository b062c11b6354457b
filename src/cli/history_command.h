// history_command.h - `maillens history import` (old logs into the history
// store, through the same Bucketer as serve) and `maillens history show`
// (the store's totals per hour or day). doc/history.md.
#ifndef MAILLENS_CLI_HISTORY_COMMAND_H_
#define MAILLENS_CLI_HISTORY_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// The store serve and these commands use when none is named: beside the
// systemd unit's checkpoint (/var/lib/maillens/checkpoint).
inline constexpr const char* kDefaultHistoryDb = "/var/lib/maillens/history.sqlite";

// Adds `history` with its `import` and `show` subcommands; their callbacks
// store the exit code in *exit_code (doc/exit-codes.md).
void AddHistoryCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_HISTORY_COMMAND_H_
