// duration.h - durations as admins write them (90, 90s, 5m, 1h, 2d, 1w),
// points in time as admins write them (ParseTimeSpec), and epoch times
// formatted for people.
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

// A point in time as every command and the HTTP API take it (doc/time.md is
// the one description of this grammar):
//   1764000000                 epoch seconds
//   now, today, yesterday      `now`; local midnight of its day, of the day before
//   15m, 1h, 7d, 90s, 2w       that long before `now` (ParseDuration's units)
//   2026-11-22                 local midnight of that date
//   2026-11-22T06:00[:ss][.f]  ISO 8601 / RFC 3339, 'T' or ' '; no zone: local
//         [Z|+hh:mm|-hhmm]       time; with a zone: that zone
//   Nov 22 06:00[:ss], Nov 22  the log's own stamp, local time, in the year of
//                              `now`, or the year before when that would be
//                              more than a day after `now` (as syslog dates)
// `now` is the caller's reference clock (wall clock, or a pinned --now).
// False (and *epoch untouched) if malformed.
bool ParseTimeSpec(std::string_view text, int64_t now, int64_t* epoch);

// strftime(`fmt`) of epoch `t`, in UTC or in local time.
std::string FormatEpoch(int64_t t, const char* fmt, bool utc);

}  // namespace maillens

#endif  // MAILLENS_UTIL_DURATION_H_
