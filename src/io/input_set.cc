// input_set.cc - SortRotatedInputs, NewestMtime.
#include "io/input_set.h"

#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace maillens {

namespace {

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Strips one compression suffix.
std::string StripCompression(const std::string& p) {
  static const char* kExt[] = {".gz", ".bz2", ".xz", ".zst", ".zstd"};
  for (const char* e : kExt) {
    std::string ext(e);
    if (p.size() > ext.size() && p.compare(p.size() - ext.size(), ext.size(), ext) == 0)
      return p.substr(0, p.size() - ext.size());
  }
  return p;
}

}  // namespace

RotationKey RotationKeyOf(const std::string& path) {
  std::string p = StripCompression(path);
  size_t slash = p.rfind('/');
  size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = p.rfind('.');
  if (dot != std::string::npos && dot > name_start) {
    std::string num = p.substr(dot + 1);
    if (AllDigits(num) && num.size() <= 6) return {p.substr(0, dot), -std::stoll(num)};
  }
  size_t dash = p.rfind('-');
  if (dash != std::string::npos && dash > name_start) {
    std::string date = p.substr(dash + 1);
    if (AllDigits(date) && (date.size() == 8 || date.size() == 10))
      return {p.substr(0, dash), std::stoll(date.substr(0, 8)) - 1000000000LL};
  }
  return {p, 0};
}

std::vector<std::string> SortRotatedInputs(const std::vector<std::string>& paths, const FirstStampFn& first_stamp) {
  // Group by base name; each group sorted by rank; groups by first timestamp.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> groups;
  std::vector<std::string> stdin_inputs;
  for (const std::string& p : paths) {
    if (p == "-") {
      stdin_inputs.push_back(p);
      continue;
    }
    RotationKey k = RotationKeyOf(p);
    groups[k.base].push_back({k.rank, p});
  }
  struct Group {
    int64_t first;
    std::string base;
    std::vector<std::string> files;
  };
  std::vector<Group> ordered;
  for (auto& [base, members] : groups) {
    std::stable_sort(members.begin(), members.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Group g{0, base, {}};
    for (auto& m : members) g.files.push_back(m.second);
    g.first = first_stamp(g.files.front());
    ordered.push_back(std::move(g));
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const Group& a, const Group& b) {
    return a.first != b.first ? a.first < b.first : a.base < b.base;
  });
  std::vector<std::string> out;
  for (Group& g : ordered)
    for (std::string& f : g.files) out.push_back(std::move(f));
  for (std::string& s : stdin_inputs) out.push_back(std::move(s));
  return out;
}

int64_t NewestMtime(const std::vector<std::string>& paths) {
  int64_t newest = 0;
  for (const std::string& p : paths) {
    struct stat st;
    if (p == "-" || ::stat(p.c_str(), &st) != 0) return static_cast<int64_t>(std::time(nullptr));
    newest = std::max<int64_t>(newest, st.st_mtime);
  }
  return newest ? newest : static_cast<int64_t>(std::time(nullptr));
}

}  // namespace maillens
