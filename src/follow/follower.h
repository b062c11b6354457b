// follower.h - follow log files like `tail -F`, without losing or repeating
// a line across rotations and restarts.
//
// A Follower watches a list of paths and glob patterns. Poll() reads what
// each file gained since the last call and hands every complete line
// (without its newline) to a callback; a partial last line waits for its
// newline. It copes with:
//   - rename rotation (mail.log -> mail.log.1, a new mail.log): the old file
//     is read to its end (through the descriptor still open) before the new
//     one is read from its start;
//   - copytruncate (mail.log copied to mail.log.1, then truncated): the
//     truncation is seen (size below the offset, or a different first
//     line), the lines appended after our last read are taken from the copy
//     (the sibling with the same first line), then the file is read anew;
//   - files that appear later (a path or glob that matches nothing yet), and
//     files that disappear (kept open until drained).
// Positions are exact: SaveState() records, per file, the device and inode,
// the offset just after the last complete line handed out, and a hash of the
// first line; LoadState() resumes there, also when the file was rotated
// while we were down (the old inode is found among the siblings, or the copy
// by its first line). Lines written between a copytruncate's copy and its
// truncation are lost by design of copytruncate; see doc/serve.md.
// Thread safety: one thread at a time.
#ifndef MAILLENS_FOLLOW_FOLLOWER_H_
#define MAILLENS_FOLLOW_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "follow/line_source.h"
#include "util/reporter.h"

namespace maillens {

struct FollowOptions {
  bool from_start = false;  // files present at start: read from the beginning (else from the end)
  size_t max_line = 64 << 10;  // longer lines are skipped and reported (as LineReader does)
  size_t read_size = 1 << 20;  // bytes read at a time
};

class Follower : public LineSource {
 public:

  // `reporter` (not owned, may be null) hears about rotations, truncations,
  // unreadable files and over-long lines.
  Follower(std::vector<std::string> patterns, FollowOptions options, Reporter* reporter);
  ~Follower();

  // Reads what is new in every file (at most about `max_bytes` in total, so
  // a caller can interleave other work) and calls `fn` for each complete
  // line. Returns the number of lines handed out.
  size_t Poll(const LineFn& fn, size_t max_bytes = SIZE_MAX) override;

  // Where every file stands, at line boundaries (text; LoadState's input).
  std::string SaveState() const override;
  // Resumes from SaveState()'s output; call before the first Poll(). False
  // if the text is not a saved state (nothing is changed then).
  bool LoadState(std::string_view state) override;
  std::string_view StateName() const override { return "follow"; }

  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return bytes_; }
  // Rotations seen (rename, truncation), for metrics.
  uint64_t rotations() const override { return rotations_; }
  // The paths currently followed and their offsets (for /metrics).
  std::vector<std::pair<std::string, uint64_t>> Positions() const override;

  struct File;  // one followed path (follower.cc)

 private:
  // Re-expands the patterns; opens files that appeared.
  void Discover(bool at_start);
  // Reads `f` from its offset to its end (or `budget` bytes).
  size_t Drain(File* f, const LineFn& fn, size_t budget, size_t* lines);
  // Reads `other` (a renamed or copied rotation of a followed file) from
  // `offset` to its end: the lines the followed file had not reached.
  void ReadRest(const std::string& other, uint64_t offset, const LineFn& fn, size_t* lines);
  // After a rotation (rename or truncation) of `f`, or on resuming: reads
  // the rest of f's old content from wherever it is now (the renamed file
  // by inode, or the copy by first line), then every newer rotation in
  // full, and reopens the path from its start.
  void CatchUp(File* f, const LineFn& fn, size_t* lines);
  // Handles rotation/truncation of `f`'s path; returns lines handed out.
  size_t CheckRotation(File* f, const LineFn& fn, size_t* lines);

  std::vector<std::string> patterns_;
  FollowOptions options_;
  Reporter* reporter_;
  std::vector<std::unique_ptr<File>> files_;
  std::vector<char> buf_;
  bool started_ = false;
  int64_t last_discover_ms_ = 0;
  uint64_t lines_ = 0, bytes_ = 0, rotations_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_FOLLOW_FOLLOWER_H_
