// watch_command.h - `maillens watch`: a live terminal view of followed logs.
#ifndef MAILLENS_CLI_WATCH_COMMAND_H_
#define MAILLENS_CLI_WATCH_COMMAND_H_

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace maillens::cli {

struct WatchArgs {
  std::vector<std::string> files;
  bool from_start = false;  // read what the files hold already
  bool once = false;        // read the files, print one frame, exit
  double interval = 1.0;    // seconds between frames
  std::string postqueue;    // saved `postqueue -j` output; empty: run postqueue -j
  bool no_queue = false;
  bool ascii = false;
  bool no_color = false;
  int year = 0;
};

// Adds `watch`; its callback stores the exit code in *exit_code.
void AddWatchCommand(CLI::App* app, int* exit_code);

int RunWatch(const WatchArgs& args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_WATCH_COMMAND_H_
