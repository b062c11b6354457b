// stamp.cc - ParseStamp: timestamps, host, program tag, without state.
#include "syslog/stamp.h"

#include <cstring>
#include <ctime>

namespace maillens {

const char* const kMonthNames[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int MonthFromName(std::string_view s) {
  if (s.size() != 3) return 0;
  // Switch on the first letter, then compare: no loop over 12 names per line.
  auto is = [&](const char* n) { return s[1] == n[1] && s[2] == n[2]; };
  switch (s[0]) {
    case 'J': return is("Jan") ? 1 : is("Jun") ? 6 : is("Jul") ? 7 : 0;
    case 'F': return is("Feb") ? 2 : 0;
    case 'M': return is("Mar") ? 3 : is("May") ? 5 : 0;
    case 'A': return is("Apr") ? 4 : is("Aug") ? 8 : 0;
    case 'S': return is("Sep") ? 9 : 0;
    case 'O': return is("Oct") ? 10 : 0;
    case 'N': return is("Nov") ? 11 : 0;
    case 'D': return is("Dec") ? 12 : 0;
  }
  return 0;
}

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}


namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline int D2(const char* p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
inline bool Digits(const char* p, int n) {
  for (int i = 0; i < n; ++i)
    if (!IsDigit(p[i])) return false;
  return true;
}
// "hh:mm:ss" at p (8 bytes available).
inline bool Clock(const char* p, int* h, int* m, int* s) {
  if (!Digits(p, 2) || p[2] != ':' || !Digits(p + 3, 2) || p[5] != ':' || !Digits(p + 6, 2)) return false;
  *h = D2(p);
  *m = D2(p + 3);
  *s = D2(p + 6);
  return *h < 24 && *m < 60 && *s <= 60;
}

}  // namespace

namespace {
// Bytes that end a program tag: '[', ':', ' '.
struct TagEndTable {
  bool end[256] = {};
  constexpr TagEndTable() { end[static_cast<uint8_t>('[')] = end[static_cast<uint8_t>(':')] = end[static_cast<uint8_t>(' ')] = true; }
};
inline constexpr TagEndTable kTagEnd;
}  // namespace

bool ParseStamp(std::string_view line, SyslogHeader* h) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (line.size() < 16) return false;
  h->line = line;
  int hour, minute, second;
  h->usec = 0;
  if (IsDigit(p[0])) {
    // RFC 3339 or ISO: "YYYY-MM-DD[T ]hh:mm:ss"
    if (line.size() < 21 || !Digits(p, 4) || p[4] != '-' || !Digits(p + 5, 2) || p[7] != '-' ||
        !Digits(p + 8, 2) || (p[10] != 'T' && p[10] != ' ') || !Clock(p + 11, &hour, &minute, &second))
      return false;
    int year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + D2(p + 2);
    int month = D2(p + 5), day = D2(p + 8);
    if (month < 1 || month > 12 || day < 1 || day > 31) return false;
    bool rfc = p[10] == 'T';
    p += 19;
    if (p < end && (*p == '.' || *p == ',')) {  // fraction: keep microseconds
      ++p;
      int digits = 0;
      int32_t us = 0;
      while (p < end && IsDigit(*p)) {
        if (digits < 6) us = us * 10 + (*p - '0');
        ++digits;
        ++p;
      }
      for (; digits < 6; ++digits) us *= 10;
      h->usec = us;
    }
    int offset_min = 0;
    bool has_offset = false;
    if (p < end && *p == 'Z') {
      has_offset = true;
      ++p;
    } else if (p + 6 <= end && (*p == '+' || *p == '-') && Digits(p + 1, 2) && p[3] == ':' && Digits(p + 4, 2)) {
      offset_min = D2(p + 1) * 60 + D2(p + 4);
      if (*p == '-') offset_min = -offset_min;
      has_offset = true;
      p += 6;
    } else if (p + 5 <= end && (*p == '+' || *p == '-') && Digits(p + 1, 4)) {
      offset_min = D2(p + 1) * 60 + D2(p + 3);
      if (*p == '-') offset_min = -offset_min;
      has_offset = true;
      p += 5;
    }
    if (p >= end || *p != ' ') return false;
    ++p;
    h->year = year;
    h->month = month;
    h->day = day;
    h->format = rfc ? TimeFormat::kRfc3339 : TimeFormat::kIso;
    h->has_offset = has_offset;
    h->date = DaysFromCivil(year, month, day);
    h->epoch = has_offset ? (h->date * 86400 + hour * 3600 + minute * 60 + second) -
                                static_cast<int64_t>(offset_min) * 60
                          : 0;  // local time: YearTracker::Resolve computes it
  } else {
    // Traditional: "Mmm dd hh:mm:ss " with the day space- or zero-padded, or unpadded.
    int month = MonthFromName(std::string_view(p, 3));
    if (month == 0 || p[3] != ' ') return false;
    p += 4;
    if (*p == ' ') ++p;
    if (!IsDigit(*p)) return false;
    int day = *p++ - '0';
    if (IsDigit(*p)) day = day * 10 + (*p++ - '0');
    if (day < 1 || day > 31 || *p != ' ') return false;
    ++p;
    if (end - p < 9 || !Clock(p, &hour, &minute, &second) || p[8] != ' ') return false;
    p += 9;
    h->month = month;
    h->day = day;
    h->year = 0;  // YearTracker::Resolve infers it, then date and epoch
    h->format = TimeFormat::kTraditional;
    h->has_offset = false;
    h->date = 0;
    h->epoch = 0;
  }
  h->hour = hour;
  h->minute = minute;
  h->second = second;

  // Host (optional), then "prog[pid]: " or "prog: ".
  const char* tok = p;
  {
    const void* sp = std::memchr(p, ' ', static_cast<size_t>(end - p));
    p = sp ? static_cast<const char*>(sp) : end;
  }
  std::string_view first(tok, static_cast<size_t>(p - tok));
  bool host_less = !first.empty() && first.back() == ':';
  if (!host_less) {
    // "prog[123]:" also has no host in front of it.
    size_t lb = first.find('[');
    host_less = lb != std::string_view::npos && first.size() > lb + 2 && first.back() == ':' ;
  }
  if (host_less) {
    h->host = std::string_view();
    p = tok;
  } else {
    h->host = first;
    if (p >= end) return false;
    ++p;
  }
  const char* prog = p;
  while (p < end && !kTagEnd.end[static_cast<uint8_t>(*p)]) ++p;
  if (p == prog || p >= end) return false;
  h->program = std::string_view(prog, static_cast<size_t>(p - prog));
  h->pid = -1;
  if (*p == '[') {
    ++p;
    int64_t pid = 0;
    const char* ds = p;
    while (p < end && IsDigit(*p) && p - ds < 12) pid = pid * 10 + (*p++ - '0');
    if (p >= end || *p != ']' || p == ds) return false;
    h->pid = pid;
    ++p;
  }
  if (p >= end || *p != ':') return false;
  ++p;
  if (p < end && *p == ' ') ++p;
  // Solaris: "prog[pid]: [ID 197553 mail.info] msg"
  if (end - p > 4 && p[0] == '[' && p[1] == 'I' && p[2] == 'D' && p[3] == ' ') {
    const char* q = p;
    while (q < end && *q != ']') ++q;
    if (q + 1 < end && q[1] == ' ') p = q + 2;
  }
  h->message = std::string_view(p, static_cast<size_t>(end - p));
  size_t slash = h->program.rfind('/');
  if (slash == std::string_view::npos) {
    h->service = std::string_view();
    h->daemon = h->program;
  } else {
    h->service = h->program.substr(0, slash);
    h->daemon = h->program.substr(slash + 1);
  }
  return true;
}

}  // namespace maillens
