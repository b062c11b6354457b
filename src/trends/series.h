// series.h - the read-only view of bucketed history that `trends` and the
// anomaly detector read (history/series.h's buckets), and DeltaSeries, that
// view over a history::Delta held in memory (the one-shot commands fill it
// from a Bucketer; the SQLite history store can implement the same view).
//
// Coverage: a time the input covered with no bucket counted zero; a time
// outside coverage has no data (a baseline skips it).
// Thread safety: one thread at a time.
#ifndef MAILLENS_TRENDS_SERIES_H_
#define MAILLENS_TRENDS_SERIES_H_

#include <cstdint>
#include <map>

#include "history/series.h"

namespace maillens::trends {

class Series {
 public:
  virtual ~Series() = default;
  // Whether the input covered all of [start, end).
  virtual bool Covered(int64_t start, int64_t end) const = 0;
  // The per-minute totals summed over [start, end) (minute buckets starting there).
  virtual history::Counts Sum(int64_t start, int64_t end) const = 0;
  // The counts per key of dimension `d` in the hour starting at `hour` (null: none).
  virtual const history::KeyCounts* Hour(int64_t hour, history::Dim d) const = 0;
  // The deferred queue in the 10-minute slot starting at `slot`: messages
  // that entered it (first deferral) and its size at the slot's end; false
  // when not known.
  virtual bool Queue(int64_t slot, double* entered, double* size) const = 0;
};

class DeltaSeries : public Series {
 public:
  void Add(const history::Delta& d) { delta_.Add(d); }
  // Extends coverage to [begin, end) (begin only lowers, end only raises).
  void Cover(int64_t begin, int64_t end);
  void SetQueue(int64_t slot, uint32_t entered, uint32_t size) { queue_[slot] = {entered, size}; }
  const history::Delta& delta() const { return delta_; }
  int64_t begin() const { return begin_; }
  int64_t end() const { return end_; }

  bool Covered(int64_t start, int64_t end) const override { return start >= begin_ && end <= end_ && start < end; }
  history::Counts Sum(int64_t start, int64_t end) const override;
  const history::KeyCounts* Hour(int64_t hour, history::Dim d) const override;
  bool Queue(int64_t slot, double* entered, double* size) const override;

 private:
  history::Delta delta_;
  int64_t begin_ = INT64_MAX, end_ = INT64_MIN;
  std::map<int64_t, std::pair<uint32_t, uint32_t>> queue_;
};

// Floor of t to a multiple of `step` (also for negative t).
inline int64_t FloorTo(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

}  // namespace maillens::trends

#endif  // MAILLENS_TRENDS_SERIES_H_
