// exporter_compat.h - `--metrics-compat kumina|hsn723`: postfix_exporter's own series, line for line.
//
// ExporterCompatMetrics is the LiveSink that `serve --metrics-compat` and
// `maillens metrics --metrics-compat` use instead of PostfixMetrics. It
// reads every raw line (parsed or not, Postfix or not) with the rules of one
// exporter and exposes exactly that exporter's log-derived families: names,
// HELP texts, types, label names and values, buckets, which families are
// present before their first count (plain counters and histograms: yes;
// vectors: no), and its quirks:
//   kumina  (Debian prometheus-postfix-exporter 0.3.0, kumina/postfix_exporter
//           tag 0.3.0): the syslog tag is `postfix/WORD` (`\w+`), so
//           postfix/submission/smtpd and postfix[PID] are unsupported with
//           service=""; unsupported entries have only a service label; smtp,
//           lmtp and pipe delays of every attempt (deferred ones too), smtp's
//           under stage=""; postfix_smtp_status_deferred counts smtp delivery
//           lines containing ", status=deferred" anywhere (also in a reply
//           text); sasl_method="" without SASL; no qmgr expiry, bounce,
//           virtual or postscreen families.
//   hsn723  (Hsn723/postfix_exporter 0.20, default service labels): the tag
//           may be `postfix/a/b` (service "a/b", unsupported unless it is one
//           of the default names); unsupported{service,level}; deferred smtp
//           and lmtp delays are left out, smtp's still under stage="";
//           sasl_method="NONE"; bounce/virtual leftovers under "postfix";
//           qmgr expiry and the postscreen families.
// Counter values are written as client_golang writes them (Go 'g' form:
// 1e+06), bucket counts as integers. Not exposed: postfix_up and the showq
// families (serve's queue metrics), go_* and process_*. Label values are
// escaped (the exporters would panic on invalid UTF-8). Series are bounded
// by kMaxSeries (the exporters are not): a new series beyond it is dropped
// and counted in maillens_compat_dropped_series_total (absent while 0).
// Matching is hand-written (no regex), on string_views, no allocation for
// a line that adds no new series. Thread safety: none (serve locks).
#ifndef MAILLENS_METRICS_EXPORTER_COMPAT_H_
#define MAILLENS_METRICS_EXPORTER_COMPAT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/histogram.h"
#include "pipeline/live_sink.h"

namespace maillens {

enum class MetricsCompat { kNone, kKumina, kHsn723 };

// Parses "kumina", "hsn723" (or "" / "maillens" for kNone); false otherwise.
bool ParseMetricsCompat(std::string_view s, MetricsCompat* out);

class ExporterCompatMetrics;

// Applies "TYPE=NAME" specs (several NAMEs of one TYPE accumulate) to `m`;
// false with *error set for a malformed spec or unknown TYPE.
bool ApplyServiceLabels(const std::vector<std::string>& specs, ExporterCompatMetrics* m, std::string* error);

class ExporterCompatMetrics : public LiveSink {
 public:
  static constexpr size_t kMaxSeries = 100000;

  explicit ExporterCompatMetrics(MetricsCompat mode);

  // Its own checkpoint key: a default-mode state is never read as this one.
  std::string_view Name() const override { return hsn_ ? "metrics-hsn723" : "metrics-kumina"; }
  void OnEvent(const Event& ev, const Message* m) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;
  void OnForeign(const SyslogHeader& h, std::string_view line) override;
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;
  void WriteMetrics(std::string* out) const override;

  // Hsn723's --postfix.TYPE_service_label: the syslog service names (as in
  // postfix/NAME[PID], e.g. "relay/smtp") read as TYPE (cleanup, lmtp, pipe,
  // qmgr, smtp, smtpd, bounce, virtual, postscreen), replacing the default
  // {TYPE}. False for an unknown TYPE. kumina has no such option: ignored.
  bool SetServiceLabels(std::string_view type, std::vector<std::string> labels);

  // One raw log line, as the exporter's CollectFromLogLine.
  void Line(std::string_view line);

 private:
  using Key = std::pair<int, std::string>;
  void Begin(int family);
  void Label(std::string_view name, std::string_view value);
  void Inc(int family, std::string_view name = {}, std::string_view value = {});
  void Bump();
  // Observes the text `v` (Go ParseFloat: 0 if malformed) in key_'s histogram.
  void Observe(std::string_view v);
  void Unsupported(std::string_view service, std::string_view level);
  void Postfix(std::string_view sub, std::string_view level, std::string_view rem);
  void Smtp(std::string_view rem, std::string_view level);
  void Smtpd(std::string_view rem, std::string_view level);
  void Postscreen(std::string_view rem, std::string_view level);
  void Delays(int family, std::string_view relay, bool relay_label, const std::string_view d[4]);

  bool hsn_;
  std::vector<std::string> labels_[9];  // per service type
  std::map<Key, uint64_t> counters_;
  std::map<Key, Histogram> histograms_;
  size_t series_ = 0;
  uint64_t dropped_ = 0;
  Key key_;              // scratch
  std::string scratch_;  // scratch: a label value being rewritten
};

}  // namespace maillens

#endif  // MAILLENS_METRICS_EXPORTER_COMPAT_H_
