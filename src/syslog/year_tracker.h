// year_tracker.h - the sequential half of the syslog header: years for
// traditional stamps, local-time epochs.
//
// Traditional stamps ("Mar 28 10:00:00") carry no year. The tracker keeps the
// position of the stream, the newest wall-clock time seen (year included),
// and dates each line by one rule: years never go backwards.
//   - The first line's year is --year when given; otherwise the reference
//     time's (the newest input's mtime, or now), minus one when the month/day
//     is later than the reference's (allowing a day of clock skew).
//   - Every later line takes the earliest year in which it is not more than
//     kOutOfOrderSlack (31 days) behind the position: a month/day after the
//     position stays in the current year however long the gap (Mar 28 -> Oct
//     31), one more than 31 days before it starts the next year (Dec 31 -> Jan
//     1, Mar 28 -> Feb 1), and a line at most 31 days behind is an
//     out-of-order line of a merged log, dated just before the position (Jan 1
//     00:00:05 then Dec 31 23:59:59 stays in the old year).
//   - A line ahead of the position moves it; a line behind it does not.
//   - A stamp with a year (RFC 3339, ISO) moves the position to itself when it
//     is ahead, so mixed formats stay in step.
// What no rule can see: a gap of a year or more with no line in it, or one of
// 11+ months that lands within 31 days before the position's month/day.
//
// Resolve also gives stamps without a UTC offset their epoch, as local time
// (TZ respected), with a per-hour cache of mktime().
//
// Thread safety: keeps state; run it in input order, one per stream (the
// ordered stage of the pipeline).
#ifndef MAILLENS_SYSLOG_YEAR_TRACKER_H_
#define MAILLENS_SYSLOG_YEAR_TRACKER_H_

#include <cstdint>

#include "syslog/stamp.h"

namespace maillens {

struct YearPolicy {
  int64_t reference_epoch = 0;  // the newest input's mtime, or now
  int fixed_year = 0;           // non-zero: --year, the first line's year
};

class YearTracker {
 public:
  static constexpr int64_t kOutOfOrderSlack = 31 * 86400;  // seconds

  explicit YearTracker(YearPolicy policy) : policy_(policy) {}
  // Completes a header from ParseStamp: year (traditional), date, epoch.
  void Resolve(SyslogHeader* h);
  // The year of the position (0 before the first line).
  int year() const { return year_; }

 private:
  int FirstYear(int month, int day) const;
  int64_t LocalEpoch(int year, int month, int day, int hour, int minute, int second);
  int64_t Day(int year, int month, int day);

  YearPolicy policy_;
  bool started_ = false;
  int year_ = 0;      // year of the position
  int64_t pos_ = 0;   // the position: wall-clock seconds since 1970 (no zone)
  // Cache of mktime() for the last local hour seen.
  int64_t cache_key_ = -1;
  int64_t cache_epoch_ = 0;
  // Cache of DaysFromCivil() for the last date seen.
  int32_t day_key_ = -1;
  int64_t day_value_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_SYSLOG_YEAR_TRACKER_H_
