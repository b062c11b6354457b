// window.h - exact event counts over sliding time windows.
//
// A CountWindow keeps one entry per second that saw events, with the
// running total up to that second, so the count in any window (from, to] is
// two binary searches: total(to) - total(from). Entries older than the
// retention the rules need are dropped by Prune(), so memory is bounded by
// the number of distinct busy seconds within the retention. Events arriving
// slightly out of order (syslog from several processes) are counted in the
// newest second seen.
// Thread safety: one thread at a time.
#ifndef MAILLENS_ALERT_WINDOW_H_
#define MAILLENS_ALERT_WINDOW_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace maillens::alert {

class CountWindow {
 public:
  // Counts `n` events at epoch second `t`.
  void Add(int64_t t, uint64_t n = 1);
  // Events in (from, to].
  uint64_t Count(int64_t from, int64_t to) const { return TotalAt(to) - TotalAt(from); }
  // Drops the seconds <= `before` (their events stay in the base total).
  void Prune(int64_t before);
  bool empty() const { return entries_.empty(); }
  int64_t newest() const { return entries_.empty() ? 0 : entries_.back().t; }

  // "base t:total t:total ..." and back; false if malformed.
  void Save(std::string* out) const;
  bool Load(std::string_view text);

 private:
  // Events up to and including second `t`.
  uint64_t TotalAt(int64_t t) const;

  struct Entry {
    int64_t t;
    uint64_t total;  // events up to and including t
  };
  std::deque<Entry> entries_;
  uint64_t base_ = 0;  // events before the first entry
};

}  // namespace maillens::alert

#endif  // MAILLENS_ALERT_WINDOW_H_
