// header.h - the syslog header of a mail log line: time, host, program, pid.
//
// HeaderParser splits a line into a SyslogHeader. It accepts
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
// Years: traditional stamps carry none. The parser infers the first line's
// year from a reference time (the newest input's mtime, or now): a month/day
// later than the reference's is taken as last year. After that the year
// follows the stream: a jump back of more than six months (Dec -> Jan) starts
// a new year; a stray line from far ahead of the stream (Jan -> Dec) is dated
// to the previous year without moving the stream. A fixed --year sets the
// first line's year instead. RFC 3339 years are kept as written.
// Times without an offset are local time (TZ respected).
//
// Thread safety: a HeaderParser keeps state (the year tracker, a time cache);
// use one per stream.
#ifndef MAILLENS_SYSLOG_HEADER_H_
#define MAILLENS_SYSLOG_HEADER_H_

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

struct YearPolicy {
  int64_t reference_epoch = 0;  // the newest input's mtime, or now
  int fixed_year = 0;           // non-zero: --year, the first line's year
};

class HeaderParser {
 public:
  explicit HeaderParser(YearPolicy policy) : policy_(policy) {}
  // Parses `line`; false if it has no recognisable timestamp and program.
  // On success the views in *out point into `line`.
  bool Parse(std::string_view line, SyslogHeader* out);

 private:
  int YearFor(int month, int day);
  int64_t LocalEpoch(int year, int month, int day, int hour, int minute, int second);
  int64_t Day(int year, int month, int day);

  YearPolicy policy_;
  int cur_year_ = 0;   // year of the stream so far (0 before the first line)
  int cur_month_ = 0;
  // Cache of mktime() for the last local hour seen.
  int64_t cache_key_ = -1;
  int64_t cache_epoch_ = 0;
  // Cache of DaysFromCivil() for the last date seen.
  int32_t day_key_ = -1;
  int64_t day_value_ = 0;
};

// Days since 1970-01-01 for a proleptic Gregorian date (month 1-12).
int64_t DaysFromCivil(int year, int month, int day);
// Month number 1-12 for "Jan".."Dec", 0 if not a month name.
int MonthFromName(std::string_view s);
extern const char* const kMonthNames[12];

}  // namespace maillens

#endif  // MAILLENS_SYSLOG_HEADER_H_
