// report_command.h - `maillens report`: options and the run.
#ifndef MAILLENS_CLI_REPORT_COMMAND_H_
#define MAILLENS_CLI_REPORT_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `report` subcommand to `app`; its callback runs the report and
// stores the exit code in *exit_code.
void AddReportCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_REPORT_COMMAND_H_
