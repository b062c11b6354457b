// input_runner.h - what every subcommand does with its input files: order
// the rotated set, read each through the pipeline, report problems on stderr.
//
// Exit codes (doc/exit-codes.md): 0 all input read; 1 some input missing,
// unreadable or damaged (the rest was still processed); 2 usage error.
#ifndef MAILLENS_CLI_INPUT_RUNNER_H_
#define MAILLENS_CLI_INPUT_RUNNER_H_

#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens::cli {

enum ExitCode { kExitOk = 0, kExitInputProblem = 1, kExitUsage = 2, kExitInternal = 3 };

// Prints problems as "maillens: FILE: byte N: what" on stderr (at most 20 per
// input, then a count) and remembers whether any input was damaged.
class StderrReporter : public Reporter {
 public:
  void Report(Severity severity, std::string_view source, int64_t offset, std::string_view what) override;
  // Prints the "... more problems" tail; returns true if input was lost.
  bool Finish();

 private:
  std::mutex mu_;  // reports come from the read-ahead and parsing threads
  std::string current_;
  int shown_ = 0;
  uint64_t suppressed_ = 0;
  bool damaged_ = false;
};

// A sink that writes unparsed lines to a file (--unparsed FILE).
class UnparsedWriter : public EventSink {
 public:
  explicit UnparsedWriter(FILE* f) : f_(f) {}
  // Partly understood events (PartlyUnderstood()) are written too, so the
  // file holds stats().unparsed + stats().no_header lines.
  void OnEvent(const Event& ev, const Message*) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;

 private:
  FILE* f_;
};

// Pipeline options for reading `files` (empty: stdin) once: the syslog name,
// --year, and the reference time for year inference (NewestMtime).
PipelineOptions OneShotOptions(const std::vector<std::string>& files, const std::string& syslog_name, int year);

// Orders `paths` (empty: stdin) as a rotated set and runs them through
// `pipeline`. `reference_epoch` dates the first lines while ordering
// (NewestMtime(paths), as given to the pipeline). Returns the exit code.
int RunInputs(const std::vector<std::string>& paths, int64_t reference_epoch, Pipeline* pipeline,
              StderrReporter* reporter);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_INPUT_RUNNER_H_
