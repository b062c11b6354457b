// window.cc - CountWindow.
#include "alert/window.h"

#include <algorithm>
#include <charconv>

namespace maillens::alert {

void CountWindow::Add(int64_t t, uint64_t n) {
  if (!entries_.empty() && t <= entries_.back().t) {
    entries_.back().total += n;
    return;
  }
  uint64_t prev = entries_.empty() ? base_ : entries_.back().total;
  entries_.push_back({t, prev + n});
}

uint64_t CountWindow::TotalAt(int64_t t) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), t,
                             [](int64_t v, const Entry& e) { return v < e.t; });
  return it == entries_.begin() ? base_ : std::prev(it)->total;
}

void CountWindow::Prune(int64_t before) {
  while (!entries_.empty() && entries_.front().t <= before) {
    base_ = entries_.front().total;
    entries_.pop_front();
  }
}

void CountWindow::Save(std::string* out) const {
  out->append(std::to_string(base_));
  for (const Entry& e : entries_) {
    out->push_back(' ');
    out->append(std::to_string(e.t));
    out->push_back(':');
    out->append(std::to_string(e.total));
  }
}

bool CountWindow::Load(std::string_view text) {
  entries_.clear();
  auto num = [](std::string_view s, auto* v) {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  };
  size_t sp = text.find(' ');
  if (!num(text.substr(0, sp), &base_)) return false;
  while (sp != std::string_view::npos) {
    text.remove_prefix(sp + 1);
    sp = text.find(' ');
    std::string_view item = text.substr(0, sp);
    size_t colon = item.find(':');
    Entry e;
    if (colon == std::string_view::npos || !num(item.substr(0, colon), &e.t) || !num(item.substr(colon + 1), &e.total))
      return false;
    if (!entries_.empty() && (e.t <= entries_.back().t || e.total < entries_.back().total)) return false;
    entries_.push_back(e);
  }
  return true;
}

}  // namespace maillens::alert
