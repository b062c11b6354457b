// render_insights.cc - the --insights sections as text (after pflogsumm's
// sections, in its style) and JSON (doc/report-json.md, "insights").
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "report/insights.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

void Title(std::string* out, std::string_view t) {
  out->append("\n").append(t).append("\n").append(t.size(), '-').append("\n");
}

struct LatencyRow {
  std::string_view domain;
  size_t count;
  double p50, p90, p99, max;
};

std::vector<LatencyRow> LatencyRows(const Insights& in) {
  std::vector<LatencyRow> rows;
  std::vector<float> tmp;
  for (const auto& [d, v] : in.latency()) {
    tmp = v;
    LatencyRow r{d, v.size(), 0, 0, 0, 0};
    r.max = *std::max_element(tmp.begin(), tmp.end());
    r.p50 = Percentile(&tmp, 50);
    r.p90 = Percentile(&tmp, 90);
    r.p99 = Percentile(&tmp, 99);
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const LatencyRow& a, const LatencyRow& b) {
    return a.count != b.count ? a.count > b.count : a.domain < b.domain;
  });
  return rows;
}

template <typename Map>
std::vector<std::string_view> Keys(const Map& m) {
  std::vector<std::string_view> v;
  for (const auto& kv : m) v.push_back(kv.first);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::pair<std::string_view, uint64_t>> ByCount(const Counts& m) {
  std::vector<std::pair<std::string_view, uint64_t>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return v;
}

uint64_t Total(const Counts& m) {
  uint64_t t = 0;
  for (const auto& kv : m) t += kv.second;
  return t;
}

}  // namespace

void RenderInsightsText(const Insights& in, std::string* out) {
  Title(out, "Delivery latency by recipient domain (seconds, sent recipients)");
  out->append(" delivered       p50       p90       p99       max  domain\n");
  for (const LatencyRow& r : LatencyRows(in)) {
    fmt::format_to(std::back_inserter(*out), " {:9d} {:9.1f} {:9.1f} {:9.1f} {:9.1f}  ", r.count, r.p50, r.p90, r.p99,
                   r.max);
    AppendTerminalSafe(out, r.domain);
    out->append("\n");
  }
  Title(out, "Deferrals by recipient domain and status");
  for (std::string_view d : Keys(in.deferrals())) {
    const Counts& c = in.deferrals().find(absl::string_view(d.data(), d.size()))->second;
    out->append("  ");
    AppendTerminalSafe(out, d);
    fmt::format_to(std::back_inserter(*out), " (total: {})\n", Total(c));
    for (const auto& [k, n] : ByCount(c)) {
      fmt::format_to(std::back_inserter(*out), "    {:6d}  ", n);
      AppendTerminalSafe(out, k);
      out->append("\n");
    }
  }
  Title(out, "Rejects by restriction");
  out->append(" restriction                          4xx       5xx      warn\n");
  std::vector<std::pair<std::string_view, RejectClass>> rj(in.rejects().begin(), in.rejects().end());
  std::sort(rj.begin(), rj.end(), [](const auto& a, const auto& b) {
    uint64_t ta = a.second.code4xx + a.second.code5xx + a.second.warn;
    uint64_t tb = b.second.code4xx + b.second.code5xx + b.second.warn;
    return ta != tb ? ta > tb : a.first < b.first;
  });
  for (const auto& [k, c] : rj) {
    out->push_back(' ');
    std::string name = TerminalSafe(k);
    fmt::format_to(std::back_inserter(*out), "{:<32} {:9d} {:9d} {:9d}\n", name, c.code4xx, c.code5xx, c.warn);
  }
  for (int which = 0; which < 2; ++which) {
    Title(out, which == 0 ? "SASL authentication failures by client address"
                          : "SASL authentication failures by username");
    for (const auto& [k, n] : ByCount(which == 0 ? in.sasl_by_address() : in.sasl_by_user())) {
      fmt::format_to(std::back_inserter(*out), " {:6d}  ", n);
      AppendTerminalSafe(out, k);
      out->append("\n");
    }
  }
}

void RenderInsightsJson(const Insights& in, JsonWriter* w) {
  w->Key("insights").BeginObject();
  w->Key("latency_by_domain").BeginArray();
  for (const LatencyRow& r : LatencyRows(in)) {
    w->BeginObject().Field("domain", r.domain).Field("delivered", r.count);
    w->Key("p50").Double(r.p50).Key("p90").Double(r.p90).Key("p99").Double(r.p99).Key("max").Double(r.max);
    w->EndObject();
  }
  w->EndArray();
  w->Key("deferrals_by_domain").BeginArray();
  for (std::string_view d : Keys(in.deferrals())) {
    const Counts& c = in.deferrals().find(absl::string_view(d.data(), d.size()))->second;
    w->BeginObject().Field("domain", d).Field("total", Total(c)).Key("rows").BeginArray();
    for (const auto& [k, n] : ByCount(c)) {
      size_t sp = k.find(' ');
      w->BeginObject().Field("dsn", k.substr(0, sp)).Field("reason", sp == std::string_view::npos ? "" : k.substr(sp + 1));
      w->Field("count", n).EndObject();
    }
    w->EndArray().EndObject();
  }
  w->EndArray();
  w->Key("rejects_by_restriction").BeginArray();
  for (std::string_view k : Keys(in.rejects())) {
    const RejectClass& c = in.rejects().find(absl::string_view(k.data(), k.size()))->second;
    w->BeginObject().Field("restriction", k).Field("4xx", c.code4xx).Field("5xx", c.code5xx).Field("warn", c.warn);
    w->EndObject();
  }
  w->EndArray();
  for (int which = 0; which < 2; ++which) {
    w->Key(which == 0 ? "sasl_failures_by_address" : "sasl_failures_by_username").BeginArray();
    for (const auto& [k, n] : ByCount(which == 0 ? in.sasl_by_address() : in.sasl_by_user()))
      w->BeginObject().Field(which == 0 ? "address" : "username", k).Field("count", n).EndObject();
    w->EndArray();
  }
  w->EndObject();
}

}  // namespace maillens
