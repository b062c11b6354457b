// render.cc - RenderText, RenderJson.
#include "report/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "util/json_writer.h"

namespace maillens {

namespace {

// Civil date from days since 1970 (Hinnant's civil_from_days).
void CivilFromDays(int64_t z, int* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

void Title(std::string* out, std::string_view t) {
  out->append("\n").append(t).append("\n").append(t.size(), '-').append("\n");
}

// Value and unit as pflogsumm prints them (%6d truncates the division).
void AppendScaled(std::string* out, double v) {
  char unit = ' ';
  if (v > 536870912.0) {
    v /= 1048576.0;
    unit = 'm';
  } else if (v > 524288.0) {
    v /= 1024.0;
    unit = 'k';
  }
  fmt::format_to(std::back_inserter(*out), "{:6d}{}", static_cast<int64_t>(v), unit);
}

constexpr std::string_view kTrafficHeading =
    "received  delivered   deferred    bounced     rejected\n"
    "    --------------------------------------------------------------------\n";

std::string IsoDate(int64_t day) {
  int y, m, d;
  CivilFromDays(day, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

}  // namespace

void AppendCount(std::string* out, uint64_t v) { AppendScaled(out, static_cast<double>(v)); }

void RenderText(const Summary& s, const RenderOptions& o, std::string* out) {
  GrandTotals t = s.totals();
  if (!o.title_date.empty()) out->append("Postfix log summaries for ").append(o.title_date).append("\n");
  Title(out, "Grand Totals");
  out->append("messages\n\n");
  auto line = [&](uint64_t v, std::string_view label) {
    out->push_back(' ');
    AppendCount(out, v);
    out->append("  ").append(label).append("\n");
  };
  line(t.received, "received");
  line(t.delivered, "delivered");
  line(t.forwarded, "forwarded");
  out->push_back(' ');
  AppendCount(out, t.deferred);
  out->append("  deferred");
  if (t.deferrals) {  // "%d%s": no padding, the unit (' ', 'k', 'm') kept
    std::string n;
    AppendCount(&n, t.deferrals);
    out->append("  (").append(n.substr(n.find_first_not_of(' '))).append(" deferrals)");
  }
  out->append("\n");
  line(t.bounced, "bounced");
  line(t.rejected, fmt::format("rejected ({}%)", t.rejected_pct()));
  line(t.reject_warnings, "reject warnings");
  line(t.held, "held");
  line(t.discarded, fmt::format("discarded ({}%)", t.discarded_pct()));
  out->append("\n");
  line(t.bytes_received, "bytes received");
  line(t.bytes_delivered, "bytes delivered");
  line(t.senders, "senders");
  line(t.sending_domains, "sending hosts/domains");
  line(t.recipients, "recipients");
  line(t.recipient_domains, "recipient hosts/domains");
  out->append("\n");

  const size_t days = s.day_count();
  if (days > 1) {
    Title(out, "Per-Day Traffic Summary");
    out->append("    date          ").append(kTrafficHeading);
    for (const auto& [day, row] : s.per_day()) {
      if (o.iso_date_time) {
        out->append("    ").append(IsoDate(day)).append(" ");
      } else {
        int y, m, d;
        CivilFromDays(day, &y, &m, &d);
        fmt::format_to(std::back_inserter(*out), "    {} {:2d} {}", kMonthNames[m - 1], d, y);
      }
      for (uint64_t v : row) {
        out->append("    ");
        AppendCount(out, v);
      }
      out->append("\n");
    }
  }
  Title(out, days > 1 ? "Per-Hour Traffic Daily Average" : "Per-Hour Traffic Summary");
  out->append("    time          ").append(kTrafficHeading);
  for (int hour = 0; hour < 24; ++hour) {
    if (o.iso_date_time) {
      fmt::format_to(std::back_inserter(*out), "    {:02d}:00-{:02d}:00", hour, hour + 1);
    } else {
      fmt::format_to(std::back_inserter(*out), "    {:02d}00-{:02d}00  ", hour, hour + 1);
    }
    for (uint64_t v : s.per_hour()[hour]) {
      double value = days ? static_cast<double>(v) / static_cast<double>(days) + 0.5 : static_cast<double>(v);
      out->append("    ");
      AppendScaled(out, value);
    }
    out->append("\n");
  }
}

void RenderJson(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out) {
  (void)o;
  GrandTotals t = s.totals();
  JsonWriter w(out);
  w.BeginObject();
  w.Key("grand_totals").BeginObject();
  w.Field("received", t.received).Field("delivered", t.delivered).Field("forwarded", t.forwarded);
  w.Field("deferred", t.deferred).Field("deferrals", t.deferrals).Field("bounced", t.bounced);
  w.Field("rejected", t.rejected).Field("reject_warnings", t.reject_warnings).Field("held", t.held);
  w.Field("discarded", t.discarded);
  w.Field("bytes_received", t.bytes_received).Field("bytes_delivered", t.bytes_delivered);
  w.Field("senders", t.senders).Field("sending_domains", t.sending_domains);
  w.Field("recipients", t.recipients).Field("recipient_domains", t.recipient_domains);
  w.Key("rejected_percent").Int(t.rejected_pct()).Key("discarded_percent").Int(t.discarded_pct());
  w.EndObject();
  static constexpr std::string_view kCols[] = {"received", "delivered", "deferred", "bounced", "rejected"};
  w.Key("days").Uint(s.day_count());
  w.Key("per_day").BeginArray();
  for (const auto& [day, row] : s.per_day()) {
    w.BeginObject().Field("date", IsoDate(day));
    for (int c = 0; c < kTrafficColumns; ++c) w.Field(kCols[c], row[c]);
    w.EndObject();
  }
  w.EndArray();
  w.Key("per_hour").BeginArray();
  for (int hour = 0; hour < 24; ++hour) {
    w.BeginObject().Key("hour").Int(hour);
    for (int c = 0; c < kTrafficColumns; ++c) w.Field(kCols[c], s.per_hour()[hour][c]);
    w.EndObject();
  }
  w.EndArray();
  // Maps in key order for stable output.
  auto sorted_map = [&](std::string_view key, const absl::flat_hash_map<std::string, uint64_t>& m) {
    std::vector<std::pair<std::string, uint64_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end());
    w.Key(key).BeginObject();
    for (const auto& [k, n] : v) w.Field(k, n);
    w.EndObject();
  };
  w.Key("lines").BeginObject();
  w.Field("total", stats.lines).Field("mail", stats.mail_lines).Field("no_header", stats.no_header);
  w.Field("other_programs", stats.foreign).Field("outside_date_filter", stats.filtered_out);
  w.EndObject();
  w.Key("unparsed").BeginObject();
  w.Field("total", stats.unparsed);
  sorted_map("by_program", stats.unparsed_by_program);
  w.EndObject();
  sorted_map("other_programs", stats.foreign_by_program);
  w.EndObject();
}

}  // namespace maillens
