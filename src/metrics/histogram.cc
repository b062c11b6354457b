// histogram.cc - Histogram state and exposition.
#include "metrics/histogram.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace maillens {

void AppendNumber(std::string* out, double v) {
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  char buf[32];
  // Whole numbers (counts, byte sizes) in full, the rest in shortest form.
  auto r = v == std::trunc(v) && std::fabs(v) < 9007199254740992.0
               ? std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v))
               : std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

void AppendGoFloat(std::string* out, double v) {
  if (std::isinf(v) || std::isnan(v)) {
    AppendNumber(out, v);
    return;
  }
  char buf[40];
  // Shortest round-trip digits in exponent form, "d.ddde+XX" (two exponent
  // digits at least, as Go); Go keeps that form when the exponent is < -4
  // or >= 6 and otherwise writes the same digits in full.
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const char* e = std::find(buf, r.ptr, 'e');
  int exp = 0;
  std::from_chars(e + (e[1] == '+' ? 2 : 1), r.ptr, exp);
  if (exp < -4 || exp >= 6) {
    out->append(buf, r.ptr);
    return;
  }
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out->append(buf, r.ptr);
}

void Histogram::Save(std::string* out) const {
  AppendNumber(out, sum_);
  for (uint64_t c : counts_) out->append(" ").append(std::to_string(c));
}

bool Histogram::Load(std::string_view text, size_t bounds) {
  const char* p = text.data();
  const char* end = p + text.size();
  double sum = 0;
  auto r = std::from_chars(p, end, sum);
  if (r.ec != std::errc()) return false;
  std::vector<uint64_t> counts(bounds + 1, 0);
  for (uint64_t& c : counts) {
    if (r.ptr == end || *r.ptr != ' ') return false;
    r = std::from_chars(r.ptr + 1, end, c);
    if (r.ec != std::errc()) return false;
  }
  if (r.ptr != end) return false;
  counts_ = std::move(counts);
  sum_ = sum;
  return true;
}

void AppendMetricHeader(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help);
  out->append("\n# TYPE ").append(name).append(" ").append(type).push_back('\n');
}

void AppendHistogram(std::string* out, std::string_view name, std::string_view labels,
                     std::span<const double> bounds, const Histogram& h) {
  const std::vector<uint64_t>& counts = h.counts();
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size() && i < counts.size(); ++i) {
    cumulative += counts[i];
    out->append(name).append("_bucket{").append(labels);
    if (!labels.empty()) out->push_back(',');
    out->append("le=\"");
    if (i < bounds.size()) AppendGoFloat(out, bounds[i]);
    else out->append("+Inf");
    out->append("\"} ").append(std::to_string(cumulative)).push_back('\n');
  }
  const bool braces = !labels.empty();
  out->append(name).append("_sum");
  if (braces) out->append("{").append(labels).append("}");
  out->push_back(' ');
  AppendGoFloat(out, h.sum());
  out->push_back('\n');
  out->append(name).append("_count");
  if (braces) out->append("{").append(labels).append("}");
  out->append(" ").append(std::to_string(cumulative)).push_back('\n');
}

void AppendMetricFamily(std::string* out, std::string_view name, std::string_view type, std::string_view help,
                        double value) {
  AppendMetricHeader(out, name, type, help);
  out->append(name).push_back(' ');
  AppendNumber(out, value);
  out->push_back('\n');
}

}  // namespace maillens
