// input_set.h - the order in which a set of log files is read.
//
// OrderInputs() puts a rotated set given in any order oldest first:
//   NAME.N[.ext]        by N descending, then NAME itself (logrotate's default)
//   NAME-YYYYMMDD[.ext] by date, then NAME itself (logrotate's dateext)
// where .ext is a compression suffix (.gz .bz2 .xz .zst). Files of different
// base names, and files that fit neither pattern, are ordered by the first
// timestamp in them (read from at most the first 64 KiB); "-" (stdin) keeps
// its place at the end. NewestMtime() gives the reference time for
// year inference (the newest file's modification time; now for stdin).
// Thread safety: stateless.
#ifndef MAILLENS_IO_INPUT_SET_H_
#define MAILLENS_IO_INPUT_SET_H_

#include <cstdint>
#include <string>
#include <vector>

#include "util/reporter.h"

namespace maillens {

struct RotationKey {
  std::string base;  // NAME without rotation number/date/compression suffix
  int64_t rank = 0;  // larger is newer: -N for NAME.N, YYYYMMDD - 1e9 for dated, 0 for NAME
};
// Splits a path into its rotation base name and rank.
RotationKey RotationKeyOf(const std::string& path);

std::vector<std::string> OrderInputs(const std::vector<std::string>& paths, int64_t reference_epoch);

// Newest mtime among the paths (now if any is "-" or none can be stat'ed).
int64_t NewestMtime(const std::vector<std::string>& paths);

}  // namespace maillens

#endif  // MAILLENS_IO_INPUT_SET_H_
