// trends_command.h - `maillens trends` (traffic by hour and weekday, growing
// and shrinking domains, campaigns, each compared with the previous period)
// and `maillens anomalies` (seasonal anomaly detection over the input).
#ifndef MAILLENS_CLI_TRENDS_COMMAND_H_
#define MAILLENS_CLI_TRENDS_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `trends` and `anomalies` subcommands to `app`; their callbacks
// store the exit code in *exit_code.
void AddTrendsCommands(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_TRENDS_COMMAND_H_
