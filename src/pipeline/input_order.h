// input_order.h - the order in which a command reads its log files.
//
// OrderInputs() is io/'s SortRotatedInputs() (rotation numbers and dates,
// oldest first) with the first syslog timestamp of each base name's oldest
// file as the order between base names. The stamp is read from at most the
// first 200 lines (64 KiB buffer, 16 KiB lines) of the file; problems are
// not reported here (they are when the file is really read).
// Thread safety: stateless.
#ifndef MAILLENS_PIPELINE_INPUT_ORDER_H_
#define MAILLENS_PIPELINE_INPUT_ORDER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace maillens {

// The epoch of the first line of `path` with a syslog stamp (traditional
// stamps dated from `reference_epoch`, see syslog/header.h), INT64_MAX if none.
int64_t FirstStampOf(const std::string& path, int64_t reference_epoch);

std::vector<std::string> OrderInputs(const std::vector<std::string>& paths, int64_t reference_epoch);

}  // namespace maillens

#endif  // MAILLENS_PIPELINE_INPUT_ORDER_H_
