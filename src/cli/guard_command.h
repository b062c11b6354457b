// guard_command.h - `maillens guard`: fail2ban's brute-force and abuse
// detection (postfix/dovecot filters, maxretry/findtime/bantime), offline.
#ifndef MAILLENS_CLI_GUARD_COMMAND_H_
#define MAILLENS_CLI_GUARD_COMMAND_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace maillens::cli {

struct GuardArgs {
  std::string filter = "all";
  std::string mode = "extra";
  int maxretry = 5;
  std::string findtime = "10m";
  std::string bantime = "10m";
  bool increment = false;
  double factor = 1;
  std::string maxtime;
  std::vector<std::string> ignoreip;
  std::string format = "text";
  std::string action = "none";
  bool execute = false;  // run the action's commands (default: print them)
  std::string now;       // reference time for actions (default: now)
  std::string state;     // load/save the ban engine state in this file
  bool compat_1_0 = false;
  bool no_matches = false;
  int year = 0;
  std::vector<std::string> files;
};

// Adds the `guard` subcommand; its callback stores the exit code in *exit_code.
void AddGuardCommand(CLI::App* app, int* exit_code);

// Runs guard over the files; returns the exit code (doc/exit-codes.md).
int RunGuard(const GuardArgs& args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_GUARD_COMMAND_H_
