// metrics_command.h - `maillens metrics LOGFILES...`: one-shot Prometheus exposition.
#ifndef MAILLENS_CLI_METRICS_COMMAND_H_
#define MAILLENS_CLI_METRICS_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `metrics` subcommand to `app`; its callback prints the exposition
// of the given logs and stores the exit code in *exit_code.
void AddMetricsCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_METRICS_COMMAND_H_
