// duration.cc - ParseDuration, ParseTimeSpec, FormatEpoch.
#include "util/duration.h"

#include <ctime>

namespace maillens {

bool ParseDuration(std::string_view text, int64_t* seconds) {
  if (text == "-1") return *seconds = -1, true;
  if (text.empty() || text.size() > 12) return false;
  size_t n = 0;
  int64_t v = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') v = v * 10 + (text[n++] - '0');
  if (n == 0) return false;
  int64_t unit = 1;
  if (n < text.size()) {
    if (n + 1 != text.size()) return false;
    switch (text[n]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return false;
    }
  }
  *seconds = v * unit;
  return true;
}

namespace {

// Reads exactly `n` digits at *p.
bool Digits(std::string_view t, size_t* p, size_t n, int* out) {
  if (*p + n > t.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = t[*p + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *p += n;
  *out = v;
  return true;
}

bool Eat(std::string_view t, size_t* p, char c) {
  if (*p < t.size() && t[*p] == c) return ++*p, true;
  return false;
}

struct tm Fields(int y, int mo, int d, int h, int mi, int s) {
  struct tm tm = {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return tm;
}

int64_t LocalEpoch(int y, int mo, int d, int h, int mi, int s) {
  struct tm tm = Fields(y, mo, d, h, mi, s);
  return static_cast<int64_t>(std::mktime(&tm));
}

struct tm LocalTm(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  localtime_r(&tt, &tm);
  return tm;
}

bool ValidClock(int mo, int d, int h, int mi, int s) {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

// hh:mm[:ss] at *p.
bool ClockTime(std::string_view t, size_t* p, int* h, int* mi, int* s) {
  *s = 0;
  if (!Digits(t, p, 2, h) || !Eat(t, p, ':') || !Digits(t, p, 2, mi)) return false;
  return !Eat(t, p, ':') || Digits(t, p, 2, s);
}

bool Iso(std::string_view t, int64_t* epoch) {
  size_t p = 0;
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!Digits(t, &p, 4, &y) || !Eat(t, &p, '-') || !Digits(t, &p, 2, &mo) || !Eat(t, &p, '-') ||
      !Digits(t, &p, 2, &d))
    return false;
  if (p == t.size()) {
    if (!ValidClock(mo, d, 0, 0, 0)) return false;
    return *epoch = LocalEpoch(y, mo, d, 0, 0, 0), true;
  }
  if (!(Eat(t, &p, 'T') || Eat(t, &p, ' ')) || !ClockTime(t, &p, &h, &mi, &s)) return false;
  if (Eat(t, &p, '.') || Eat(t, &p, ',')) {  // fractions of a second: dropped
    size_t start = p;
    while (p < t.size() && t[p] >= '0' && t[p] <= '9') ++p;
    if (p == start) return false;
  }
  if (!ValidClock(mo, d, h, mi, s)) return false;
  if (p == t.size()) return *epoch = LocalEpoch(y, mo, d, h, mi, s), true;
  struct tm tm = Fields(y, mo, d, h, mi, s);
  int64_t base = static_cast<int64_t>(timegm(&tm));
  if (Eat(t, &p, 'Z') || Eat(t, &p, 'z')) {
    if (p != t.size()) return false;
    return *epoch = base, true;
  }
  int sign = Eat(t, &p, '+') ? 1 : (Eat(t, &p, '-') ? -1 : 0);
  int oh, om = 0;
  if (sign == 0 || !Digits(t, &p, 2, &oh)) return false;
  Eat(t, &p, ':');
  if (p < t.size() && !Digits(t, &p, 2, &om)) return false;
  if (p != t.size() || oh > 23 || om > 59) return false;
  return *epoch = base - sign * (oh * 3600 + om * 60), true;
}

// "Mmm dd[ hh:mm[:ss]]" (one or two spaces before a one-digit day).
bool SyslogStamp(std::string_view t, int64_t now, int64_t* epoch) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (t.size() < 5 || t[3] != ' ') return false;
  size_t m = kMonths.find(t.substr(0, 3));
  if (m == std::string_view::npos || m % 3 != 0) return false;
  int mo = static_cast<int>(m / 3) + 1;
  size_t p = 4;
  Eat(t, &p, ' ');
  int d = 0, h = 0, mi = 0, s = 0;
  if (p + 2 <= t.size() && t[p + 1] >= '0' && t[p + 1] <= '9') {
    if (!Digits(t, &p, 2, &d)) return false;
  } else if (!Digits(t, &p, 1, &d)) {
    return false;
  }
  if (p < t.size() && (!Eat(t, &p, ' ') || !ClockTime(t, &p, &h, &mi, &s))) return false;
  if (p != t.size() || !ValidClock(mo, d, h, mi, s)) return false;
  int year = LocalTm(now).tm_year + 1900;
  int64_t e = LocalEpoch(year, mo, d, h, mi, s);
  if (e > now + 86400) e = LocalEpoch(year - 1, mo, d, h, mi, s);
  return *epoch = e, true;
}

}  // namespace

bool ParseTimeSpec(std::string_view text, int64_t now, int64_t* epoch) {
  if (text.empty() || text.size() > 40) return false;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 18) return false;
    int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return *epoch = v, true;
  }
  if (text == "now") return *epoch = now, true;
  if (text == "today" || text == "yesterday") {
    struct tm tm = LocalTm(now);
    int back = text == "yesterday" ? 1 : 0;
    return *epoch = LocalEpoch(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday - back, 0, 0, 0), true;
  }
  if (text[0] >= '0' && text[0] <= '9' && text.size() <= 12 && text.find_first_of("-: T") == std::string_view::npos) {
    int64_t ago = 0;
    if (!ParseDuration(text, &ago)) return false;
    return *epoch = now - ago, true;
  }
  if (text[0] >= '0' && text[0] <= '9') return Iso(text, epoch);
  return SyslogStamp(text, now, epoch);
}

std::string FormatEpoch(int64_t t, const char* fmt, bool utc) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm;
  if (utc) gmtime_r(&tt, &tm);
  else localtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

}  // namespace maillens
