// input_set.h - the order in which a set of log files is read.
//
// SortRotatedInputs() puts a rotated set given in any order oldest first:
//   NAME.N[.ext]        by N descending, then NAME itself (logrotate's default)
//   NAME-YYYYMMDD[.ext] by date, then NAME itself (logrotate's dateext)
// where .ext is a compression suffix (.gz .bz2 .xz .zst). Files of different
// base names, and files that fit neither pattern, are ordered by the first
// timestamp of their oldest file, which the caller supplies (io/ knows
// nothing of lines or syslog stamps: pipeline/input_order.h reads them);
// "-" (stdin) keeps its place at the end. NewestMtime() gives the reference
// time for year inference (the newest file's modification time; now for stdin).
// Thread safety: stateless.
#ifndef MAILLENS_IO_INPUT_SET_H_
#define MAILLENS_IO_INPUT_SET_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace maillens {

struct RotationKey {
  std::string base;  // NAME without rotation number/date/compression suffix
  int64_t rank = 0;  // larger is newer: -N for NAME.N, YYYYMMDD - 1e9 for dated, 0 for NAME
};
// Splits a path into its rotation base name and rank.
RotationKey RotationKeyOf(const std::string& path);

// The first timestamp (epoch) of a file; INT64_MAX when it has none (it then
// sorts last). Called once per base name, on its oldest file.
using FirstStampFn = std::function<int64_t(const std::string& path)>;

std::vector<std::string> SortRotatedInputs(const std::vector<std::string>& paths, const FirstStampFn& first_stamp);

// Newest mtime among the paths (now if any is "-" or none can be stat'ed).
int64_t NewestMtime(const std::vector<std::string>& paths);

}  // namespace maillens

#endif  // MAILLENS_IO_INPUT_SET_H_
