// anonymize_command.h - `maillens anonymize [FILES] [-o DIR]`: pseudonymised logs to share.
#ifndef MAILLENS_CLI_ANONYMIZE_COMMAND_H_
#define MAILLENS_CLI_ANONYMIZE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds the `anonymize` subcommand to `app`; its callback stores the exit
// code in *exit_code.
void AddAnonymizeCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_ANONYMIZE_COMMAND_H_
