// serve_command.h - `maillens serve`: the daemon (follow, metrics, alerts,
// guard, HTTP), configured by flags and a TOML file.
#ifndef MAILLENS_CLI_SERVE_COMMAND_H_
#define MAILLENS_CLI_SERVE_COMMAND_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace maillens::cli {

struct ServeArgs {
  std::string config;  // TOML: [serve], [[alert]], [alert_action.*], [guard]
  std::string listen;  // HOST:PORT (default 127.0.0.1:9154)
  bool from_start = false, from_end = false;
  std::string checkpoint;
  std::string history;  // --history: the history store (doc/history.md)
  std::string token, tls_cert, tls_key;
  std::string postqueue;
  bool no_queue = false;
  std::string queue_interval;  // --queue-interval: postqueue -j at most this often
  int year = 0;
  std::string now;  // --now: the clock starts at this time (replays, tests)
  std::string syslog_name;  // also Postfix (multi-instance syslog_name)
  std::string metrics_compat;                       // "", "kumina", "hsn723" (doc/metrics.md)
  std::vector<std::string> metrics_service_labels;  // hsn723 TYPE=NAME
  std::vector<std::string> files;
  bool journal = false;                    // follow the systemd journal instead of files
  std::vector<std::string> journal_units;  // _SYSTEMD_UNIT matches ("*": all)
  std::string journal_directory;           // journal files of this directory
  std::string ship;                        // --ship clickhouse://HOST[:PORT]/DB (doc/clickhouse.md)
  std::string ship_spool;                  // --ship-spool DIR (default: CHECKPOINT.spool)
};

// Adds `serve`; its callback stores the exit code in *exit_code.
void AddServeCommand(CLI::App* app, int* exit_code);

int RunServe(ServeArgs args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_SERVE_COMMAND_H_
