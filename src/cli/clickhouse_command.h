// clickhouse_command.h - `maillens clickhouse schema`: the ClickHouse DDL of
// the export tables (export/clickhouse_schema.h), printed or applied.
#ifndef MAILLENS_CLI_CLICKHOUSE_COMMAND_H_
#define MAILLENS_CLI_CLICKHOUSE_COMMAND_H_

#include <CLI/CLI.hpp>

namespace maillens::cli {

// Adds `clickhouse` (with its subcommand `schema`) to `app`; the callback
// stores the exit code in *exit_code (0, or 2: bad option, server error).
void AddClickHouseCommand(CLI::App* app, int* exit_code);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_CLICKHOUSE_COMMAND_H_
