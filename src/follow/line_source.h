// line_source.h - where `serve` gets its live lines: followed files
// (Follower) or the systemd journal (JournalSource).
//
// A LineSource hands out complete lines, each once, and says where it
// stands as text, so that after a restart (even a kill -9) it resumes with
// the first line not yet handed out: SaveState() is taken between two
// lines, LoadState() is called before the first Poll().
// Thread safety: one thread at a time.
#ifndef MAILLENS_FOLLOW_LINE_SOURCE_H_
#define MAILLENS_FOLLOW_LINE_SOURCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace maillens {

class LineSource {
 public:
  using LineFn = std::function<void(std::string_view line)>;

  virtual ~LineSource() = default;

  // Prepares reading (the journal opens here); an error says why.
  virtual Status Open() { return Status::OK(); }

  // Reads what is new (at most about `max_bytes`, so a caller can
  // interleave other work) and calls `fn` for each complete line. Returns
  // the number of lines handed out; never blocks waiting for new lines.
  virtual size_t Poll(const LineFn& fn, size_t max_bytes) = 0;

  // The position after the last line handed out (LoadState's input).
  virtual std::string SaveState() const = 0;
  // Resumes from SaveState()'s output (empty: a first start). False if the
  // text is not such a state (nothing is changed then).
  virtual bool LoadState(std::string_view state) = 0;
  // The checkpoint section holding the state ("follow", "journal"): a
  // checkpoint of one kind of source is not fed to the other.
  virtual std::string_view StateName() const = 0;

  // Rotations seen (files only), for metrics.
  virtual uint64_t rotations() const { return 0; }
  // What is read and how far (path -> byte offset; the journal -> entries),
  // for /metrics and /api/summary.
  virtual std::vector<std::pair<std::string, uint64_t>> Positions() const = 0;
};

}  // namespace maillens

#endif  // MAILLENS_FOLLOW_LINE_SOURCE_H_
