// abuse_util.cc - AppendUtcTime.
#include "abuse/abuse_util.h"

#include <cstdio>
#include <ctime>

namespace maillens {

void AppendUtcTime(std::string* out, int64_t epoch) {
  time_t t = static_cast<time_t>(epoch);
  struct tm tm;
  char buf[40];
  if (gmtime_r(&t, &tm) == nullptr) {
    std::snprintf(buf, sizeof buf, "@%lld", static_cast<long long>(epoch));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  out->append(buf);
}

}  // namespace maillens
