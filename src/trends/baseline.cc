// baseline.cc - the seasonal baseline (baseline.h).
#include "trends/baseline.h"

#include <algorithm>
#include <cmath>

namespace maillens::trends {

const char* const kBaselineSentence =
    "expected = the median of the same slot 1, 2, 3 days and 1, 2, 3 weeks back (those with data); "
    "flagged when further than max(k x 1.4826 x MAD, k x sqrt(expected), floor) from it and at least factor times "
    "(at most 1/factor of) it";

std::vector<Lag> LagOffsets(const BaselineOptions& o) {
  std::vector<Lag> out;
  if (o.daily_lags)
    for (int d = 1; d <= 3; ++d) out.push_back({d * 86400LL, false});
  if (o.weekly_lags)
    for (int w = 1; w <= 3; ++w) out.push_back({w * 7 * 86400LL, true});
  return out;
}

void MedianMad(std::vector<double>* v, double* median, double* mad) {
  *median = *mad = 0;
  if (v->empty()) return;
  auto mid = [](std::vector<double>* x) {
    size_t n = x->size();
    std::nth_element(x->begin(), x->begin() + static_cast<long>(n / 2), x->end());
    double hi = (*x)[n / 2];
    if (n % 2) return hi;
    double lo = *std::max_element(x->begin(), x->begin() + static_cast<long>(n / 2));
    return (lo + hi) / 2;
  };
  *median = mid(v);
  for (double& x : *v) x = std::fabs(x - *median);
  *mad = mid(v);
}

namespace {

double HalfWidth(double expected, double mad, const BaselineOptions& o) {
  return std::max({o.k * 1.4826 * mad, o.k * std::sqrt(std::max(expected, 0.0)), o.floor});
}

}  // namespace

double Band::low() const { return std::min(expected - half_width, expected / factor); }
double Band::high() const { return std::max(expected + half_width, expected * factor); }

double Band::Excess(double seen) const {
  if (!ok || half_width <= 0) return 0;
  return (seen - expected) / half_width;
}

Band MakeBand(const std::vector<Lagged>& lags, const BaselineOptions& o) {
  Band b;
  std::vector<double> v;
  int weekly = 0;
  for (const Lagged& l : lags) {
    v.push_back(l.value);
    weekly += l.weekly;
  }
  b.lags = static_cast<int>(v.size());
  b.ok = b.lags >= o.min_lags && weekly >= o.min_weekly_lags;
  MedianMad(&v, &b.expected, &b.mad);
  b.half_width = HalfWidth(b.expected, b.mad, o);
  b.factor = std::max(o.factor, 1.0);
  return b;
}

Band Scale(const Band& b, double fraction, const BaselineOptions& o) {
  Band s = b;
  s.expected = b.expected * fraction;
  s.mad = b.mad * fraction;
  s.half_width = HalfWidth(s.expected, s.mad, o);
  return s;
}

}  // namespace maillens::trends
