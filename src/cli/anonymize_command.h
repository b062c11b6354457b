// anonymize_command.h - `maillens anonymize [FILES] [-o DIR]`: pseudonymised logs to share.
#ifndef MAILLENS_CLI_ANONYMIZE_COMMAND_H_
#define MAILLENS_CLI_ANONYMIZE_COMMAND_H_

#include <CLI/CLI.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace maillens::cli {

// Loads the --key-file of `command` (anonymize, forget, export), creating it
// if absent and saying so on stderr; false after printing why it cannot.
bool LoadKeyFile(const char* command, const std::string& path, std::array<uint8_t, 32>* key);

// Adds the `anonymize` subcommand to `app`; its callback stores the exit
// code in *exit_code.
void AddAnonymizeCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_ANONYMIZE_COMMAND_H_
