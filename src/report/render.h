// render.h - the report as text (pflogsumm's layout), JSON (doc/report-json.md) or HTML.
//
// RenderText() writes pflogsumm 1.1.5's headings, columns and k/m units, so
// existing readers and scripts keep working. RenderJson() writes the same
// figures as plain integers (bytes in bytes) plus the line accounting.
// Thread safety: stateless.
#ifndef MAILLENS_REPORT_RENDER_H_
#define MAILLENS_REPORT_RENDER_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/pipeline.h"
#include "report/summary.h"

namespace maillens {

// Listing limits follow pflogsumm: -1 all, 0 none (section left out), N the top N.
class Insights;

struct RenderOptions {
  bool iso_date_time = false;  // --iso-date-time: 2026-11-02, 00:00-01:00
  std::string title_date;      // with -d: "Postfix log summaries for <date>"
  int64_t top_domains = -1;    // -h
  int64_t top_users = -1;      // -u
  int64_t deferral_detail = -1, bounce_detail = -1, reject_detail = -1, smtp_detail = -1,
          smtpd_warning_detail = -1;
  int64_t expired_detail = -1;  // --compat 1.3: message expired detail (by relay)
  int64_t pscrn_detail = -1;    // --compat 1.3: postscreen actions (0: none)
  bool pscrn_stats = false;     // --compat 1.3 --pscrn-stats: the postscreen block of the Grand Totals
  bool quiet = false;           // -q: leave out empty sections
  bool problems_first = false;  // --problems-first
  bool smtpd_stats = false;     // --smtpd-stats
  bool message_detail = false;  // -e
  bool zero_fill = false;       // --zero-fill: a per-day row for every day seen
  const Insights* insights = nullptr;  // --insights: appended sections (report/insights.h)
};

void RenderText(const Summary& s, const RenderOptions& o, std::string* out);
void RenderJson(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out);
// One self-contained HTML page (render_html.cc): totals, SVG charts, the text report.
void RenderHtml(const Summary& s, const PipelineStats& stats, const RenderOptions& o, std::string* out);

// pflogsumm's adj_int_units: " %6d%s" with 'k' past 512k and 'm' past 512m.
void AppendCount(std::string* out, uint64_t v);

// The rows of a per-key table (domains, addresses, smtpd clients) in the
// order every format shows them: count descending, then `tie` (bytes, or
// connect seconds) descending, then key ascending, so output is
// deterministic. The pointers point into `m`.
template <typename Map, typename Field>
std::vector<std::pair<std::string_view, const typename Map::mapped_type*>> RankedRows(
    const Map& m, Field Map::mapped_type::*tie) {
  std::vector<std::pair<std::string_view, const typename Map::mapped_type*>> v;
  v.reserve(m.size());
  for (const auto& [k, d] : m) v.emplace_back(k, &d);
  std::sort(v.begin(), v.end(), [tie](const auto& a, const auto& b) {
    if (a.second->count != b.second->count) return a.second->count > b.second->count;
    if (a.second->*tie != b.second->*tie) return a.second->*tie > b.second->*tie;
    return a.first < b.first;
  });
  return v;
}

}  // namespace maillens

#endif  // MAILLENS_REPORT_RENDER_H_
