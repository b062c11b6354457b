// main.cc - the `maillens` command: subcommands over libmaillens.
//
// Called as `pflogsumm` (a symlink) or as `maillens pflogsumm ARGS`, it takes
// pflogsumm 1.1.5's command line instead (cli/pflogsumm_command.cc).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cli/abuse_command.h"
#include "cli/anonymize_command.h"
#include "cli/guard_command.h"
#include "cli/check_command.h"
#include "cli/clickhouse_command.h"
#include "cli/export_command.h"
#include "cli/forget_command.h"
#include "cli/history_command.h"
#include "cli/input_runner.h"
#include "cli/metrics_command.h"
#include "cli/qshape_command.h"
#include "cli/report_command.h"
#include "cli/serve_command.h"
#include "cli/trace_command.h"
#include "cli/trends_command.h"
#include "cli/watch_command.h"
#include "util/text_escape.h"

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

  CLI::App app{"maillens - answers from Postfix and Dovecot logs", "maillens"};
  // The inputs every build reads (the libraries are required at build time).
  app.set_version_flag("--version", "maillens " MAILLENS_VERSION " (git " MAILLENS_GIT_REVISION ")\n"
                                    "inputs: plain files, stdin, gzip (ISA-L), bzip2, xz, zstd, systemd journal\n"
                                    "timestamps: traditional syslog (Mmm dd hh:mm:ss), RFC 3339\n"
                                    "report counting: pflogsumm 1.1.5 (default), 1.3.0 with --compat 1.3");
  app.require_subcommand(1);
  int exit_code = maillens::cli::kExitOk;
  maillens::cli::AddReportCommand(&app, &exit_code);
  maillens::cli::AddQshapeCommand(&app, &exit_code);
  maillens::cli::AddCheckCommand(&app, &exit_code);
  maillens::cli::AddWatchCommand(&app, &exit_code);
  maillens::cli::AddServeCommand(&app, &exit_code);
  maillens::cli::AddGuardCommand(&app, &exit_code);
  maillens::cli::AddAbuseCommands(&app, &exit_code);
  maillens::cli::AddTrendsCommands(&app, &exit_code);
  maillens::cli::AddTraceCommand(&app, &exit_code);
  maillens::cli::AddExportCommand(&app, &exit_code);
  maillens::cli::AddMetricsCommand(&app, &exit_code);
  maillens::cli::AddAnonymizeCommand(&app, &exit_code);
  maillens::cli::AddForgetCommand(&app, &exit_code);
  maillens::cli::AddPruneCommand(&app, &exit_code);
  maillens::cli::AddClickHouseCommand(&app, &exit_code);
  maillens::cli::AddHistoryCommand(&app, &exit_code);
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    commands.push_back(sub->get_name());
  commands.push_back("pflogsumm");  // dispatched above, before CLI11
  if (args.size() == 1) {
    // Bare `maillens`: what there is to run.
    std::fputs(app.help().c_str(), stderr);
    return maillens::cli::kExitUsage;
  }
  if (args[1].empty() || args[1][0] != '-') {
    if (std::find(commands.begin(), commands.end(), args[1]) == commands.end()) {
      std::string near = maillens::cli::ClosestName(args[1], commands);
      std::string list;
      for (const std::string& c : commands) list += (list.empty() ? "" : ", ") + c;
      std::fprintf(stderr, "maillens: unknown command \"%s\"%s\ncommands: %s (maillens --help)\n",
                   maillens::TerminalSafe(args[1]).c_str(),
                   near.empty() ? "" : ("; did you mean \"" + near + "\"?").c_str(), list.c_str());
      return maillens::cli::kExitUsage;
    }
  }
  try {
    app.parse(static_cast<int>(ptrs.size()), ptrs.data());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && args.size() > 1) {
      // An unknown option: the closest one this command takes.
      CLI::App* sub = nullptr;
      try {
        sub = app.get_subcommand(args[1]);
      } catch (const CLI::OptionNotFound&) {
      }
      std::vector<std::string> names;
      if (sub) {
        for (const CLI::Option* o : sub->get_options()) {
          for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
          for (const std::string& s : o->get_snames()) names.push_back("-" + s);
        }
      }
      for (size_t i = 2; i < args.size() && sub; ++i) {
        std::string word = args[i].substr(0, args[i].find('='));
        if (word.size() < 2 || word[0] != '-' || std::find(names.begin(), names.end(), word) != names.end())
          continue;
        std::string near = maillens::cli::ClosestName(word, names);
        if (!near.empty())
          std::fprintf(stderr, "maillens %s: did you mean %s (not %s)?\n", args[1].c_str(), near.c_str(),
                       maillens::TerminalSafe(word).c_str());
      }
    }
    // `check` is a monitoring plugin: its usage errors are UNKNOWN (3).
    if (rc != 0 && args.size() > 1 && args[1] == "check") return 3;
    return rc == 0 ? 0 : maillens::cli::kExitUsage;
  }
  return exit_code;
}
