// duration.cc - ParseDuration.
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
