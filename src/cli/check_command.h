// check_command.h - `maillens check`: alert rules once, as a Nagios/Icinga
// plugin (one status line with performance data; exit 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN) or from cron.
#ifndef MAILLENS_CLI_CHECK_COMMAND_H_
#define MAILLENS_CLI_CHECK_COMMAND_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace maillens::cli {

struct CheckArgs {
  std::string rules;      // TOML file with [[alert]] rules; empty: only the built-in figures
  std::string window = "5m";  // the built-in figures' window
  std::string now;        // reference time; empty: the current time
  std::string postqueue;  // saved `postqueue -j` output; empty: run postqueue -j when a rule needs it
  std::string format = "nagios";
  bool run_actions = false;  // also run the rules' actions for what fires
  int year = 0;
  std::vector<std::string> files;
};

// Adds `check`; its callback stores the plugin exit code in *exit_code.
void AddCheckCommand(CLI::App* app, int* exit_code);

// Runs the check; returns 0..3 per the monitoring-plugin conventions.
int RunCheck(const CheckArgs& args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_CHECK_COMMAND_H_
