// postfix_metrics.h - Prometheus counters computed from typed Postfix events.
//
// PostfixMetrics is the LiveSink `serve` hosts for GET /metrics: it counts
// the postfix_exporter (kumina / Hsn723) counter families it can derive
// from typed Events (per line, like the exporter, but also for multi-part
// service names such as postfix/submission/smtpd) plus maillens_* counters
// (lines read, unparsed lines per program, deliveries by status, auth
// failures). Every series is a (family, label set) -> count entry, so
// SaveState()/LoadState() round-trip exactly and WriteMetrics() writes the
// text exposition format with escaped label values.
#ifndef MAILLENS_METRICS_POSTFIX_METRICS_H_
#define MAILLENS_METRICS_POSTFIX_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "pipeline/live_sink.h"

namespace maillens {

// Appends `v` escaped for a label value (backslash, double quote, newline).
void AppendLabelValue(std::string_view v, std::string* out);

class PostfixMetrics : public LiveSink {
 public:
  std::string_view Name() const override { return "metrics"; }
  void OnEvent(const Event& ev, const Message* m) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;
  void WriteMetrics(std::string* out) const override;

  // The value of one series (`labels` as written, e.g. `status="sent"`), 0 if absent.
  uint64_t Value(std::string_view family, std::string_view labels = {}) const;

 private:
  // Adds one to `family` with the label set `name=value` (none if name is empty).
  void Inc(int family, std::string_view name = {}, std::string_view value = {});
  // Counts a postscreen verdict ("PASS NEW", "HANGUP", "PREGREET", ...).
  void CountPostscreenVerdict(std::string_view verdict);
  // Series per family index (see kFamilies in the .cc): label text -> count.
  std::map<std::pair<int, std::string>, uint64_t> series_;
};

}  // namespace maillens

#endif  // MAILLENS_METRICS_POSTFIX_METRICS_H_
