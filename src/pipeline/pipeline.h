// pipeline.h - wires the stages: bytes -> lines -> syslog header -> typed
// event -> message assembly -> consumers (EventSinks).
//
// A Pipeline works on a stream: ProcessLine() takes one line at a time (the
// live follower feeds it as lines arrive), ProcessInput() reads a whole file
// or stdin through the same path. Consumers implement EventSink; each event
// reaches every sink after the assembler has updated its Message.
//
// ProcessInput() runs in two threads: a parsing thread turns lines into
// records (syslog header + typed event) in batches of a few thousand lines,
// and the calling thread assembles them and calls the sinks, in input order.
// Sinks and the assembler therefore only ever run on the calling thread.
//
// Lines are never dropped silently: a mail program's line that no parser
// understands goes to OnUnparsed() and is counted per program; other
// programs' lines are counted per program as foreign; lines without a syslog
// header are counted too (stats()).
// Thread safety: one thread at a time calls a Pipeline; the Reporter is
// called from ProcessInput()'s parsing thread while it runs.
#ifndef MAILLENS_PIPELINE_PIPELINE_H_
#define MAILLENS_PIPELINE_PIPELINE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "assemble/assembler.h"
#include "assemble/filter_links.h"
#include "postfix/event.h"
#include "postfix/parser.h"
#include "syslog/stamp.h"
#include "syslog/year_tracker.h"
#include "util/reporter.h"
#include "util/status.h"

namespace maillens {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // A parsed Postfix or Dovecot event; `m` is its message (null without a
  // queue ID). Both are valid only during the call.
  virtual void OnEvent(const Event& ev, const Message* m) = 0;
  // A mail program's line that no parser understood (h is set), or a line
  // with no syslog header at all (h is null).
  virtual void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
    (void)h, (void)origin, (void)line;
  }
  // A line of another program (not Postfix or Dovecot), e.g. opendkim.
  virtual void OnForeign(const SyslogHeader& h, std::string_view line) { (void)h, (void)line; }
};

struct PipelineOptions {
  ParserOptions parser;
  YearPolicy year;
  // Only lines whose wall-clock date is within [first_day, last_day] (days
  // since 1970, see SyslogHeader::civil_day) are processed; others are
  // skipped before assembly, as pflogsumm's -d does.
  bool filter_days = false;
  int64_t first_day = 0, last_day = 0;
  // false: no message assembly; sinks get every event with m == nullptr.
  // For consumers that need no Message (export of rejects or connections):
  // the assembler's per-event lookup is a large part of a line's cost.
  bool assemble = true;
};

struct PipelineStats {
  uint64_t lines = 0;           // every line read
  uint64_t no_header = 0;       // no recognisable timestamp/program
  uint64_t filtered_out = 0;    // outside the date filter
  // With the date filter: the first and last civil day of all dated lines
  // (filtered out or not); -1 when none. Tells what the input covers.
  int64_t first_day_seen = -1, last_day_seen = -1;
  uint64_t mail_lines = 0;      // Postfix or Dovecot lines in the window
  uint64_t unparsed = 0;        // mail lines no parser understood (or only partly: PartlyUnderstood())
  uint64_t foreign = 0;         // other programs' lines
  absl::flat_hash_map<std::string, uint64_t> unparsed_by_program;
  absl::flat_hash_map<std::string, uint64_t> foreign_by_program;
};

class Pipeline {
 public:
  Pipeline(PipelineOptions options, Reporter* reporter);

  // Sinks are not owned and must outlive the pipeline's use.
  void AddSink(EventSink* sink) { sinks_.push_back(sink); }
  Assembler& assembler() { return assembler_; }

  // Processes one line (without its newline).
  void ProcessLine(std::string_view line);
  // Reads `path` ("-" for stdin; any compression) to its end. Returns
  // NotFound/IOError if it cannot be opened; mid-stream problems go to the
  // Reporter and what was read is kept.
  Status ProcessInput(const std::string& path);
  // End of input: releases held messages to the assembler's listeners.
  void Finish() { assembler_.Finish(); }

  const PipelineStats& stats() const { return stats_; }
  // For a line read but not processed (trace's literal search,
  // trace/search.h): moves the year tracker as ProcessLine() would, so the
  // lines that are processed get the years a full read gives them. Nothing
  // else sees the line.
  void TrackYear(std::string_view line);

  // What the parsing stage made of one line.
  struct Record {
    enum class Type : uint8_t { kSkip, kNoHeader, kForeign, kUnparsed, kEvent };
    Type type = Type::kSkip;
    Origin origin = Origin::kForeign;
    std::string_view line;
    SyslogHeader header;
    Event event;  // event.header points at `header`
    // A foreign line that is a content filter's hand-off (kForeign only).
    bool has_hand_off = false;
    FilterHandOff hand_off;
  };

 private:
  static void Count(absl::flat_hash_map<std::string, uint64_t>* m, std::string_view key);
  // Parsing stage: header, date filter, classification, typed event; counts
  // the line in stats_. `line` must outlive the record.
  void Parse(std::string_view line, Record* r);
  // Assembly stage: the assembler and the sinks, in input order.
  void Deliver(Record* r);

  PipelineOptions options_;
  Reporter* reporter_;
  // Years of traditional stamps: sequential, fed in input order. The parsing
  // thread is one and reads in order today; a parallel parse keeps ParseStamp
  // in its workers and moves Resolve and the date filter to the ordered stage.
  YearTracker year_tracker_;
  Assembler assembler_;
  FilterLinks filter_links_;  // content filters' IDs -> queue IDs (ordered stage)
  std::vector<EventSink*> sinks_;
  Record record_;  // ProcessLine()'s
  PipelineStats stats_;
};

}  // namespace maillens

#endif  // MAILLENS_PIPELINE_PIPELINE_H_
