// stamp.h - the stateless half of the syslog header: time fields, host, program, pid.
//
// ParseStamp splits a line into a SyslogHeader. It accepts
//   traditional  "Nov  2 03:04:05 host prog[pid]: msg"  (day space- or zero-padded)
//   RFC 3339     "2026-11-02T03:04:05.123456+01:00 host prog[pid]: msg" (Z too)
//   ISO-like     "2026-11-02 03:04:05 host prog[pid]: msg"
// and a missing host ("Nov 22 05:38:34 auth: Info: ...", Dovecot's own log
// file). A Solaris "[ID nnn facility]" tag after the program is dropped.
//
// The program tag is split as Postfix builds it (global/mail_task.c "%s/%s"):
// everything up to the last '/' is the service ("postfix",
// "postfix/submission", "postfix-out"), the last part is the daemon ("smtpd").
//
// What one line cannot tell is left for the sequential stage
// (syslog/year_tracker.h): a traditional stamp gets year = 0, date = 0 and
// epoch = 0; a stamp without a UTC offset gets epoch = 0 (local time needs
// mktime). A stamp with an offset is complete.
//
// Thread safety: stateless; safe in any worker.
#ifndef MAILLENS_SYSLOG_STAMP_H_
#define MAILLENS_SYSLOG_STAMP_H_

#include <cstdint>
#include <string_view>

namespace maillens {

enum class TimeFormat : uint8_t { kTraditional, kRfc3339, kIso };

struct SyslogHeader {
  // Wall-clock time as written in the log (year inferred for traditional).
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int32_t usec = 0;
  int64_t epoch = 0;  // seconds since 1970-01-01 UTC
  TimeFormat format = TimeFormat::kTraditional;
  bool has_offset = false;  // the stamp names its UTC offset (epoch known from the line)
  // The views below point into the line and are valid as long as it is.
  std::string_view host;     // may be empty
  std::string_view program;  // "postfix/submission/smtpd"
  std::string_view service;  // "postfix/submission" (empty without '/')
  std::string_view daemon;   // "smtpd"
  int64_t pid = -1;          // -1 when the tag has none
  std::string_view message;  // after "prog[pid]: "
  std::string_view line;     // the whole line (as given to Parse)

  int64_t date = 0;  // days since 1970-01-01 of the wall-clock date (per-day keys)
  int64_t civil_day() const { return date; }
};

// Parses `line`; false if it has no recognisable timestamp and program.
// On success the views in *out point into `line`.
bool ParseStamp(std::string_view line, SyslogHeader* out);

// Days since 1970-01-01 for a proleptic Gregorian date (month 1-12).
int64_t DaysFromCivil(int year, int month, int day);
// Month number 1-12 for "Jan".."Dec", 0 if not a month name.
int MonthFromName(std::string_view s);
extern const char* const kMonthNames[12];

}  // namespace maillens

#endif  // MAILLENS_SYSLOG_STAMP_H_
