// duration.h - durations as admins write them (90, 90s, 5m, 1h, 2d, 1w),
// and epoch times formatted for people.
// Thread safety: pure function.
#ifndef MAILLENS_UTIL_DURATION_H_
#define MAILLENS_UTIL_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace maillens {

// Parses N (seconds) or N followed by s, m, h, d or w; "-1" is accepted as
// -1 (fail2ban's "permanent"). False if malformed.
bool ParseDuration(std::string_view text, int64_t* seconds);

// strftime(`fmt`) of epoch `t`, in UTC or in local time.
std::string FormatEpoch(int64_t t, const char* fmt, bool utc);

}  // namespace maillens

#endif  // MAILLENS_UTIL_DURATION_H_
