// render_html.cc - RenderHtml: one self-contained page (inline CSS, inline
// SVG charts drawn here, no script, no external asset) with the Grand
// Totals, charts of hourly traffic, top recipient domains and delivery
// latency, and the full text report. Every log-derived string goes through
// HtmlEscape(); the charts carry their figures in data-* attributes so a test
// (tests/web/) can compare them with the JSON report.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "report/render.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

void Esc(std::string* out, std::string_view s) { out->append(HtmlEscape(s)); }

constexpr std::string_view kCss = R"(
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
table.totals td{padding:.1em .8em}table.totals td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3em}
svg text{font-size:10px;fill:#333}
.s0{fill:#2b7bba}.s1{fill:#3aa655}.s2{fill:#e0a100}.s3{fill:#d9534f}.s4{fill:#7a4fb0}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
)";

constexpr std::string_view kSeries[] = {"received", "delivered", "deferred", "bounced", "rejected"};
constexpr std::string_view kColors[] = {"#2b7bba", "#3aa655", "#e0a100", "#d9534f", "#7a4fb0"};

void HourlyChart(std::string* out, const Summary& s) {
  const auto& hours = s.per_hour();
  uint64_t max = 1;
  for (const TrafficRow& r : hours)
    for (uint64_t v : r) max = std::max(max, v);
  const int w = 720, h = 220, left = 40, bottom = 20, group = (w - left) / 24, bar = (group - 4) / kTrafficColumns;
  out->append("<figure id=\"hourly\"><figcaption>Traffic per hour of day (totals)</figcaption>");
  out->append("<div class=\"legend\">");
  for (int c = 0; c < kTrafficColumns; ++c)
    fmt::format_to(std::back_inserter(*out), "<span><i style=\"background:{}\"></i>{}</span>", kColors[c], kSeries[c]);
  out->append("</div>");
  fmt::format_to(std::back_inserter(*out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
                 "aria-label=\"Traffic per hour\" data-max=\"{}\">",
                 w, h, max);
  fmt::format_to(std::back_inserter(*out), "<text x=\"0\" y=\"10\">{}</text><text x=\"0\" y=\"{}\">0</text>", max,
                 h - bottom);
  for (int hour = 0; hour < 24; ++hour) {
    int x0 = left + hour * group;
    for (int c = 0; c < kTrafficColumns; ++c) {
      uint64_t v = hours[hour][c];
      double bh = static_cast<double>(v) / static_cast<double>(max) * (h - bottom - 12);
      fmt::format_to(std::back_inserter(*out),
                     "<rect class=\"s{} bar\" data-series=\"{}\" data-hour=\"{}\" data-value=\"{}\" x=\"{}\" "
                     "y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\"><title>{:02d}:00 {}: {}</title></rect>",
                     c, kSeries[c], hour, v, x0 + c * bar, h - bottom - bh, bar, bh, hour, kSeries[c], v);
    }
    if (hour % 3 == 0)
      fmt::format_to(std::back_inserter(*out), "<text x=\"{}\" y=\"{}\">{:02d}</text>", x0, h - 6, hour);
  }
  out->append("</svg></figure>");
}

void DomainChart(std::string* out, const Summary& s) {
  // Domains with deliveries only: those with just deferrals rank last.
  auto v = RankedRows(s.recipient_domains(), &DomainStats::bytes);
  while (!v.empty() && v.back().second->count == 0) v.pop_back();
  if (v.size() > 10) v.resize(10);
  uint64_t max = 1;
  for (const auto& [k, d] : v) max = std::max(max, d->count);
  const int w = 520, row = 20, label = 200, h = static_cast<int>(v.size()) * row + 10;
  out->append("<figure id=\"domains\"><figcaption>Top recipient domains (delivered)</figcaption>");
  fmt::format_to(std::back_inserter(*out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
                 "aria-label=\"Top recipient domains\">",
                 w, h);
  int y = 5;
  for (const auto& [k, d] : v) {
    double bw = static_cast<double>(d->count) / static_cast<double>(max) * (w - label - 60);
    out->append("<text class=\"label\" x=\"0\" y=\"");
    fmt::format_to(std::back_inserter(*out), "{}\">", y + 13);
    Esc(out, k.size() > 32 ? k.substr(0, 32) : k);
    out->append("</text><rect class=\"s1 bar\" data-domain=\"");
    Esc(out, k);
    fmt::format_to(std::back_inserter(*out),
                   "\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"></rect>"
                   "<text x=\"{:.1f}\" y=\"{}\">{}</text>",
                   d->count, label, y + 2, bw, row - 4, label + bw + 4, y + 13, d->count);
    y += row;
  }
  out->append("</svg></figure>");
}

void LatencyChart(std::string* out, const Summary& s) {
  const auto& lat = s.delivery_latency();
  uint64_t max = 1;
  for (uint64_t v : lat) max = std::max(max, v);
  const int w = 420, h = 200, bottom = 20, col = w / static_cast<int>(kLatencyBuckets);
  out->append("<figure id=\"latency\"><figcaption>Delivery latency (sent recipients by delay)</figcaption>");
  fmt::format_to(std::back_inserter(*out),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\" "
                 "aria-label=\"Delivery latency\">",
                 w, h);
  for (size_t b = 0; b < kLatencyBuckets; ++b) {
    double bh = static_cast<double>(lat[b]) / static_cast<double>(max) * (h - bottom - 14);
    int x = static_cast<int>(b) * col;
    fmt::format_to(std::back_inserter(*out),
                   "<rect class=\"s0 bar\" data-bucket=\"{}\" data-value=\"{}\" x=\"{}\" y=\"{:.1f}\" width=\"{}\" "
                   "height=\"{:.1f}\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{}\">{}</text>"
                   "<text x=\"{}\" y=\"{:.1f}\">{}</text>",
                   kLatencyLabels[b], lat[b], x + 4, h - bottom - bh, col - 8, bh, kLatencyLabels[b], lat[b], x + 4,
                   h - 6, kLatencyLabels[b], x + 4, h - bottom - bh - 2, lat[b]);
  }
  out->append("</svg></figure>");
}

}  // namespace

void RenderHtml(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out) {
  GrandTotals t = s.totals();
  out->append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width\">"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
              "img-src data:\">"
              "<title>maillens report</title><style>");
  out->append(kCss);
  out->append("</style></head><body>\n<h1>Postfix log summary");
  if (!o.title_date.empty()) {
    out->append(" for ");
    Esc(out, o.title_date);
  }
  fmt::format_to(std::back_inserter(*out), "</h1>\n<p>{} lines read, {} mail lines, {} days.</p>\n", stats.lines,
                 stats.mail_lines, s.day_count());
  out->append("<h2>Grand Totals</h2><table class=\"totals\" id=\"totals\">");
  auto row = [&](std::string_view key, std::string_view label, uint64_t v) {
    fmt::format_to(std::back_inserter(*out), "<tr><td>{}</td><td class=\"n\" data-key=\"{}\">{}</td></tr>", label,
                   key, v);
  };
  row("received", "received", t.received);
  row("delivered", "delivered", t.delivered);
  row("forwarded", "forwarded", t.forwarded);
  row("deferred", "deferred", t.deferred);
  row("deferrals", "deferrals", t.deferrals);
  row("bounced", "bounced", t.bounced);
  row("rejected", "rejected", t.rejected);
  row("reject_warnings", "reject warnings", t.reject_warnings);
  row("held", "held", t.held);
  row("discarded", "discarded", t.discarded);
  row("bytes_received", "bytes received", t.bytes_received);
  row("bytes_delivered", "bytes delivered", t.bytes_delivered);
  row("senders", "senders", t.senders);
  row("sending_domains", "sending hosts/domains", t.sending_domains);
  row("recipients", "recipients", t.recipients);
  row("recipient_domains", "recipient hosts/domains", t.recipient_domains);
  out->append("</table>\n<h2>Charts</h2><div class=\"charts\">");
  HourlyChart(out, s);
  DomainChart(out, s);
  LatencyChart(out, s);
  out->append("</div>\n<h2>Full report</h2><pre id=\"report\">");
  std::string text;
  RenderText(s, o, &text);  // already TerminalSafe; now HTML-escaped too
  Esc(out, text);
  out->append("</pre>\n</body></html>\n");
}

}  // namespace maillens
