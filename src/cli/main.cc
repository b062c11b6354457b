// main.cc - the `maillens` command: subcommands over libmaillens.
#include <CLI/CLI.hpp>

#include "cli/input_runner.h"
#include "cli/report_command.h"

#ifndef MAILLENS_VERSION
#define MAILLENS_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"maillens - answers from Postfix and Dovecot logs"};
  app.set_version_flag("--version", MAILLENS_VERSION);
  app.require_subcommand(1);
  int exit_code = maillens::cli::kExitOk;
  maillens::cli::AddReportCommand(&app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : maillens::cli::kExitUsage;
  }
  return exit_code;
}
