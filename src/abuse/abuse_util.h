// abuse_util.h - small helpers shared by the abuse detectors' renderers.
#ifndef MAILLENS_ABUSE_ABUSE_UTIL_H_
#define MAILLENS_ABUSE_ABUSE_UTIL_H_

#include <cstdint>
#include <string>

namespace maillens {

// Appends `epoch` as "YYYY-MM-DDThh:mm:ssZ" (UTC).
void AppendUtcTime(std::string* out, int64_t epoch);

}  // namespace maillens

#endif  // MAILLENS_ABUSE_ABUSE_UTIL_H_
