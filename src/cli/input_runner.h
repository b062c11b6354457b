// input_runner.h - what every subcommand does with its input files: order
// the rotated set, read each through the pipeline, report problems on stderr.
//
// Exit codes (doc/exit-codes.md): 0 all input read; 1 some input missing,
// unreadable or damaged (the rest was still processed; when no input at all
// could be read, nothing is to be printed); 2 usage error.
#ifndef MAILLENS_CLI_INPUT_RUNNER_H_
#define MAILLENS_CLI_INPUT_RUNNER_H_

#include <CLI/CLI.hpp>

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

// What RunInputs managed to open.
struct InputTally {
  int given = 0;                      // inputs named (stdin counts as one)
  int read = 0;                       // inputs opened and read (perhaps damaged)
  std::vector<std::string> skipped;   // inputs that could not be opened
  // false: no input could be opened; the caller prints no report (its
  // all-zero numbers would lie) and returns the exit code.
  bool any_read() const { return read > 0; }
};

// Orders `paths` (empty: stdin) as a rotated set and runs them through
// `pipeline`. `reference_epoch` dates the first lines while ordering
// (NewestMtime(paths), as given to the pipeline). An input that cannot be
// opened is named on stderr with why and what to do (DescribeInputFailure);
// when some were read and some not, one more line says which were skipped;
// when none was read, one says nothing will be reported. `progress`: a
// progress line on stderr when it is a terminal (ProgressAllowed). Returns
// the exit code; `tally` (optional) receives what was read.
int RunInputs(const std::vector<std::string>& paths, int64_t reference_epoch, Pipeline* pipeline,
              StderrReporter* reporter, InputTally* tally = nullptr, bool progress = false);

// The text after "PATH: " for an input that could not be opened: the cause
// (no such file, permission denied, is a directory) and the fix: for
// permission denied, the group that may read the file (join it) or its
// owner; for a missing /var/log mail log on a journal-only system (no such
// file but /run/systemd/journal exists), `serve --journal` or journalctl.
// `journal_dir` is where systemd-journald's runtime directory is looked for.
std::string DescribeInputFailure(const std::string& path, std::string_view status_message,
                                 const char* journal_dir = "/run/systemd/journal");

// What every one-shot detector (accounts, reputation, anomalies, trends)
// takes, and AddOneShotCommand() adds as options: FILES, --format (one of
// `formats`), -o/--output, --year, --syslog-name, --quiet.
struct OneShotArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string output;
  int year = 0;
  std::string syslog_name;
  bool quiet = false;
};
CLI::App* AddOneShotCommand(CLI::App* app, const char* name, const char* help, OneShotArgs* args,
                            std::vector<std::string> formats);

// One pass over a.files (empty: stdin) with `sinks` on the pipeline, the
// way the one-shot detectors read: OneShotOptions, a StderrReporter,
// RunInputs with a progress line unless a.quiet. Returns the exit code;
// *read: whether any input could be read (else there is nothing to print).
int RunOneShot(const OneShotArgs& a, const std::vector<EventSink*>& sinks, bool* read);

// Writes `out` to `path` ("" or "-": stdout); false (after a message naming
// "maillens CMD: PATH") when it cannot.
bool WriteOutput(const std::string& path, const std::string& out, const char* cmd);

// Levenshtein distance between a and b (ASCII, case-sensitive).
size_t EditDistance(std::string_view a, std::string_view b);
// The candidate closest to `word` by EditDistance, if it is close enough to
// be a plausible typo (distance at most 2, or at most a third of its
// length); "" when none is.
std::string ClosestName(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_INPUT_RUNNER_H_
