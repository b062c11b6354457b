// year_tracker.cc - YearTracker: years that never go backwards, local epochs.
#include "syslog/year_tracker.h"

#include <ctime>

namespace maillens {

int YearTracker::FirstYear(int month, int day) const {
  if (policy_.fixed_year != 0) return policy_.fixed_year;
  time_t ref = static_cast<time_t>(policy_.reference_epoch);
  struct tm tm;
  localtime_r(&ref, &tm);
  int ry = tm.tm_year + 1900, rm = tm.tm_mon + 1, rd = tm.tm_mday;
  // A date after the reference (allowing a day of clock skew) is last year's.
  bool later = month > rm || (month == rm && day > rd + 1);
  return later ? ry - 1 : ry;
}

int64_t YearTracker::LocalEpoch(int year, int month, int day, int hour, int minute, int second) {
  int64_t key = ((static_cast<int64_t>(year) * 13 + month) * 32 + day) * 24 + hour;
  if (key != cache_key_) {
    struct tm tm = {};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_isdst = -1;
    cache_epoch_ = static_cast<int64_t>(mktime(&tm));
    cache_key_ = key;
  }
  return cache_epoch_ + minute * 60 + second;
}

int64_t YearTracker::Day(int year, int month, int day) {
  int32_t key = (year * 13 + month) * 32 + day;
  if (key != day_key_) {
    day_key_ = key;
    day_value_ = DaysFromCivil(year, month, day);
  }
  return day_value_;
}

void YearTracker::Resolve(SyslogHeader* h) {
  const int64_t tod = h->hour * 3600 + h->minute * 60 + h->second;
  if (h->format == TimeFormat::kTraditional) {
    int y;
    int64_t wall;
    if (!started_) {
      y = FirstYear(h->month, h->day);
      wall = Day(y, h->month, h->day) * 86400 + tod;
    } else {
      // The earliest of year_-1, year_, year_+1 not more than the slack
      // behind the position; year_+1 always is (it is after the position).
      y = year_ - 1;
      for (;; ++y) {
        wall = Day(y, h->month, h->day) * 86400 + tod;
        if (wall >= pos_ - kOutOfOrderSlack || y == year_ + 1) break;
      }
    }
    if (!started_ || wall > pos_) {
      started_ = true;
      pos_ = wall;
      year_ = y;
    }
    h->year = y;
    h->date = Day(y, h->month, h->day);
    h->epoch = LocalEpoch(y, h->month, h->day, h->hour, h->minute, h->second);
    return;
  }
  // A stamp with its year: keep the position in step when it is ahead.
  int64_t wall = h->date * 86400 + tod;
  if (!started_ || wall > pos_) {
    started_ = true;
    pos_ = wall;
    year_ = h->year;
  }
  if (!h->has_offset) h->epoch = LocalEpoch(h->year, h->month, h->day, h->hour, h->minute, h->second);
}

}  // namespace maillens
