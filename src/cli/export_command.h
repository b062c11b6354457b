// export_command.h - `maillens export`: every message, delivery, reject and
// connection as records (CSV, JSON lines, SQLite, ClickHouse).
#ifndef MAILLENS_CLI_EXPORT_COMMAND_H_
#define MAILLENS_CLI_EXPORT_COMMAND_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace maillens::cli {

// Everything an export run takes.
struct ExportArgs {
  std::string records;  // messages|deliveries|rejects|connections; empty: deliveries (csv, jsonl) or all
  std::string format = "jsonl";  // csv|jsonl|ecs|gelf|sqlite|clickhouse
  std::string output;   // FILE ("-" or empty: stdout; required for sqlite)
  bool quiet = false;   // --quiet: no progress line
  std::string url = "http://127.0.0.1:8123";  // clickhouse
  std::string database = "maillens";          // clickhouse
  std::string user;                           // clickhouse (password: $CLICKHOUSE_PASSWORD)
  int batch_mb = 16;                          // clickhouse: MB of rows per INSERT
  std::string compress = "gzip";              // clickhouse: INSERT bodies gzip or none
  int year = 0;
  std::string syslog_name;
  bool anonymize = false;  // --anonymize: pseudonyms as `anonymize --key-file` gives
  std::string key_file;
  std::vector<std::string> files;
};

// Adds the `export` subcommand to `app`; its callback runs it and stores the
// exit code in *exit_code.
void AddExportCommand(CLI::App* app, int* exit_code);

// Reads the inputs and writes the records. Returns the exit code.
int RunExport(const ExportArgs& args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_EXPORT_COMMAND_H_
