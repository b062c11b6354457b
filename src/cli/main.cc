// main.cc - the `maillens` command: subcommands over libmaillens.
//
// Called as `pflogsumm` (a symlink) or as `maillens pflogsumm ARGS`, it takes
// pflogsumm 1.1.5's command line instead (cli/pflogsumm_command.cc).
#include <CLI/CLI.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cli/abuse_command.h"
#include "cli/guard_command.h"
#include "cli/check_command.h"
#include "cli/export_command.h"
#include "cli/input_runner.h"
#include "cli/metrics_command.h"
#include "cli/qshape_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "cli/trace_command.h"
#include "cli/watch_command.h"

#ifndef MAILLENS_VERSION
#define MAILLENS_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  std::string_view self = argc > 0 ? argv[0] : "maillens";
  if (size_t sl = self.rfind('/'); sl != std::string_view::npos) self.remove_prefix(sl + 1);
  if (self == "pflogsumm" || self == "pflogsumm.pl" || self == "maillens-pflogsumm") return maillens::cli::RunPflogsumm(argc - 1, argv + 1);
  if (argc > 1 && std::strcmp(argv[1], "pflogsumm") == 0) return maillens::cli::RunPflogsumm(argc - 2, argv + 2);

  // `report` takes pflogsumm's long options with "_" as well as "-".
  std::vector<std::string> args(argv, argv + argc);
  if (args.size() > 2 && args[1] == "report") {
    std::vector<std::string> rest(args.begin() + 2, args.end());
    maillens::cli::DashLongOptions(&rest);
    std::copy(rest.begin(), rest.end(), args.begin() + 2);
  }
  std::vector<char*> ptrs;
  for (std::string& a : args) ptrs.push_back(a.data());

  CLI::App app{"maillens - answers from Postfix and Dovecot logs"};
  app.set_version_flag("--version", MAILLENS_VERSION);
  app.require_subcommand(1);
  int exit_code = maillens::cli::kExitOk;
  maillens::cli::AddReportCommand(&app, &exit_code);
  maillens::cli::AddQshapeCommand(&app, &exit_code);
  maillens::cli::AddCheckCommand(&app, &exit_code);
  maillens::cli::AddWatchCommand(&app, &exit_code);
  maillens::cli::AddServeCommand(&app, &exit_code);
  maillens::cli::AddGuardCommand(&app, &exit_code);
  maillens::cli::AddAbuseCommands(&app, &exit_code);
  maillens::cli::AddTraceCommand(&app, &exit_code);
  maillens::cli::AddExportCommand(&app, &exit_code);
  maillens::cli::AddMetricsCommand(&app, &exit_code);
  try {
    app.parse(static_cast<int>(ptrs.size()), ptrs.data());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // `check` is a monitoring plugin: its usage errors are UNKNOWN (3).
    if (rc != 0 && args.size() > 1 && args[1] == "check") return 3;
    return rc == 0 ? 0 : maillens::cli::kExitUsage;
  }
  return exit_code;
}
