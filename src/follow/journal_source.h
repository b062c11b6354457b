// journal_source.h - the systemd journal as a LineSource (libsystemd's
// sd-journal), for `serve --journal`.
//
// Each journal entry of the selected units becomes one syslog-style line
// the parsers already read:
//   2026-11-22T12:00:00.123456+00:00 HOST IDENTIFIER[PID]: MESSAGE
// (the entry's realtime stamp in UTC, _HOSTNAME, SYSLOG_IDENTIFIER, and
// SYSLOG_PID or else _PID as journalctl shows them; see FormatJournalLine
// for what is neutralised so that one entry is exactly one line). The position is the journal
// cursor of the last entry handed out; after a restart reading resumes with
// the entry after it. Entries vacuumed while maillens was down are lost
// (the nearest remaining entry is where reading resumes).
// Thread safety: one thread at a time.
#ifndef MAILLENS_FOLLOW_JOURNAL_SOURCE_H_
#define MAILLENS_FOLLOW_JOURNAL_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "follow/line_source.h"
#include "util/status.h"

struct sd_journal;

namespace maillens {

struct JournalOptions {
  // _SYSTEMD_UNIT values to read (OR-ed); "*" alone: every entry.
  std::vector<std::string> units = {"postfix.service", "postfix@-.service", "dovecot.service"};
  std::string directory;    // read the journal files of this directory instead of the system journal
  bool from_start = false;  // first start: from the oldest entry (else only new ones)
};

// The fields of one entry that make its line.
struct JournalEntry {
  uint64_t realtime_usec = 0;
  std::string_view hostname, identifier, pid, message;
};

// Replaces *out with the syslog-style line of `e` (no newline). The host and
// identifier lose blanks and control bytes (the identifier also '[' and
// ':'), a PID that is not a number is left out, and CR, LF and NUL in the
// message become spaces: no entry can make two lines or shift a field.
void FormatJournalLine(const JournalEntry& e, std::string* out);

class JournalSource : public LineSource {
 public:
  explicit JournalSource(JournalOptions options);
  ~JournalSource() override;
  JournalSource(const JournalSource&) = delete;
  JournalSource& operator=(const JournalSource&) = delete;

  // Opens the journal and applies the unit matches; an error says why
  // (no such directory, no permission to read the journal).
  Status Open() override;

  size_t Poll(const LineFn& fn, size_t max_bytes = SIZE_MAX) override;
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;
  std::string_view StateName() const override { return "journal"; }
  std::vector<std::pair<std::string, uint64_t>> Positions() const override;

  // Lines handed out since construction.
  uint64_t lines() const { return lines_; }

 private:
  // Moves to the first entry to read at a first start (head or tail).
  void Start();
  // Takes the current entry's cursor into state_ (kept as is if the journal
  // cannot give it).
  void Remember();

  JournalOptions options_;
  sd_journal* j_ = nullptr;
  bool started_ = false;  // Start() or LoadState() has positioned the journal
  bool pending_ = false;  // the journal stands on an entry not yet handed out
  std::string state_;     // SaveState(): "", "head", "cursor C" or "next C" (journal_source.cc)
  uint64_t entries_ = 0, lines_ = 0;
  std::string line_;  // reused line buffer
};

}  // namespace maillens

#endif  // MAILLENS_FOLLOW_JOURNAL_SOURCE_H_
