// duration.h - durations as admins write them: 90, 90s, 5m, 1h, 2d, 1w.
// Thread safety: pure function.
#ifndef MAILLENS_UTIL_DURATION_H_
#define MAILLENS_UTIL_DURATION_H_

#include <cstdint>
#include <string_view>

namespace maillens {

// Parses N (seconds) or N followed by s, m, h, d or w; "-1" is accepted as
// -1 (fail2ban's "permanent"). False if malformed.
bool ParseDuration(std::string_view text, int64_t* seconds);

}  // namespace maillens

#endif  // MAILLENS_UTIL_DURATION_H_
