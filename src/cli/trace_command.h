// trace_command.h - `maillens trace`: where did a message go? Each matching
// message's lifecycle, with its content-filter hops and bounce notices.
#ifndef MAILLENS_CLI_TRACE_COMMAND_H_
#define MAILLENS_CLI_TRACE_COMMAND_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace maillens::cli {

// Everything a trace run takes.
struct TraceArgs {
  std::vector<std::string> files;
  std::string qid, message_id, from, to, client, sasl_user, status, since, until, host;
  bool regex = false;
  bool quiet = false;  // --quiet: no progress line
  bool search = false;  // --search: with --qid alone, parse only the lines a literal search finds
  bool stats = false;      // --stats: how the input was read, on stderr
  std::string format = "text";
  int year = 0;
  std::string syslog_name;
};

// Adds the `trace` subcommand to `app`; its callback stores the exit code.
void AddTraceCommand(CLI::App* app, int* exit_code);

// Runs a trace and prints it. Returns the exit code (doc/exit-codes.md).
int RunTrace(const TraceArgs& args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_TRACE_COMMAND_H_
