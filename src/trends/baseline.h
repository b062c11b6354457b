// baseline.h - the seasonal baseline every anomaly (and `accounts` with
// --seasonal) is judged against, in one sentence:
//
//   "Expected is the median of the same slot 1, 2 and 3 days back and 1, 2
//    and 3 weeks back (those with data); a value is out of band when it is
//    more than max(k x 1.4826 x MAD, k x sqrt(expected), floor) away from it
//    and at least `factor` times (or at most 1/factor of) expected."
//
// MAD is the median absolute deviation of those lag values (1.4826 x MAD
// estimates a standard deviation and ignores outliers, e.g. last week's
// incident); k x sqrt(expected) is the Poisson noise floor of a count, so a
// quiet series does not flag on a handful of messages; `floor` an absolute
// minimum half-width; `factor` keeps bursty counts (one message to fifty
// recipients is fifty deliveries, not fifty independent events: no Poisson
// noise) from flagging on ordinary clusters. A baseline needs at least min_lags lags with data, of
// which at least min_weekly_lags weekly ones (without the weekly season a
// Monday after a quiet weekend looks like a spike and a Saturday like a drop).
//
// Interface: LagOffsets() names the lags; the caller collects the values it
// has (Lagged) and MakeBand() turns them into expected value and band; Scale()
// takes a band of whole hours to the elapsed part of an hour.
// Thread safety: pure functions.
#ifndef MAILLENS_TRENDS_BASELINE_H_
#define MAILLENS_TRENDS_BASELINE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace maillens::trends {

// The one-sentence explanation, for outputs and docs.
extern const char* const kBaselineSentence;

struct BaselineOptions {
  double k = 4.0;           // band half-width in robust standard deviations (and Poisson sqrt's)
  double floor = 3.0;       // minimal half-width (counts)
  double factor = 4.0;      // above: at least factor x expected; below: at most expected / factor
  int min_lags = 4;         // lags with data needed for a baseline
  int min_weekly_lags = 3;  // ... of which weekly ones
  bool daily_lags = true;   // 1, 2, 3 days back
  bool weekly_lags = true;  // 1, 2, 3 weeks back
};

struct Lag {
  int64_t seconds;  // how far back
  bool weekly;
};
// The lags in use, nearest first.
std::vector<Lag> LagOffsets(const BaselineOptions& o);

// A lag's value, when the series had data there.
struct Lagged {
  double value;
  bool weekly;
};

struct Band {
  bool ok = false;     // enough lags: the band applies
  int lags = 0;        // lags with data
  double expected = 0;  // median of the lags
  double mad = 0;       // their median absolute deviation
  double half_width = 0;
  double factor = 1;
  // The band's edges: outside them a value is flagged.
  double low() const;
  double high() const;
  // How many half-widths `seen` lies outside the band's centre (signed:
  // positive above). 0 when the band does not apply.
  double Excess(double seen) const;
};

// Median and median absolute deviation of `v` (reordered); 0, 0 when empty.
void MedianMad(std::vector<double>* v, double* median, double* mad);

// The band from the lags with data.
Band MakeBand(const std::vector<Lagged>& lags, const BaselineOptions& o);
// The band with expected and MAD multiplied by `fraction` (0..1: the
// elapsed part of an hour compared with whole past hours), the half-width
// recomputed from them (the Poisson floor of the scaled expectation).
Band Scale(const Band& b, double fraction, const BaselineOptions& o);

}  // namespace maillens::trends

#endif  // MAILLENS_TRENDS_BASELINE_H_
