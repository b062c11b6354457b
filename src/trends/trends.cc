// trends.cc - `maillens trends`: periods, heat map, domains, campaigns (trends.h).
#include "trends/trends.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include <absl/hash/hash.h>

#include "trends/series.h"
#include "util/duration.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens::trends {

using history::Counts;
using history::Dim;
using history::Measure;

namespace {

constexpr int64_t kHour = 3600, kDay = 86400, kWeek = 7 * kDay;
constexpr const char* kWeekdays[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr Measure kShown[] = {Measure::kReceived, Measure::kDelivered, Measure::kDeferred, Measure::kBounced,
                              Measure::kRejected};

using Hourly = std::map<int64_t, Counts>;

Counts SumHours(const Hourly& h, int64_t from, int64_t until) {
  Counts c;
  for (auto it = h.lower_bound(from); it != h.end() && it->first < until; ++it) c += it->second;
  return c;
}

// The Monday 00:00 UTC of t's week (1970-01-01 was a Thursday).
int64_t WeekStart(int64_t t) { return FloorTo(t - 4 * kDay, kWeek) + 4 * kDay; }

std::string Utc(int64_t t, const char* fmt) { return FormatEpoch(t, fmt, true); }

// Per key of `dim`, the measure summed over [from, until).
absl::flat_hash_map<std::string, uint64_t> KeyTotals(const history::Delta& d, Dim dim, Measure m, int64_t from,
                                                     int64_t until) {
  absl::flat_hash_map<std::string, uint64_t> out;
  for (auto it = d.hours.lower_bound(from); it != d.hours.end() && it->first < until; ++it)
    for (const auto& [key, c] : it->second[static_cast<int>(dim)])
      if (c[m]) out[key] += c[m];
  return out;
}

void Changes(const history::Delta& d, Dim dim, Measure m, const TrendsReport& r, size_t top,
             std::vector<DomainChange>* growing, std::vector<DomainChange>* shrinking) {
  auto now = KeyTotals(d, dim, m, r.from, r.until);
  auto prev = KeyTotals(d, dim, m, r.prev_from, r.from);
  std::vector<DomainChange> all;
  for (const auto& [k, v] : now) {
    auto it = prev.find(k);
    all.push_back({k, v, it == prev.end() ? 0 : it->second});
  }
  for (const auto& [k, v] : prev)
    if (!now.contains(k)) all.push_back({k, 0, v});
  auto delta = [](const DomainChange& c) { return static_cast<int64_t>(c.now) - static_cast<int64_t>(c.prev); };
  std::sort(all.begin(), all.end(), [&](const DomainChange& a, const DomainChange& b) {
    return delta(a) != delta(b) ? delta(a) > delta(b) : a.name < b.name;
  });
  for (const DomainChange& c : all)
    if (delta(c) > 0 && growing->size() < top) growing->push_back(c);
  for (auto it = all.rbegin(); it != all.rend(); ++it)
    if (delta(*it) < 0 && shrinking->size() < top) shrinking->push_back(*it);
}

}  // namespace

int WeekdayOf(int64_t t) { return static_cast<int>(((FloorTo(t, kDay) / kDay) % 7 + 7 + 3) % 7); }

std::string Change(uint64_t now, uint64_t prev) {
  if (now == prev) return "=";
  if (prev == 0) return "new";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.0f%%", (static_cast<double>(now) - static_cast<double>(prev)) * 100.0 /
                                                static_cast<double>(prev));
  return buf;
}

// --- CampaignSink -----------------------------------------------------------

void CampaignSink::Count(std::string_view who, bool sasl, std::string_view to, const Message& m) {
  scratch_.assign(sasl ? "u:" : "s:").append(who);
  Open& o = open_[scratch_];
  if (o.rcpts.size() < 1000000) o.rcpts.insert(absl::Hash<std::string_view>{}(to));
  if (o.qids.insert(m.queue_id).second && o.samples.size() < 5) o.samples.push_back(m.queue_id);
}

void CampaignSink::OnEvent(const Event& ev, const Message* m) {
  if (ev.header == nullptr) return;
  const int64_t t = ev.header->epoch;
  if (slot_ == INT64_MIN) slot_ = FloorTo(t, slot_len_);
  while (t >= slot_ + slot_len_) CloseSlot();
  if (ev.kind != EventKind::kDelivery || m == nullptr || m->queue_active > 1 || ev.to.empty()) return;
  if (!m->from.empty()) Count(m->from, false, ev.to, *m);
  if (!m->sasl_username.empty()) Count(m->sasl_username, true, ev.to, *m);
}

void CampaignSink::CloseSlot() {
  for (auto& [key, o] : open_) {
    if (o.rcpts.size() < min_) continue;
    auto it = last_.find(key);
    if (it != last_.end() && campaigns_[it->second].end == slot_) {
      Campaign& c = campaigns_[it->second];
      c.end = slot_ + slot_len_;
      c.recipients += static_cast<uint32_t>(o.rcpts.size());
      c.messages += static_cast<uint32_t>(o.qids.size());
      continue;
    }
    Campaign c;
    c.who = key.substr(2);
    c.sasl = key[0] == 'u';
    c.start = slot_;
    c.end = slot_ + slot_len_;
    c.recipients = static_cast<uint32_t>(o.rcpts.size());
    c.messages = static_cast<uint32_t>(o.qids.size());
    c.sample_queue_ids = o.samples;
    last_[key] = campaigns_.size();
    campaigns_.push_back(std::move(c));
  }
  open_.clear();
  slot_ += slot_len_;
}

void CampaignSink::Finish() {
  if (slot_ != INT64_MIN) CloseSlot();
  std::stable_sort(campaigns_.begin(), campaigns_.end(),
                   [](const Campaign& a, const Campaign& b) { return a.start < b.start; });
}

// --- BuildTrends --------------------------------------------------------------

bool BuildTrends(const history::Delta& d, int64_t covered_from, int64_t covered_until, const TrendsOptions& o,
                 const std::vector<Campaign>& campaigns, TrendsReport* r, std::string* error) {
  if (o.by != "hour" && o.by != "day" && o.by != "week" && o.by != "weekday") {
    *error = "--by takes hour, weekday, day or week";
    return false;
  }
  Hourly h;
  r->subject = "all traffic";
  if (!o.domain.empty() || !o.user.empty()) {
    const Dim dim = o.domain.empty() ? Dim::kSaslUser : Dim::kRcptDomain;
    std::string key = o.domain.empty() ? o.user : o.domain;
    if (dim == Dim::kRcptDomain)
      for (char& ch : key)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    r->subject = (dim == Dim::kRcptDomain ? "recipient domain " : "SASL user ") + key;
    if (dim == Dim::kRcptDomain) r->heat_measure = "delivered";
    for (const auto& [hour, keys] : d.hours) {
      auto it = keys[static_cast<int>(dim)].find(key);
      if (it != keys[static_cast<int>(dim)].end()) h[hour] += it->second;
    }
  } else {
    for (const auto& [minute, c] : d.minutes) h[FloorTo(minute, kHour)] += c;
  }
  // The period: the hours the input touched, within --from/--until.
  int64_t from = covered_from == INT64_MAX ? 0 : FloorTo(covered_from, kHour);
  int64_t until = covered_until == INT64_MIN ? 0 : FloorTo(covered_until + kHour - 1, kHour);
  if (o.from != INT64_MIN) from = std::max(from, FloorTo(o.from, kHour));
  if (o.until != INT64_MAX) until = std::min(until, FloorTo(o.until, kHour));
  if (until <= from) {
    *error = "no input in the period";
    return false;
  }
  r->by = o.by;
  r->from = from;
  r->until = until;
  r->prev_from = from - (until - from);
  const int64_t first_hour = FloorTo(covered_from, kHour);
  auto covered = [&](int64_t a, int64_t b) { return a >= first_hour && b <= until && a < b; };
  r->has_prev = covered(r->prev_from, from);
  r->total = SumHours(h, from, until);
  r->prev_total = SumHours(h, r->prev_from, from);

  if (o.by == "weekday") {
    for (int w = 0; w < 7; ++w) {
      TrendRow row;
      row.label = kWeekdays[w];
      row.start = -1;
      row.has_prev = r->has_prev;
      for (int64_t t = from; t < until; t += kHour)
        if (WeekdayOf(t) == w) {
          if (auto it = h.find(t); it != h.end()) row.now += it->second;
          if (auto it = h.find(t - (until - from)); it != h.end()) row.prev += it->second;
        }
      r->rows.push_back(std::move(row));
    }
  } else {
    const int64_t len = o.by == "hour" ? kHour : o.by == "day" ? kDay : kWeek;
    int64_t start = o.by == "week" ? WeekStart(from) : FloorTo(from, len);
    for (; start < until; start += len) {
      const int64_t a = std::max(start, from), b = std::min(start + len, until);
      const int64_t back = kWeek;  // hour and day: a week before; week: the week before
      TrendRow row;
      row.start = start;
      row.label = o.by == "hour"  ? Utc(start, "%Y-%m-%d %H:00 %a")
                  : o.by == "day" ? Utc(start, "%Y-%m-%d %a")
                                  : Utc(start, "week of %Y-%m-%d");
      row.now = SumHours(h, a, b);
      row.has_prev = covered(a - back, b - back);
      row.prev = SumHours(h, a - back, b - back);
      r->rows.push_back(std::move(row));
    }
  }
  const Measure hm = r->heat_measure[0] == 'd' ? Measure::kDelivered : Measure::kReceived;
  auto heat = [&](int64_t a, int64_t b, std::array<std::array<double, 24>, 7>* out) {
    std::array<std::array<int, 24>, 7> n{};
    for (int64_t t = a; t < b; t += kHour) {
      const int w = WeekdayOf(t), hod = static_cast<int>((t - FloorTo(t, kDay)) / kHour);
      ++n[w][hod];
      if (auto it = h.find(t); it != h.end()) (*out)[w][hod] += static_cast<double>(it->second[hm]);
    }
    for (int w = 0; w < 7; ++w)
      for (int k = 0; k < 24; ++k)
        if (n[w][k]) (*out)[w][k] /= n[w][k];
  };
  heat(from, until, &r->heat);
  if (r->has_prev) heat(r->prev_from, from, &r->prev_heat);
  if (o.domain.empty() && o.user.empty()) {
    Changes(d, Dim::kRcptDomain, Measure::kDelivered, *r, o.top, &r->rcpt_growing, &r->rcpt_shrinking);
    Changes(d, Dim::kSenderDomain, Measure::kReceived, *r, o.top, &r->sender_growing, &r->sender_shrinking);
  }
  for (const Campaign& c : campaigns) {
    if (!o.user.empty() && !(c.sasl && c.who == o.user)) continue;
    if (!o.domain.empty()) continue;  // campaigns are per sender, not per recipient domain
    if (c.start >= r->prev_from && c.start < from) ++r->prev_campaigns;
    if (c.end <= from || c.start >= until) continue;
    r->campaigns.push_back(c);
  }
  return true;
}

// --- Rendering ----------------------------------------------------------------

namespace {

const char* const kComparison =
    "Each figure is followed by the same figure one period before: an hour or a day against the same one a week "
    "before (this Monday vs last Monday), a week against the week before, a weekday or the whole period against "
    "the previous period of the same length.";
const char* const kCampaignRule =
    "A campaign: one envelope sender or SASL user reaching at least the given number of distinct recipients "
    "within a 10-minute slot (consecutive slots: one campaign).";

std::string Cell(uint64_t now, uint64_t prev, bool has_prev) {
  char buf[64];
  if (!has_prev) std::snprintf(buf, sizeof buf, "%llu (no data)", static_cast<unsigned long long>(now));
  else
    std::snprintf(buf, sizeof buf, "%llu (%llu, %s)", static_cast<unsigned long long>(now),
                  static_cast<unsigned long long>(prev), Change(now, prev).c_str());
  return buf;
}

double HeatMax(const TrendsReport& r) {
  double mx = 0;
  for (const auto& row : r.heat)
    for (double v : row) mx = std::max(mx, v);
  return mx;
}

void DomainList(const char* title, const std::vector<DomainChange>& v, std::string* out) {
  out->append(title).append(":");
  if (v.empty()) out->append(" none");
  out->append("\n");
  for (const DomainChange& c : v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, " %8llu (was %llu, %s)  ", static_cast<unsigned long long>(c.now),
                  static_cast<unsigned long long>(c.prev), Change(c.now, c.prev).c_str());
    out->append(buf);
    AppendTerminalSafe(out, c.name.empty() ? "<>" : c.name);
    out->append("\n");
  }
}

void CampaignLine(const Campaign& c, std::string* out, bool html) {
  char buf[160];
  std::snprintf(buf, sizeof buf, " %s..%s  %u distinct recipients, %u messages, ",
                Utc(c.start, "%Y-%m-%d %H:%M").c_str(), Utc(c.end, "%H:%M").c_str(), c.recipients, c.messages);
  out->append(buf).append(c.sasl ? "SASL user " : "sender ");
  std::string ids;
  for (const std::string& q : c.sample_queue_ids) ids += " " + q;
  if (html) out->append(HtmlEscape(c.who)).append("; e.g.").append(HtmlEscape(ids));
  else {
    AppendTerminalSafe(out, c.who);
    out->append("; e.g.");
    AppendTerminalSafe(out, ids);
  }
}

}  // namespace

void RenderTrendsText(const TrendsReport& r, std::string* out) {
  out->append("Trends of ");
  AppendTerminalSafe(out, r.subject);
  out->append(", ").append(Utc(r.from, "%Y-%m-%d %H:%M")).append(" .. ").append(Utc(r.until, "%Y-%m-%d %H:%M"));
  out->append(" UTC, by ").append(r.by).append("\n").append(kComparison).append("\n\n");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%-26s", "");
  out->append(buf);
  for (Measure m : kShown) {
    std::snprintf(buf, sizeof buf, " %-24s", history::MeasureName(m));
    out->append(buf);
  }
  out->append("\n");
  auto line = [&](const std::string& label, const Counts& now, const Counts& prev, bool has_prev) {
    std::snprintf(buf, sizeof buf, "%-26s", label.c_str());
    out->append(buf);
    for (Measure m : kShown) {
      std::snprintf(buf, sizeof buf, " %-24s", Cell(now[m], prev[m], has_prev).c_str());
      out->append(buf);
    }
    out->append("\n");
  };
  for (const TrendRow& row : r.rows) line(row.label, row.now, row.prev, row.has_prev);
  line("whole period", r.total, r.prev_total, r.has_prev);

  out->append("\nHeat map: ").append(r.heat_measure).append(" per hour, mean over the period (UTC; darker = more)\n");
  out->append("      ");
  for (int k = 0; k < 24; ++k) {
    std::snprintf(buf, sizeof buf, "%02d", k);
    out->append(buf);
  }
  out->append("\n");
  static const char kShades[] = " .:-=+*#%@";
  const double mx = HeatMax(r);
  for (int w = 0; w < 7; ++w) {
    out->append(kWeekdays[w]).append("   ");
    for (int k = 0; k < 24; ++k) {
      int i = mx > 0 ? static_cast<int>(r.heat[w][k] / mx * 9 + 0.5) : 0;
      out->push_back(kShades[i]);
      out->push_back(kShades[i]);
    }
    out->append("\n");
  }
  int bw = 0, bh = 0;
  for (int w = 0; w < 7; ++w)
    for (int k = 0; k < 24; ++k)
      if (r.heat[w][k] > r.heat[bw][bh]) bw = w, bh = k;
  std::snprintf(buf, sizeof buf, "(@ = %.1f per hour: %s %02d:00", mx, kWeekdays[bw], bh);
  out->append(buf);
  if (r.has_prev) {
    std::snprintf(buf, sizeof buf, "; the previous period %.1f there", r.prev_heat[bw][bh]);
    out->append(buf);
  }
  out->append(")\n\n");
  if (r.subject == "all traffic") {
    DomainList("Growing recipient domains (deliveries vs the previous period)", r.rcpt_growing, out);
    DomainList("Shrinking recipient domains", r.rcpt_shrinking, out);
    DomainList("Growing sender domains (received vs the previous period)", r.sender_growing, out);
    DomainList("Shrinking sender domains", r.sender_shrinking, out);
    out->append("\n");
  }
  out->append("Campaigns: ").append(std::to_string(r.campaigns.size()));
  if (r.has_prev) out->append(" (previous period: ").append(std::to_string(r.prev_campaigns)).append(")");
  out->append("\n").append(kCampaignRule).append("\n");
  for (const Campaign& c : r.campaigns) {
    CampaignLine(c, out, false);
    out->append("\n");
  }
}

void RenderTrendsJson(const TrendsReport& r, std::string* out) {
  JsonWriter w(out);
  auto counts = [&](const char* key, const Counts& c) {
    w.Key(key).BeginObject();
    for (Measure m : kShown) w.Field(history::MeasureName(m), c[m]);
    w.EndObject();
  };
  w.BeginObject().Field("subject", r.subject).Field("by", r.by);
  w.Key("from").Int(r.from);
  w.Key("until").Int(r.until);
  w.Key("previous_from").Int(r.prev_from);
  w.Field("comparison", kComparison);
  counts("total", r.total);
  if (r.has_prev) counts("previous_total", r.prev_total);
  w.Key("rows").BeginArray();
  for (const TrendRow& row : r.rows) {
    w.BeginObject().Field("label", row.label);
    if (row.start >= 0) w.Key("start").Int(row.start);
    counts("counts", row.now);
    if (row.has_prev) counts("previous", row.prev);
    w.EndObject();
  }
  w.EndArray();
  w.Key("heat_map").BeginObject().Field("measure", r.heat_measure);
  for (int d = 0; d < 7; ++d) {
    w.Key(kWeekdays[d]).BeginArray();
    for (double v : r.heat[d]) w.Double(v);
    w.EndArray();
  }
  if (r.has_prev) {
    w.Key("previous").BeginObject();
    for (int d = 0; d < 7; ++d) {
      w.Key(kWeekdays[d]).BeginArray();
      for (double v : r.prev_heat[d]) w.Double(v);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndObject();
  auto list = [&](const char* key, const std::vector<DomainChange>& v) {
    w.Key(key).BeginArray();
    for (const DomainChange& c : v) {
      w.BeginObject().Field("domain", c.name).Field("now", c.now).Field("previous", c.prev);
      w.EndObject();
    }
    w.EndArray();
  };
  list("recipient_domains_growing", r.rcpt_growing);
  list("recipient_domains_shrinking", r.rcpt_shrinking);
  list("sender_domains_growing", r.sender_growing);
  list("sender_domains_shrinking", r.sender_shrinking);
  w.Field("campaign_rule", kCampaignRule);
  if (r.has_prev) w.Field("previous_campaigns", static_cast<uint64_t>(r.prev_campaigns));
  w.Key("campaigns").BeginArray();
  for (const Campaign& c : r.campaigns) {
    w.BeginObject().Field("who", c.who).Field("kind", c.sasl ? "sasl_user" : "sender");
    w.Key("start").Int(c.start);
    w.Key("end").Int(c.end);
    w.Field("recipients", static_cast<uint64_t>(c.recipients)).Field("messages", static_cast<uint64_t>(c.messages));
    w.Key("sample_queue_ids").BeginArray();
    for (const std::string& q : c.sample_queue_ids) w.String(q);
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  out->push_back('\n');
}

void RenderTrendsHtml(const TrendsReport& r, std::string* out) {
  out->append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>maillens trends</title>\n"
              "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
              "padding:2px 6px;text-align:right}td.l,th.l{text-align:left}</style></head><body>\n");
  out->append("<h1>Trends of ").append(HtmlEscape(r.subject)).append("</h1>\n<p>");
  out->append(Utc(r.from, "%Y-%m-%d %H:%M")).append(" .. ").append(Utc(r.until, "%Y-%m-%d %H:%M"));
  out->append(" UTC, by ").append(HtmlEscape(r.by)).append(". ").append(kComparison).append("</p>\n<table><tr><th class=\"l\"></th>");
  for (Measure m : kShown) out->append("<th>").append(history::MeasureName(m)).append("</th>");
  out->append("</tr>\n");
  auto line = [&](const std::string& label, const Counts& now, const Counts& prev, bool has_prev) {
    out->append("<tr><td class=\"l\">").append(HtmlEscape(label)).append("</td>");
    for (Measure m : kShown) out->append("<td>").append(HtmlEscape(Cell(now[m], prev[m], has_prev))).append("</td>");
    out->append("</tr>\n");
  };
  for (const TrendRow& row : r.rows) line(row.label, row.now, row.prev, row.has_prev);
  line("whole period", r.total, r.prev_total, r.has_prev);
  out->append("</table>\n<h2>Heat map: ").append(r.heat_measure).append(" per hour (mean, UTC)</h2>\n<table><tr><th></th>");
  char buf[160];
  for (int k = 0; k < 24; ++k) {
    std::snprintf(buf, sizeof buf, "<th>%02d</th>", k);
    out->append(buf);
  }
  out->append("</tr>\n");
  const double mx = HeatMax(r);
  for (int w = 0; w < 7; ++w) {
    out->append("<tr><th class=\"l\">").append(kWeekdays[w]).append("</th>");
    for (int k = 0; k < 24; ++k) {
      const double a = mx > 0 ? r.heat[w][k] / mx : 0;
      if (r.has_prev)
        std::snprintf(buf, sizeof buf, "<td style=\"background:rgba(200,40,40,%.2f)\" title=\"previous period: %.1f\">%.0f</td>",
                      a, r.prev_heat[w][k], r.heat[w][k]);
      else
        std::snprintf(buf, sizeof buf, "<td style=\"background:rgba(200,40,40,%.2f)\">%.0f</td>", a, r.heat[w][k]);
      out->append(buf);
    }
    out->append("</tr>\n");
  }
  out->append("</table>\n");
  auto list = [&](const char* title, const std::vector<DomainChange>& v) {
    out->append("<h2>").append(title).append("</h2>\n<table>");
    for (const DomainChange& c : v) {
      out->append("<tr><td class=\"l\">").append(HtmlEscape(c.name.empty() ? "<>" : c.name)).append("</td><td>");
      out->append(std::to_string(c.now)).append("</td><td>").append(std::to_string(c.prev)).append("</td><td>");
      out->append(HtmlEscape(Change(c.now, c.prev))).append("</td></tr>\n");
    }
    out->append("</table>\n");
  };
  if (r.subject == "all traffic") {
    list("Growing recipient domains", r.rcpt_growing);
    list("Shrinking recipient domains", r.rcpt_shrinking);
    list("Growing sender domains", r.sender_growing);
    list("Shrinking sender domains", r.sender_shrinking);
  }
  out->append("<h2>Campaigns: ").append(std::to_string(r.campaigns.size()));
  if (r.has_prev) out->append(" (previous period: ").append(std::to_string(r.prev_campaigns)).append(")");
  out->append("</h2>\n<p>").append(kCampaignRule).append("</p>\n<ul>\n");
  for (const Campaign& c : r.campaigns) {
    out->append("<li>");
    CampaignLine(c, out, true);
    out->append("</li>\n");
  }
  out->append("</ul>\n</body></html>\n");
}

}  // namespace maillens::trends
