// duration.cc - ParseDuration.
#include "util/duration.h"

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

}  // namespace maillens
