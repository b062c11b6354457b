// series.cc - DeltaSeries (series.h).
#include "trends/series.h"

#include <algorithm>

namespace maillens::trends {

void DeltaSeries::Cover(int64_t begin, int64_t end) {
  begin_ = std::min(begin_, begin);
  end_ = std::max(end_, end);
}

history::Counts DeltaSeries::Sum(int64_t start, int64_t end) const {
  history::Counts c;
  for (auto it = delta_.minutes.lower_bound(start); it != delta_.minutes.end() && it->first < end; ++it)
    c += it->second;
  return c;
}

const history::KeyCounts* DeltaSeries::Hour(int64_t hour, history::Dim d) const {
  auto it = delta_.hours.find(hour);
  return it == delta_.hours.end() ? nullptr : &it->second[static_cast<int>(d)];
}

bool DeltaSeries::Queue(int64_t slot, double* entered, double* size) const {
  auto it = queue_.find(slot);
  if (it == queue_.end()) return false;
  *entered = it->second.first;
  *size = it->second.second;
  return true;
}

}  // namespace maillens::trends
