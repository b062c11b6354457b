// reporter.h - where recoverable input problems go.
//
// Bad input (unreadable files, truncated archives, over-long lines, binary
// junk) is not fatal: the stage that finds it tells a Reporter what it
// dropped, and goes on with the rest of the input (leveldb's
// log::Reader::Reporter). The CLI's reporter prints to stderr and decides the
// exit code; tests use a recording reporter.
// Thread safety: a Reporter may be called from the pipeline's reading and
// parsing threads at once (see Pipeline::ProcessInput): make it thread-safe.
#ifndef MAILLENS_UTIL_REPORTER_H_
#define MAILLENS_UTIL_REPORTER_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace maillens {

class Reporter {
 public:
  enum class Severity {
    kNotice,   // worth saying, input fully processed (e.g. an over-long line skipped)
    kPartial,  // part of an input was lost (truncated archive, read error mid-file)
    kFailed,   // an input could not be read at all (missing, unreadable)
  };
  virtual ~Reporter() = default;
  // `source` names the input (a path or "-"); `offset` is the byte offset in
  // the decompressed stream where the problem was found, or -1 when unknown.
  virtual void Report(Severity severity, std::string_view source, int64_t offset,
                      std::string_view what) = 0;
};

// A Reporter that keeps every report, for tests. Thread-safe.
class RecordingReporter : public Reporter {
 public:
  struct Entry {
    Severity severity;
    std::string source;
    int64_t offset;
    std::string what;
  };
  void Report(Severity severity, std::string_view source, int64_t offset,
              std::string_view what) override {
    std::lock_guard<std::mutex> lock(mu_);
    entries.push_back({severity, std::string(source), offset, std::string(what)});
  }
  std::vector<Entry> entries;

 private:
  std::mutex mu_;
};

}  // namespace maillens

#endif  // MAILLENS_UTIL_REPORTER_H_
