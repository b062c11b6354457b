// render_html.h - the HTML report (`maillens report --format html`) and
// ReportScope, what its title needs beyond the Summary: the hosts named in
// the log and the first and last timestamp.
//
// RenderHtml() writes one self-contained page (doc/html-report.md): every
// section of the text report (RenderText, same titles, order, top-N limits
// and figures) as an HTML <table>, inline CSS, inline SVG charts, no script
// and no external request (a Content-Security-Policy says so to the
// browser). Every log-derived string is TerminalSafe()d and HtmlEscape()d.
// Numeric cells carry the exact figure in data-v (bytes in bytes) so a test
// can compare them with the JSON report; the cell text is for people (bytes
// with units, per-hour daily averages as the text report shows them).
// Thread safety: ReportScope one thread at a time; RenderHtml stateless.
#ifndef MAILLENS_REPORT_RENDER_HTML_H_
#define MAILLENS_REPORT_RENDER_HTML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "pipeline/pipeline.h"
#include "report/render.h"
#include "report/summary.h"

namespace maillens {

// A wall-clock time as written in the log.
struct LogStamp {
  int64_t epoch = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

// An EventSink that notes the syslog host names and the time span of the
// mail lines it sees (events and unparsed mail lines; other programs' lines
// are not counted). Per line: one string compare, no allocation unless the
// host differs from the previous line's.
class ReportScope : public EventSink {
 public:
  static constexpr size_t kMaxHosts = 16;  // distinct hosts kept; more only counted as "more"

  void OnEvent(const Event& ev, const Message* m) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;

  bool empty() const { return lines_ == 0; }
  // Hosts in name order (at most kMaxHosts); more_hosts(): others were seen.
  std::vector<std::string_view> hosts() const;
  bool more_hosts() const { return more_hosts_; }
  // Earliest and latest timestamp (by epoch). REQUIRES: !empty().
  const LogStamp& first() const { return first_; }
  const LogStamp& last() const { return last_; }

 private:
  void Note(const SyslogHeader& h);

  uint64_t lines_ = 0;
  std::string last_host_;
  bool have_last_host_ = false;
  absl::flat_hash_set<std::string> hosts_;
  bool more_hosts_ = false;
  LogStamp first_, last_;
};

// The page. `scope` may be null (then the title names no host and the date
// range comes from the Summary's days).
void RenderHtml(const Summary& s, const PipelineStats& stats, const RenderOptions& o, const ReportScope* scope,
                std::string* out);

}  // namespace maillens

#endif  // MAILLENS_REPORT_RENDER_HTML_H_
