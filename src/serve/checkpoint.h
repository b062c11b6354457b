// checkpoint.h - serve's state on disk: where each followed file stands and
// every live consumer's state, taken at the same line boundary.
//
// The file is a list of named sections ("follow", "sink:NAME", "serve"),
// each a length-prefixed blob, so any bytes round-trip. It is written to a
// temporary file, fsync'ed, renamed over the old one and the directory
// fsync'ed: a kill -9 or a power cut leaves either the old or the new
// checkpoint, never a torn one.
// Thread safety: pure functions.
#ifndef MAILLENS_SERVE_CHECKPOINT_H_
#define MAILLENS_SERVE_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "util/status.h"

namespace maillens {

using CheckpointSections = std::map<std::string, std::string>;

// Writes `sections` to `path` atomically.
Status WriteCheckpoint(const std::string& path, const CheckpointSections& sections);
// Reads a checkpoint; NotFound when there is none, Corruption when it is not one.
Status ReadCheckpoint(const std::string& path, CheckpointSections* sections);

// What `maillens prune` removes from a checkpoint: in its "guard" section,
// failures and ended bans older than `before` (guard::BanEngine::Prune). The
// other sections hold file positions, counters and alert windows that serve
// trims to each rule's window itself: nothing dated to prune. *removed gets
// the records that go; with `write`, the checkpoint is rewritten when some do.
// Stop serve first: it overwrites the checkpoint every few seconds.
Status PruneCheckpoint(const std::string& path, int64_t before, bool write, size_t* removed);

}  // namespace maillens

#endif  // MAILLENS_SERVE_CHECKPOINT_H_
