// render_html.cc - ReportScope and RenderHtml: the report as one
// self-contained HTML page (render_html.h, doc/html-report.md). Every section
// of the text report is a <section data-title="its text title"> holding a
// <table> (or "none"); charts are inline SVG drawn here and carry their
// figures in data-* attributes, so tests/web/ can compare the page with the
// JSON report. Every log-derived string goes through Esc().
#include "report/render_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "report/insights.h"
#include "report/ordering.h"
#include "report/pflogsumm_rules.h"
#include "util/text_escape.h"

namespace maillens {

void ReportScope::Note(const SyslogHeader& h) {
  LogStamp st{h.epoch, h.year, h.month, h.day, h.hour, h.minute, h.second};
  if (lines_ == 0 || h.epoch < first_.epoch) first_ = st;
  if (lines_ == 0 || h.epoch > last_.epoch) last_ = st;
  ++lines_;
  if (h.host.empty() || (have_last_host_ && h.host == last_host_)) return;
  last_host_.assign(h.host);
  have_last_host_ = true;
  if (hosts_.contains(absl::string_view(h.host.data(), h.host.size()))) return;
  if (hosts_.size() < kMaxHosts) hosts_.emplace(h.host);
  else more_hosts_ = true;
}

void ReportScope::OnEvent(const Event& ev, const Message* m) {
  (void)m;
  if (ev.header != nullptr) Note(*ev.header);
}

void ReportScope::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)origin, (void)line;
  if (h != nullptr) Note(*h);
}

std::vector<std::string_view> ReportScope::hosts() const {
  std::vector<std::string_view> v(hosts_.begin(), hosts_.end());
  std::sort(v.begin(), v.end());
  return v;
}

namespace {

// Log text as HTML: control characters shown as \xNN (as in the text
// report), bytes that are not UTF-8 as U+FFFD, then HtmlEscape()d (& < > " '),
// so it is safe in element content and in quoted attribute values.
void Esc(std::string* out, std::string_view s) {
  std::string safe, utf8;
  if (!IsTerminalSafe(s)) {
    safe = TerminalSafe(s);
    s = safe;
  }
  if (!IsAscii(s)) {
    AppendValidUtf8(&utf8, s);
    s = utf8;
  }
  out->append(HtmlEscape(s));
}

template <typename... Args>
void Put(std::string* out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(*out), f, std::forward<Args>(args)...);
}

// 1234567 -> "1 234 567" (narrow no-break spaces).
void AppendGrouped(std::string* out, uint64_t v) {
  std::string d = fmt::format("{}", v);
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) out->append("&#8239;");
    out->push_back(d[i]);
  }
}

// Bytes for people: "512 B", "1.5 KiB", "3.2 MiB", "1.1 GiB", "2.0 TiB".
void AppendBytes(std::string* out, uint64_t v) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (v < 1024) {
    Put(out, "{} B", v);
    return;
  }
  double x = static_cast<double>(v) / 1024;
  size_t u = 0;
  while (x >= 1024 && u + 1 < std::size(kUnits)) {
    x /= 1024;
    ++u;
  }
  Put(out, "{:.1f} {}", x, kUnits[u]);
}

// Seconds for people, the text report's adj_time_units in words.
void AppendSeconds(std::string* out, double v) {
  if (v > 3600) Put(out, "{:.1f} h", v / 3600);
  else if (v > 60) Put(out, "{:.1f} min", v / 60);
  else Put(out, "{:.1f} s", v);
}

void AppendHms(std::string* out, int64_t secs) {
  Put(out, "{}:{:02d}:{:02d}", secs / 3600, secs / 60 % 60, secs % 60);
}

std::string IsoDate(int64_t day) {
  int64_t z = day + 719468;  // Hinnant's civil_from_days
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

// Cells. data-v is the exact figure (what the JSON report says).
void NumCell(std::string* out, uint64_t v) {
  Put(out, "<td class=\"n\" data-v=\"{}\">", v);
  AppendGrouped(out, v);
  out->append("</td>");
}
void NumCellShown(std::string* out, uint64_t v, uint64_t shown) {  // shown: e.g. a daily average
  Put(out, "<td class=\"n\" data-v=\"{}\" title=\"{} in total\">", v, v);
  AppendGrouped(out, shown);
  out->append("</td>");
}
void BytesCell(std::string* out, uint64_t v) {
  Put(out, "<td class=\"n b\" data-v=\"{}\" title=\"{} bytes\">", v, v);
  AppendBytes(out, v);
  out->append("</td>");
}
void SecondsCell(std::string* out, double v) {
  Put(out, "<td class=\"n\" data-v=\"{:.6g}\">", v);
  AppendSeconds(out, v);
  out->append("</td>");
}
void PlainSecondsCell(std::string* out, int64_t v) { Put(out, "<td class=\"n\" data-v=\"{}\">{} s</td>", v, v); }
void HmsCell(std::string* out, int64_t v) {
  Put(out, "<td class=\"n\" data-v=\"{}\">", v);
  AppendHms(out, v);
  out->append("</td>");
}
void KeyCell(std::string* out, std::string_view k) {
  out->append("<td class=\"k\">");
  Esc(out, k);
  out->append("</td>");
}

// A section: <section id data-title><h2>. Returns false (after "none", or
// nothing with -q, as the text report) when empty.
bool OpenSection(std::string* out, std::string_view id, std::string_view title, bool empty, bool quiet) {
  while (!title.empty() && title.back() == ' ') title.remove_suffix(1);
  if (empty && quiet) return false;
  Put(out, "<section id=\"{}\" data-title=\"{}\"><h2>{}</h2>", id, HtmlEscape(title), HtmlEscape(title));
  if (empty) {
    out->append("<p class=\"none\">none</p></section>\n");
    return false;
  }
  return true;
}
void CloseSection(std::string* out) { out->append("</section>\n"); }

// <div class="tw"><table><thead>...</thead><tbody>; each heading "=label"
// is a numeric (right-aligned) column.
void OpenTable(std::string* out, std::initializer_list<std::string_view> heads, std::string_view caption = {}) {
  out->append("<div class=\"tw\"><table>");
  if (!caption.empty()) Put(out, "<caption>{}</caption>", caption);
  out->append("<thead><tr>");
  for (std::string_view h : heads) {
    if (!h.empty() && h[0] == '=') Put(out, "<th class=\"n\">{}</th>", h.substr(1));
    else Put(out, "<th>{}</th>", h);
  }
  out->append("</tr></thead>");
}
void CloseTable(std::string* out) { out->append("</table></div>"); }

using report_order::ByCount;
using report_order::SortedKeys;

template <typename Map>
const typename Map::mapped_type& At(const Map& m, std::string_view k) {
  return m.find(absl::string_view(k.data(), k.size()))->second;
}

uint64_t Total(const Counts& m) {
  uint64_t t = 0;
  for (const auto& kv : m) t += kv.second;
  return t;
}

// really_print_hash_by_cnt_vals: rows count descending; `limit` as the text
// report (stops when the countdown reaches 0, so 0 and -1 show all).
void CountRows(std::string* out, const Counts& m, int64_t limit) {
  int64_t n = limit;
  for (const auto& [k, v] : ByCount(m)) {
    out->append("<tr>");
    NumCell(out, v);
    KeyCell(out, k);
    out->append("</tr>");
    if (--n == 0) break;
  }
}

// The "(top N) (total: T)" of a group heading.
void GroupTotals(std::string* out, const Counts& leaves, int64_t limit) {
  out->append(" <span class=\"tot\">");
  if (limit > 0) Put(out, "(top {}) ", limit);
  Put(out, "(total: {})</span>", Total(leaves));
}

// print_nested_hash for two levels: one <tbody> per outer key.
void Nested2(std::string* out, std::string_view id, std::string_view title, const Counts2& m, int64_t limit,
             bool quiet, std::string_view leaf, bool none_when_empty = true) {
  if (!OpenSection(out, id, title, none_when_empty && m.empty(), quiet)) return;
  OpenTable(out, {"=count", leaf});
  for (std::string_view k : SortedKeys(m)) {
    const Counts& leaves = At(m, k);
    out->append("<tbody data-key=\"");
    Esc(out, k);
    Put(out, "\" data-total=\"{}\"><tr class=\"grp\"><th colspan=\"2\">", Total(leaves));
    Esc(out, k);
    GroupTotals(out, leaves, limit);
    out->append("</th></tr>");
    CountRows(out, leaves, limit);
    out->append("</tbody>");
  }
  CloseTable(out);
  CloseSection(out);
}

// Three levels (reject detail): stage, then one <tbody> per reason.
void Nested3(std::string* out, std::string_view id, std::string_view title, const Counts3& m, int64_t limit,
             bool quiet) {
  if (!OpenSection(out, id, title, m.empty(), quiet)) return;
  OpenTable(out, {"=count", "client, sender or recipient"});
  for (std::string_view k : SortedKeys(m)) {
    const Counts2& mid = At(m, k);
    for (std::string_view k2 : SortedKeys(mid)) {
      const Counts& leaves = At(mid, k2);
      out->append("<tbody data-stage=\"");
      Esc(out, k);
      out->append("\" data-key=\"");
      Esc(out, k2);
      Put(out, "\" data-total=\"{}\"><tr class=\"grp\"><th colspan=\"2\"><span class=\"stage\">", Total(leaves));
      Esc(out, k);
      out->append("</span> ");
      Esc(out, k2);
      GroupTotals(out, leaves, limit);
      out->append("</th></tr>");
      CountRows(out, leaves, limit);
      out->append("</tbody>");
    }
  }
  CloseTable(out);
  CloseSection(out);
}

void ProblemSections(std::string* out, const Summary& s, const RenderOptions& o) {
  const Problems& p = s.problems();
  if (o.deferral_detail != 0)
    Nested2(out, "deferrals", "message deferral detail", p.deferred, o.deferral_detail, o.quiet, "reason");
  if (o.bounce_detail != 0)
    Nested2(out, "bounces", "message bounce detail (by relay)", p.bounced, o.bounce_detail, o.quiet, "reason");
  if (o.reject_detail != 0) {
    Nested3(out, "rejects", "message reject detail", p.rejects, o.reject_detail, o.quiet);
    Nested3(out, "reject-warnings", "message reject warning detail", p.reject_warnings, o.reject_detail, o.quiet);
    Nested3(out, "holds", "message hold detail", p.holds, o.reject_detail, o.quiet);
    Nested3(out, "discards", "message discard detail", p.discards, o.reject_detail, o.quiet);
  }
  if (o.smtp_detail != 0)
    Nested2(out, "smtp-failures", "smtp delivery failures", p.smtp_failures, o.smtp_detail, o.quiet, "host");
  if (o.smtpd_warning_detail != 0)
    Nested2(out, "warnings", "Warnings", p.warnings, o.smtpd_warning_detail, o.quiet, "text");
  Nested2(out, "fatals", "Fatal Errors", p.fatals, 0, o.quiet, "text");
  Nested2(out, "panics", "Panics", p.panics, 0, o.quiet, "text");
  if (OpenSection(out, "master", "Master daemon messages", p.master.empty(), o.quiet)) {
    OpenTable(out, {"=count", "text"});
    out->append("<tbody>");
    CountRows(out, p.master, 0);
    out->append("</tbody>");
    CloseTable(out);
    CloseSection(out);
  }
}

std::string TopTitle(std::string_view title, int64_t n) {
  return n > 0 ? fmt::format("{} (top {})", title, n) : std::string(title);
}

void TotalsRow(std::string* out, std::string_view key, std::string_view label, uint64_t v, bool bytes = false) {
  Put(out, "<tr data-key=\"{}\"><th scope=\"row\">{}</th>", key, label);
  if (bytes) BytesCell(out, v);
  else NumCell(out, v);
  out->append("<td></td></tr>");
}
void TotalsRowPct(std::string* out, std::string_view key, std::string_view label, uint64_t v, int pct) {
  Put(out, "<tr data-key=\"{}\"><th scope=\"row\">{}</th>", key, label);
  NumCell(out, v);
  Put(out, "<td class=\"n pct\" data-key=\"{}_percent\" data-v=\"{}\">{}%</td></tr>", key, pct, pct);
}

void GrandTotalsSection(std::string* out, const Summary& s, const RenderOptions& o) {
  GrandTotals t = s.totals();
  OpenSection(out, "grand-totals", "Grand Totals", false, false);
  out->append("<div class=\"pair\">");
  out->append("<div class=\"tw\"><table id=\"totals\"><thead><tr><th>messages</th><th class=\"n\"></th>"
              "<th class=\"n\">share</th></tr></thead>");
  out->append("<tbody>");
  TotalsRow(out, "received", "received", t.received);
  TotalsRow(out, "delivered", "delivered", t.delivered);
  TotalsRow(out, "forwarded", "forwarded", t.forwarded);
  TotalsRow(out, "deferred", "deferred", t.deferred);
  TotalsRow(out, "deferrals", "deferrals", t.deferrals);
  TotalsRow(out, "bounced", "bounced", t.bounced);
  TotalsRowPct(out, "rejected", "rejected", t.rejected, t.rejected_pct());
  TotalsRow(out, "reject_warnings", "reject warnings", t.reject_warnings);
  TotalsRow(out, "held", "held", t.held);
  TotalsRowPct(out, "discarded", "discarded", t.discarded, t.discarded_pct());
  out->append("</tbody><tbody>");
  TotalsRow(out, "bytes_received", "bytes received", t.bytes_received, true);
  TotalsRow(out, "bytes_delivered", "bytes delivered", t.bytes_delivered, true);
  TotalsRow(out, "senders", "senders", t.senders);
  TotalsRow(out, "sending_domains", "sending hosts/domains", t.sending_domains);
  TotalsRow(out, "recipients", "recipients", t.recipients);
  TotalsRow(out, "recipient_domains", "recipient hosts/domains", t.recipient_domains);
  out->append("</tbody>");
  CloseTable(out);
  if (o.smtpd_stats) {
    const SmtpdStats& st = s.smtpd();
    out->append("<div class=\"tw\"><table id=\"smtpd-totals\"><thead><tr><th>smtpd</th><th class=\"n\"></th></tr>"
                "</thead><tbody>");
    out->append("<tr data-key=\"connections\"><th scope=\"row\">connections</th>");
    NumCell(out, st.connections);
    out->append("</tr><tr data-key=\"hosts_domains\"><th scope=\"row\">hosts/domains</th>");
    NumCell(out, st.per_domain.size());
    int64_t avg = st.connections > 0 ? static_cast<int64_t>(static_cast<double>(st.seconds) /
                                                                static_cast<double>(st.connections) + .5)
                                     : 0;
    out->append("</tr><tr data-key=\"avg_seconds\"><th scope=\"row\">avg. connect time</th>");
    PlainSecondsCell(out, avg);
    out->append("</tr><tr data-key=\"seconds\"><th scope=\"row\">total connect time</th>");
    HmsCell(out, st.seconds);
    out->append("</tr></tbody></table></div>");
  }
  out->append("</div>");
  CloseSection(out);
}

constexpr std::string_view kTrafficHeads[] = {"=received", "=delivered", "=deferred", "=bounced", "=rejected"};

void TrafficSections(std::string* out, const Summary& s, const RenderOptions& o) {
  const size_t days = s.day_count();
  if (days > 1) {
    OpenSection(out, "per-day-traffic", "Per-Day Traffic Summary", false, false);
    OpenTable(out, {"date", kTrafficHeads[0], kTrafficHeads[1], kTrafficHeads[2], kTrafficHeads[3], kTrafficHeads[4]});
    out->append("<tbody>");
    std::map<int64_t, TrafficRow> rows = s.per_day();
    if (o.zero_fill)
      for (int64_t day : s.all_days()) rows.try_emplace(day);
    for (const auto& [day, row] : rows) {
      std::string date = IsoDate(day);
      Put(out, "<tr data-date=\"{}\"><th scope=\"row\">{}</th>", date, date);
      for (uint64_t v : row) NumCell(out, v);
      out->append("</tr>");
    }
    out->append("</tbody>");
    CloseTable(out);
    CloseSection(out);
  }
  OpenSection(out, "per-hour-traffic", days > 1 ? "Per-Hour Traffic Daily Average" : "Per-Hour Traffic Summary",
              false, false);
  OpenTable(out, {"hour", kTrafficHeads[0], kTrafficHeads[1], kTrafficHeads[2], kTrafficHeads[3], kTrafficHeads[4]});
  out->append("<tbody>");
  for (int hour = 0; hour < 24; ++hour) {
    Put(out, "<tr data-hour=\"{}\"><th scope=\"row\">{:02d}:00<span class=\"to\">&#8211;{:02d}:00</span></th>", hour, hour, hour + 1);
    for (uint64_t v : s.per_hour()[hour]) {
      // The text report's figure: the total, or with more days the daily average rounded.
      double shown = days ? static_cast<double>(v) / static_cast<double>(days) + 0.5 : static_cast<double>(v);
      if (days > 1) NumCellShown(out, v, static_cast<uint64_t>(shown));
      else NumCell(out, v);
    }
    out->append("</tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  if (days > 1) Put(out, "<p class=\"note\">Daily averages over {} days; the exact totals are in the cells' titles.</p>", days);
  CloseSection(out);
}

void DomainSections(std::string* out, const Summary& s, int64_t top) {
  if (top == 0) return;
  int64_t n = top;
  OpenSection(out, "recipient-domains", TopTitle("Host/Domain Summary: Message Delivery", top), false, false);
  OpenTable(out, {"=delivered", "=bytes", "=deferred", "=avg. delay", "=max. delay", "host/domain"});
  out->append("<tbody>");
  for (const auto& [k, d] : RankedRows(s.recipient_domains(), &DomainStats::bytes)) {
    out->append("<tr>");
    NumCell(out, d->count);
    BytesCell(out, d->bytes);
    NumCell(out, d->defers);
    SecondsCell(out, d->count ? d->delay_sum / static_cast<double>(d->count) : 0);
    SecondsCell(out, d->delay_max);
    KeyCell(out, k);
    out->append("</tr>");
    if (--n == 0) break;
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);

  n = top;
  OpenSection(out, "sending-domains", TopTitle("Host/Domain Summary: Messages Received", top), false, false);
  OpenTable(out, {"=messages", "=bytes", "host/domain"});
  out->append("<tbody>");
  for (const auto& [k, d] : RankedRows(s.sending_domains(), &AddressStats::bytes)) {
    out->append("<tr>");
    NumCell(out, d->count);
    BytesCell(out, d->bytes);
    KeyCell(out, k);
    out->append("</tr>");
    if (--n == 0) break;
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
}

int64_t RoundedAvg(int64_t secs, uint64_t count) {
  return static_cast<int64_t>(static_cast<double>(secs) / static_cast<double>(count) + .5);
}

// connections, time, average and longest of one row of the smtpd tables.
void ConnCells(std::string* out, const ConnStats& c) {
  NumCell(out, c.count);
  HmsCell(out, c.seconds);
  PlainSecondsCell(out, RoundedAvg(c.seconds, c.count));
  PlainSecondsCell(out, c.max);
}

void SmtpdSections(std::string* out, const Summary& s, const RenderOptions& o) {
  const SmtpdStats& st = s.smtpd();
  const size_t days = s.day_count();
  if (days > 1) {
    OpenSection(out, "smtpd-per-day", "Per-Day SMTPD Connection Summary", false, false);
    OpenTable(out, {"date", "=connections", "=time conn.", "=avg./conn.", "=max. time"});
    out->append("<tbody>");
    for (const auto& [day, c] : st.per_day) {
      std::string date = IsoDate(day);
      Put(out, "<tr data-date=\"{}\"><th scope=\"row\">{}</th>", date, date);
      ConnCells(out, c);
      out->append("</tr>");
    }
    out->append("</tbody>");
    CloseTable(out);
    CloseSection(out);
  }
  if (days > 1) {
    OpenSection(out, "smtpd-per-hour", "Per-Hour SMTPD Connection Daily Average", false, false);
    OpenTable(out, {"hour", "=connections", "=time conn."});
  } else {
    OpenSection(out, "smtpd-per-hour", "Per-Hour SMTPD Connection Summary", false, false);
    OpenTable(out, {"hour", "=connections", "=time conn.", "=avg./conn.", "=max. time"});
  }
  out->append("<tbody>");
  for (int hour = 0; hour < 24; ++hour) {
    const ConnStats& c = st.per_hour[hour];
    if (c.count == 0) continue;
    Put(out, "<tr data-hour=\"{}\"><th scope=\"row\">{:02d}:00<span class=\"to\">&#8211;{:02d}:00</span></th>", hour, hour, hour + 1);
    if (days > 1) {
      double d = static_cast<double>(days);
      NumCellShown(out, c.count, static_cast<uint64_t>(static_cast<double>(c.count) / d + .5));
      int64_t secs = static_cast<int64_t>(static_cast<double>(c.seconds) / d + .5);
      Put(out, "<td class=\"n\" data-v=\"{}\">", c.seconds);
      AppendHms(out, secs);
      out->append("</td>");
    } else {
      ConnCells(out, c);
    }
    out->append("</tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
  if (o.top_domains != 0) {
    int64_t n = o.top_domains;
    OpenSection(out, "smtpd-domains", TopTitle("Host/Domain Summary: SMTPD Connections", n), false, false);
    OpenTable(out, {"=connections", "=time conn.", "=avg./conn.", "=max. time", "host/domain"});
    out->append("<tbody>");
    for (const auto& [k, c] : RankedRows(st.per_domain, &ConnStats::seconds)) {
      out->append("<tr>");
      NumCell(out, c->count);
      HmsCell(out, c->seconds);
      PlainSecondsCell(out, RoundedAvg(c->seconds, c->count));
      PlainSecondsCell(out, c->max);
      KeyCell(out, k);
      out->append("</tr>");
      if (--n == 0) break;
    }
    out->append("</tbody>");
    CloseTable(out);
    CloseSection(out);
  }
}

void UserData(std::string* out, std::string_view id, const absl::flat_hash_map<std::string, AddressStats>& m,
              std::string_view title, bool by_size, int64_t n, bool quiet) {
  if (n == 0) return;
  std::string t = n > 0 ? fmt::format("top {} {}", n, title) : std::string(title);
  if (!OpenSection(out, id, t, m.empty(), quiet)) return;
  std::vector<std::pair<std::string_view, uint64_t>> v;
  v.reserve(m.size());
  for (const auto& [k, a] : m) v.emplace_back(k, by_size ? a.bytes : a.count);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  OpenTable(out, {by_size ? "=bytes" : "=messages", "address"});
  out->append("<tbody>");
  for (const auto& [k, val] : v) {
    out->append("<tr>");
    if (by_size) BytesCell(out, val);
    else NumCell(out, val);
    KeyCell(out, k);
    out->append("</tr>");
    if (--n == 0) break;
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
}

void NoSizeData(std::string* out, const Summary& s) {
  if (s.no_size().empty()) return;  // as the text report: only when there is something
  OpenSection(out, "no-size", "Messages with no size data", false, true);
  OpenTable(out, {"queue ID", "recipient"});
  out->append("<tbody>");
  for (std::string_view qid : SortedKeys(s.no_size())) {
    out->append("<tr>");
    KeyCell(out, qid);
    KeyCell(out, At(s.no_size(), qid));
    out->append("</tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
}

// -e, in the text report's order: by_domain_then_user() of the sender line,
// then queue ID.
void MessageDetail(std::string* out, const Summary& s, bool quiet) {
  const auto& d = s.message_detail();
  if (!OpenSection(out, "message-detail", "Message detail", d.empty(), quiet)) return;
  struct Entry {
    std::string domain, user;
    std::string_view qid;
    const MessageLines* lines;
  };
  std::vector<Entry> v;
  v.reserve(d.size());
  for (const MessageDetailEntry& entry : d) {
    std::string_view text = entry.lines.text;
    Entry e{{}, {}, entry.queue_id, &entry.lines};
    pfl::DomainThenUserKey(text.substr(0, text.find(MessageLines::kSeparator)), &e.domain, &e.user);
    v.push_back(std::move(e));
  }
  std::stable_sort(v.begin(), v.end(), [](const Entry& x, const Entry& y) {  // a reused ID: in log order
    if (int c = x.domain.compare(y.domain)) return c < 0;
    if (int c = x.user.compare(y.user)) return c < 0;
    return x.qid < y.qid;
  });
  OpenTable(out, {"queue ID", "sender, then recipients"});
  out->append("<tbody>");
  for (const Entry& e : v) {
    out->append("<tr>");
    KeyCell(out, e.qid);
    out->append("<td class=\"k\">");
    e.lines->ForEach([&](std::string_view line) {
      out->append("<div>");
      Esc(out, line);
      out->append("</div>");
    });
    out->append("</td></tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
}

void InsightSections(std::string* out, const Insights& in) {
  struct Row {
    std::string_view domain;
    size_t count;
    double p50, p90, p99, max;
  };
  std::vector<Row> rows;
  std::vector<float> tmp;
  for (const auto& [dom, samples] : in.latency()) {
    tmp = samples;
    Row r{dom, samples.size(), 0, 0, 0, *std::max_element(tmp.begin(), tmp.end())};
    r.p50 = Percentile(&tmp, 50);
    r.p90 = Percentile(&tmp, 90);
    r.p99 = Percentile(&tmp, 99);
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.count != b.count ? a.count > b.count : a.domain < b.domain;
  });
  OpenSection(out, "insights-latency", "Delivery latency by recipient domain (seconds, sent recipients)", false, false);
  OpenTable(out, {"=delivered", "=p50", "=p90", "=p99", "=max", "domain"});
  out->append("<tbody>");
  for (const Row& r : rows) {
    out->append("<tr>");
    NumCell(out, r.count);
    for (double x : {r.p50, r.p90, r.p99, r.max}) Put(out, "<td class=\"n\" data-v=\"{:.6g}\">{:.1f}</td>", x, x);
    KeyCell(out, r.domain);
    out->append("</tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
  Nested2(out, "insights-deferrals", "Deferrals by recipient domain and status", in.deferrals(), -1, false,
          "status and reason", false);
  OpenSection(out, "insights-rejects", "Rejects by restriction", false, false);
  std::vector<std::pair<std::string_view, RejectClass>> rj(in.rejects().begin(), in.rejects().end());
  std::sort(rj.begin(), rj.end(), [](const auto& a, const auto& b) {
    uint64_t ta = a.second.code4xx + a.second.code5xx + a.second.warn;
    uint64_t tb = b.second.code4xx + b.second.code5xx + b.second.warn;
    return ta != tb ? ta > tb : a.first < b.first;
  });
  OpenTable(out, {"restriction", "=4xx", "=5xx", "=warn"});
  out->append("<tbody>");
  for (const auto& [k, c] : rj) {
    out->append("<tr>");
    KeyCell(out, k);
    NumCell(out, c.code4xx);
    NumCell(out, c.code5xx);
    NumCell(out, c.warn);
    out->append("</tr>");
  }
  out->append("</tbody>");
  CloseTable(out);
  CloseSection(out);
  for (int which = 0; which < 2; ++which) {
    OpenSection(out, which == 0 ? "insights-sasl-address" : "insights-sasl-user",
                which == 0 ? "SASL authentication failures by client address"
                           : "SASL authentication failures by username",
                false, false);
    OpenTable(out, {"=failures", which == 0 ? "client address" : "username"});
    out->append("<tbody>");
    CountRows(out, which == 0 ? in.sasl_by_address() : in.sasl_by_user(), -1);
    out->append("</tbody>");
    CloseTable(out);
    CloseSection(out);
  }
}

// ---- charts ----

constexpr std::string_view kSeries[] = {"received", "delivered", "deferred", "bounced", "rejected"};
constexpr std::string_view kColors[] = {"#2b7bba", "#3aa655", "#e0a100", "#d9534f", "#7a4fb0"};

void SvgOpen(std::string* out, int w, int h, std::string_view label, uint64_t max) {
  Put(out,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\" data-max=\"{}\">",
      w, h, w, h, label, max);
}

void HourlyChart(std::string* out, const Summary& s) {
  const auto& hours = s.per_hour();
  uint64_t max = 1;
  for (const TrafficRow& r : hours)
    for (uint64_t v : r) max = std::max(max, v);
  const int w = 720, h = 220, left = 40, bottom = 20, group = (w - left) / 24, bar = (group - 4) / kTrafficColumns;
  out->append("<figure id=\"hourly\"><figcaption>Traffic per hour of day (totals)</figcaption>");
  out->append("<div class=\"legend\">");
  for (int c = 0; c < kTrafficColumns; ++c)
    Put(out, "<span><i style=\"background:{}\"></i>{}</span>", kColors[c], kSeries[c]);
  out->append("</div>");
  SvgOpen(out, w, h, "Traffic per hour", max);
  Put(out, "<text x=\"0\" y=\"10\">{}</text><text x=\"0\" y=\"{}\">0</text>", max, h - bottom);
  for (int hour = 0; hour < 24; ++hour) {
    int x0 = left + hour * group;
    for (int c = 0; c < kTrafficColumns; ++c) {
      uint64_t v = hours[hour][c];
      double bh = static_cast<double>(v) / static_cast<double>(max) * (h - bottom - 12);
      Put(out,
          "<rect class=\"s{} bar\" data-series=\"{}\" data-hour=\"{}\" data-value=\"{}\" x=\"{}\" "
          "y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\"><title>{:02d}:00 {}: {}</title></rect>",
          c, kSeries[c], hour, v, x0 + c * bar, h - bottom - bh, bar, bh, hour, kSeries[c], v);
    }
    if (hour % 3 == 0) Put(out, "<text x=\"{}\" y=\"{}\">{:02d}</text>", x0, h - 6, hour);
  }
  out->append("</svg></figure>");
}

// A horizontal bar chart of (key, value) rows; each bar is
// <rect data-key data-value> (data-domain too for the domain charts).
void BarChart(std::string* out, std::string_view id, std::string_view caption, std::string_view cls,
              const std::vector<std::pair<std::string_view, uint64_t>>& v, std::string_view key_attr) {
  uint64_t max = 1;
  for (const auto& [k, n] : v) max = std::max(max, n);
  const int w = 520, row = 20, label = 200, h = std::max<int>(1, static_cast<int>(v.size())) * row + 10;
  Put(out, "<figure id=\"{}\"><figcaption>{}</figcaption>", id, caption);
  if (v.empty()) {
    out->append("<p class=\"none\">none</p></figure>");
    return;
  }
  SvgOpen(out, w, h, caption, max);
  int y = 5;
  for (const auto& [k, n] : v) {
    double bw = static_cast<double>(n) / static_cast<double>(max) * (w - label - 60);
    Put(out, "<text class=\"label\" x=\"0\" y=\"{}\">", y + 13);
    Esc(out, k.size() > 32 ? k.substr(0, 32) : k);
    Put(out, "<title>");
    Esc(out, k);
    Put(out, "</title></text><rect class=\"{} bar\" {}=\"", cls, key_attr);
    Esc(out, k);
    Put(out,
        "\" data-value=\"{}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"></rect>"
        "<text x=\"{:.1f}\" y=\"{}\">{}</text>",
        n, label, y + 2, bw, row - 4, label + bw + 4, y + 13, n);
    y += row;
  }
  out->append("</svg></figure>");
}

void DomainChart(std::string* out, const Summary& s) {
  // Domains with deliveries only: those with just deferrals rank last.
  auto ranked = RankedRows(s.recipient_domains(), &DomainStats::bytes);
  std::vector<std::pair<std::string_view, uint64_t>> v;
  for (const auto& [k, d] : ranked) {
    if (d->count == 0 || v.size() == 10) break;
    v.emplace_back(k, d->count);
  }
  BarChart(out, "domains", "Top recipient domains (delivered)", "s1", v, "data-domain");
}

// Failing destinations: recipient domains by deferrals, relays by bounces.
void FailureCharts(std::string* out, const Summary& s) {
  std::vector<std::pair<std::string_view, uint64_t>> v;
  for (const auto& [k, d] : s.recipient_domains())
    if (d.defers > 0) v.emplace_back(k, d.defers);
  auto by_value = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  std::sort(v.begin(), v.end(), by_value);
  if (v.size() > 10) v.resize(10);
  BarChart(out, "deferred-domains", "Failing destinations: recipient domains by deferrals", "s2", v, "data-domain");
  v.clear();
  for (const auto& [k, reasons] : s.problems().bounced) v.emplace_back(k, Total(reasons));
  std::sort(v.begin(), v.end(), by_value);
  if (v.size() > 10) v.resize(10);
  BarChart(out, "bounce-relays", "Failing destinations: bounces by relay", "s3", v, "data-relay");
}

void LatencyChart(std::string* out, const Summary& s) {
  const auto& lat = s.delivery_latency();
  uint64_t max = 1;
  for (uint64_t v : lat) max = std::max(max, v);
  const int w = 420, h = 200, bottom = 20, col = w / static_cast<int>(kLatencyBuckets);
  out->append("<figure id=\"latency\"><figcaption>Delivery latency (sent recipients by delay)</figcaption>");
  SvgOpen(out, w, h, "Delivery latency", max);
  for (size_t b = 0; b < kLatencyBuckets; ++b) {
    double bh = static_cast<double>(lat[b]) / static_cast<double>(max) * (h - bottom - 14);
    int x = static_cast<int>(b) * col;
    const std::string label = HtmlEscape(kLatencyLabels[b]);  // "<1s", ">6h"
    Put(out,
        "<rect class=\"s0 bar\" data-bucket=\"{}\" data-value=\"{}\" x=\"{}\" y=\"{:.1f}\" width=\"{}\" "
        "height=\"{:.1f}\"><title>{}: {}</title></rect><text x=\"{}\" y=\"{}\">{}</text>"
        "<text x=\"{}\" y=\"{:.1f}\">{}</text>",
        kLatencyLabels[b], lat[b], x + 4, h - bottom - bh, col - 8, bh, label, lat[b], x + 4, h - 6, label, x + 4,
        h - bottom - bh - 2, lat[b]);
  }
  out->append("</svg></figure>");
}

// The outcome of the day at a glance.
void Overview(std::string* out, const Summary& s) {
  GrandTotals t = s.totals();
  out->append("<div class=\"cards\" id=\"overview\">");
  auto card = [&](std::string_view key, std::string_view label, uint64_t v, bool bytes, std::string_view cls) {
    Put(out, "<div class=\"card {}\" data-key=\"{}\" data-v=\"{}\"><span class=\"v\">", cls, key, v);
    if (bytes) AppendBytes(out, v);
    else AppendGrouped(out, v);
    Put(out, "</span><span class=\"l\">{}</span></div>", label);
  };
  card("received", "received", t.received, false, "");
  card("delivered", "delivered", t.delivered, false, "ok");
  card("deferred", "deferred", t.deferred, false, t.deferred ? "warn" : "");
  card("bounced", "bounced", t.bounced, false, t.bounced ? "bad" : "");
  Put(out,
      "<div class=\"card{}\" data-key=\"rejected_percent\" data-v=\"{}\"><span class=\"v\">{}%</span>"
      "<span class=\"l\">rejected ({})</span></div>",
      t.rejected ? " bad" : "", t.rejected_pct(), t.rejected_pct(), t.rejected);
  card("bytes_delivered", "bytes delivered", t.bytes_delivered, true, "");
  out->append("</div>\n");
}

constexpr std::string_view kCss = R"(
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1em 1.2em;max-width:72em;color:#1d1d1f;background:#fff}
h1{font-size:1.45em;margin:.2em 0;overflow-wrap:anywhere}
h2{font-size:1.1em;margin:1.6em 0 .4em;padding-bottom:.15em;border-bottom:1px solid #ccc;overflow-wrap:anywhere}
p.meta{color:#555;margin:.2em 0 1em;overflow-wrap:anywhere}
nav{display:flex;flex-wrap:wrap;gap:.3em 1em;font-size:.9em;margin:.5em 0 1em}nav a{color:#2457a5;white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(8.5em,1fr));gap:.6em;margin:1em 0}
.card{border:1px solid #ddd;border-radius:.4em;padding:.5em .7em;background:#fafafa;min-width:0}
.card .v{display:block;font-size:1.35em;font-weight:600;font-variant-numeric:tabular-nums}
.card .l{color:#555;font-size:.9em}
.card.ok .v{color:#2a7f3f}.card.warn .v{color:#a36b00}.card.bad .v{color:#b8322d}
.tw{max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;margin:.2em 0 .8em;font-size:.93em}
caption{text-align:left;font-weight:600;padding:.2em 0}
th,td{padding:.22em .6em;text-align:left;vertical-align:top;border-bottom:1px solid #eee}
thead th{border-bottom:2px solid #ccc;white-space:nowrap;font-weight:600}
th.n,td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.k{overflow-wrap:anywhere;word-break:break-word;min-width:8em;max-width:48em}
tbody th[scope=row]{font-weight:normal;white-space:nowrap}
tr.grp th{background:#f3f5f8;font-weight:600;text-align:left;overflow-wrap:anywhere;word-break:break-word;white-space:normal}
.stage{display:inline-block;background:#dde3ec;border-radius:.25em;padding:0 .35em;margin-right:.3em;font-size:.9em}
.tot{color:#555;font-weight:normal}
td.pct{color:#b8322d}
p.none{color:#777;font-style:italic;margin:.2em 0}
p.note{color:#666;font-size:.85em;margin:.1em 0}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}
figure{margin:0;min-width:0;max-width:100%}figcaption{font-weight:600;margin-bottom:.3em}
svg{display:block;max-width:100%;height:auto}
svg text{font-size:10px;fill:#333}
.s0{fill:#2b7bba}.s1{fill:#3aa655}.s2{fill:#e0a100}.s3{fill:#d9534f}.s4{fill:#7a4fb0}
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.8em;height:.8em;margin-right:.3em}
.pair{display:flex;flex-wrap:wrap;gap:0 2.5em;align-items:flex-start}.pair>.tw{min-width:0}
@media (max-width:600px){body{font-size:14px;padding:.6em .7em}th,td{padding:.18em .3em}thead th{font-size:.88em}
td.k{min-width:6em}.charts{gap:1em}.to{display:none}}
@media print{.tw{overflow:visible}nav{display:none}section{break-inside:avoid-page}}
)";

// "mx1.example.com", "mx1, mx2 and others": the hosts for the title.
std::string HostsText(const ReportScope* scope) {
  if (scope == nullptr) return {};
  std::vector<std::string_view> hosts = scope->hosts();
  std::string t;
  const size_t shown = std::min<size_t>(hosts.size(), 3);
  for (size_t i = 0; i < shown; ++i) {
    if (i) t.append(", ");
    Esc(&t, hosts[i]);
  }
  if (hosts.size() > shown || scope->more_hosts()) t.append(" and others");
  return t;
}

std::string StampText(const LogStamp& st) {
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}", st.year, st.month, st.day, st.hour, st.minute,
                     st.second);
}

}  // namespace

void RenderHtml(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out) {
  RenderHtml(s, stats, o, nullptr, out);
}

void RenderHtml(const Summary& s, const PipelineStats& stats, const RenderOptions& o, const ReportScope* scope,
                std::string* out) {
  // Title: host(s) and date range ("2026-11-02", or "2026-11-02 to 2026-11-04").
  std::string hosts = HostsText(scope), dates;
  const bool have_scope = scope != nullptr && !scope->empty();
  if (have_scope) {
    dates = fmt::format("{:04d}-{:02d}-{:02d}", scope->first().year, scope->first().month, scope->first().day);
    std::string last = fmt::format("{:04d}-{:02d}-{:02d}", scope->last().year, scope->last().month, scope->last().day);
    if (last != dates) dates.append(" to ").append(last);
  } else if (!s.all_days().empty()) {
    std::set<int64_t> days = s.all_days();
    dates = IsoDate(*days.begin());
    if (days.size() > 1) dates.append(" to ").append(IsoDate(*days.rbegin()));
  }
  std::string title = "Mail report";
  if (!hosts.empty()) title.append(" for ").append(hosts);
  if (!dates.empty()) title.append(", ").append(dates);
  else if (!o.title_date.empty()) title.append(", ").append(HtmlEscape(o.title_date));

  out->append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
              "img-src data:; base-uri 'none'; form-action 'none'\">"
              "<meta name=\"generator\" content=\"maillens\"><title>");
  out->append(title);
  out->append("</title><style>");
  out->append(kCss);
  out->append("</style></head><body>\n<header><h1 id=\"title\">");
  out->append(title);
  out->append("</h1><p class=\"meta\">");
  if (have_scope) Put(out, "Log from {} to {}. ", StampText(scope->first()), StampText(scope->last()));
  Put(out, "{} lines read, {} mail lines, {} day{}.</p></header>\n", stats.lines, stats.mail_lines, s.day_count(),
      s.day_count() == 1 ? "" : "s");
  out->append("<nav><a href=\"#grand-totals\">Totals</a><a href=\"#charts\">Charts</a>"
              "<a href=\"#per-hour-traffic\">Traffic</a>");
  if (o.top_domains != 0) out->append("<a href=\"#recipient-domains\">Domains</a>");
  if (o.deferral_detail != 0) out->append("<a href=\"#deferrals\">Deferrals</a>");
  if (o.bounce_detail != 0) out->append("<a href=\"#bounces\">Bounces</a>");
  if (o.reject_detail != 0) out->append("<a href=\"#rejects\">Rejects</a>");
  out->append("</nav>\n");
  Overview(out, s);

  GrandTotalsSection(out, s, o);
  out->append("<section id=\"charts\"><h2>Charts</h2><div class=\"charts\">");
  HourlyChart(out, s);
  DomainChart(out, s);
  FailureCharts(out, s);
  LatencyChart(out, s);
  out->append("</div></section>\n");

  // The text report's sections, in its order.
  if (o.problems_first) ProblemSections(out, s, o);
  TrafficSections(out, s, o);
  DomainSections(out, s, o.top_domains);
  if (o.smtpd_stats) SmtpdSections(out, s, o);
  UserData(out, "senders-by-count", s.senders(), "Senders by message count", false, o.top_users, o.quiet);
  UserData(out, "recipients-by-count", s.recipients(), "Recipients by message count", false, o.top_users, o.quiet);
  UserData(out, "senders-by-size", s.senders(), "Senders by message size", true, o.top_users, o.quiet);
  UserData(out, "recipients-by-size", s.recipients(), "Recipients by message size", true, o.top_users, o.quiet);
  NoSizeData(out, s);
  if (!o.problems_first) ProblemSections(out, s, o);
  if (o.message_detail) MessageDetail(out, s, o.quiet);
  if (o.insights != nullptr) InsightSections(out, *o.insights);
  out->append("<footer><p class=\"note\">Generated by maillens from the log alone; no network access needed to "
              "view this page.</p></footer>\n</body></html>\n");
}

}  // namespace maillens
