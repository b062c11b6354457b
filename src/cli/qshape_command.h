// qshape_command.h - `maillens qshape`: Postfix's qshape table from `postqueue -j`.
#ifndef MAILLENS_CLI_QSHAPE_COMMAND_H_
#define MAILLENS_CLI_QSHAPE_COMMAND_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace maillens::cli {

// Everything a qshape run takes (qshape's options keep qshape's meaning).
struct QshapeArgs {
  bool sender_mode = false;  // -s
  bool parent_domains = false;  // -p
  int min_subdomains = 5;    // -m
  int bucket_count = 10;     // -b
  int bucket_minutes = 5;    // -t
  bool linear = false;       // -l
  int width = 80;            // -w
  std::string input;         // --input: a saved `postqueue -j` output ('-': stdin); empty: run postqueue -j
  std::string now;           // --now: EPOCH or ISO 8601; empty: the current time
  std::string format = "text";
  std::vector<std::string> queues;  // empty: incoming active
};

// Adds the `qshape` subcommand to `app`; its callback runs it and stores the
// exit code in *exit_code.
void AddQshapeCommand(CLI::App* app, int* exit_code);

// Reads the snapshot, builds the table and prints it. Returns the exit code.
int RunQshape(const QshapeArgs& args);

// Parses a time option (--now, --since, --until): util/duration.h's
// ParseTimeSpec (doc/time.md), relative forms counted back from the wall
// clock. False if malformed.
bool ParseReferenceTime(const std::string& text, int64_t* epoch);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_QSHAPE_COMMAND_H_
