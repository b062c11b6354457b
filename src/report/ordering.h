// ordering.h - the order in which report sections list their rows, shared by
// the text/JSON renderer (render.cc) and the HTML one (render_html.cc).
// Thread safety: pure functions. The views point into the map's keys.
#ifndef MAILLENS_REPORT_ORDERING_H_
#define MAILLENS_REPORT_ORDERING_H_

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "report/summary.h"

namespace maillens::report_order {

// Rows of a count map: count descending, then key ascending.
inline std::vector<std::pair<std::string_view, uint64_t>> ByCount(const Counts& m) {
  std::vector<std::pair<std::string_view, uint64_t>> v;
  v.reserve(m.size());
  for (const auto& [k, n] : m) v.emplace_back(k, n);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return v;
}

// A map's keys, ascending.
template <typename Map>
std::vector<std::string_view> SortedKeys(const Map& m) {
  std::vector<std::string_view> v;
  v.reserve(m.size());
  for (const auto& kv : m) v.push_back(kv.first);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace maillens::report_order

#endif  // MAILLENS_REPORT_ORDERING_H_
