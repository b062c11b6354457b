// row_writer.cc - AppendIsoTime, IsPlainDecimal.
#include "export/row_writer.h"

namespace maillens::exporter {

namespace {

// Civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

inline void Put2(char* p, int v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void AppendIsoTime(std::string* out, const Timestamp& t) {
  char buf[kIsoTimeMax];
  out->append(buf, static_cast<size_t>(WriteIsoTime(buf, t) - buf));
}

char* WriteIsoTime(char* buf, const Timestamp& t) {
  // "YYYY-MM-DDThh:mm:ss.uuuuuu+hh:mm": at most 32 characters.
  int64_t wall = t.epoch + t.offset;
  int64_t days = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400;
  int64_t sod = wall - days * 86400;
  int y, m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) y = 0;  // not a log's year; keep the shape
  char* p = buf;
  Put2(p, y / 100);
  Put2(p + 2, y % 100);
  p[4] = '-';
  Put2(p + 5, m);
  p[7] = '-';
  Put2(p + 8, d);
  p[10] = 'T';
  Put2(p + 11, static_cast<int>(sod / 3600));
  p[13] = ':';
  Put2(p + 14, static_cast<int>(sod / 60 % 60));
  p[16] = ':';
  Put2(p + 17, static_cast<int>(sod % 60));
  p += 19;
  if (t.usec > 0 && t.usec < 1000000) {
    *p++ = '.';
    int u = t.usec;
    for (int i = 5; i >= 0; --i, u /= 10) p[i] = static_cast<char>('0' + u % 10);
    p += 6;
  }
  int32_t off = t.offset;
  *p++ = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  off /= 60;  // whole minutes: no zone has used second offsets since 1972
  Put2(p, off / 60 % 100);
  p[2] = ':';
  Put2(p + 3, off % 60);
  return p + 5;
}

bool IsPlainDecimal(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  size_t f = ++i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i == s.size() && i > f;
}

}  // namespace maillens::exporter
