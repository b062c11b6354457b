// histogram.h - a Prometheus histogram with fixed bucket bounds, and its
// text exposition.
//
// Histogram keeps one non-cumulative count per bound plus the +Inf bucket,
// the sum and the count; Observe() is a short scan of the bounds (at most a
// dozen), no allocation. AppendHistogram() writes the cumulative
// `_bucket{...,le="B"}`, `_sum` and `_count` lines of one labelled series.
// Bucket bounds and sums are printed as every Go exporter prints them
// (client_golang: strconv.FormatFloat(f, 'g', -1, 64)): le="1e+06", not
// "1000000". The le value is a label, compared as a string by dashboards
// and recording rules, so its spelling must be Go's. Used by PostfixMetrics
// (delivery delays, qmgr sizes, postscreen ranks) and serve's queue metrics.
#ifndef MAILLENS_METRICS_HISTOGRAM_H_
#define MAILLENS_METRICS_HISTOGRAM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace maillens {

class Histogram {
 public:
  explicit Histogram(size_t bounds = 0) : counts_(bounds + 1, 0) {}

  // Adds `v` to the first bucket whose bound is >= v (+Inf if none).
  void Observe(std::span<const double> bounds, double v) {
    size_t i = 0;
    while (i < bounds.size() && v > bounds[i]) ++i;
    ++counts_[i];
    sum_ += v;
  }

  uint64_t count() const {
    uint64_t n = 0;
    for (uint64_t c : counts_) n += c;
    return n;
  }
  double sum() const { return sum_; }
  // Non-cumulative counts: one per bound, then +Inf.
  const std::vector<uint64_t>& counts() const { return counts_; }

  // State as text: "sum c0 c1 ... cN" (sum in shortest round-trip form).
  void Save(std::string* out) const;
  // Parses Save()'s text for `bounds` bounds; false if malformed.
  bool Load(std::string_view text, size_t bounds);

 private:
  std::vector<uint64_t> counts_;
  double sum_ = 0;
};

// Appends a number in a form that reads back exactly (whole numbers in full).
void AppendNumber(std::string* out, double v);

// Appends `v` as Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest
// digits that read back exactly, in exponent form when the decimal
// exponent is < -4 or >= 6 ("1e+06", "1.5e-05"), else in full ("172800",
// "0.001"); "+Inf", "-Inf", "NaN" as client_golang writes them.
void AppendGoFloat(std::string* out, double v);

// Appends the exposition lines of `h` as series `name{labels}`; `labels` is
// already escaped text such as `stage="queue_manager"` (may be empty).
void AppendHistogram(std::string* out, std::string_view name, std::string_view labels,
                     std::span<const double> bounds, const Histogram& h);

// Appends "# HELP name help\n# TYPE name type\n".
void AppendMetricHeader(std::string* out, std::string_view name, std::string_view type, std::string_view help);
// The header and one unlabelled sample: a whole family of one series.
void AppendMetricFamily(std::string* out, std::string_view name, std::string_view type, std::string_view help,
                        double value);

}  // namespace maillens

#endif  // MAILLENS_METRICS_HISTOGRAM_H_
