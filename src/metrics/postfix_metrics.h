// postfix_metrics.h - Prometheus metrics computed from typed Postfix events.
//
// PostfixMetrics is the LiveSink `serve` hosts for GET /metrics (and what
// `maillens metrics` prints for a finished log). It computes every
// log-derived family of postfix_exporter (Hsn723 0.20 names, types and
// labels; counted per line like the exporter, but for every service name,
// e.g. postfix/submission/smtpd) and maillens_* families: lines read,
// unparsed lines per program, deliveries by status and by destination
// domain, delivery delays per stage, rejects by restriction class and DNSBL,
// SASL and Dovecot auth failures, warnings per service. doc/metrics.md lists
// them all with their counting rules.
//
// Series are (family, label text) -> counter or Histogram. Label sets whose
// values come from the log are bounded: destination domains get their own
// series only for the first `top_domains` domains that reach
// `domain_min_deliveries` deliveries (counted in a Space-Saving sketch);
// the rest go to domain="other". A series never moves, so every counter is
// monotonic. SaveState()/LoadState() round-trip the series, the admitted
// domains and the sketch exactly: a restart changes no later count.
// Thread safety: none; serve calls it under its lock.
#ifndef MAILLENS_METRICS_POSTFIX_METRICS_H_
#define MAILLENS_METRICS_POSTFIX_METRICS_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "metrics/histogram.h"
#include "pipeline/live_sink.h"

namespace maillens {

struct MetricsOptions {
  size_t top_domains = 50;               // destination domains with series of their own
  uint64_t domain_min_deliveries = 10;   // deliveries a domain needs first
  size_t max_rbl_names = 64;             // DNSBL names with series of their own
};

class PostfixMetrics : public LiveSink {
 public:
  explicit PostfixMetrics(MetricsOptions options = {});

  std::string_view Name() const override { return "metrics"; }
  void OnEvent(const Event& ev, const Message* m) override;
  void OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) override;
  void OnForeign(const SyslogHeader& h, std::string_view line) override;
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;
  void WriteMetrics(std::string* out) const override;

  // The value of one counter series (`labels` as written, e.g.
  // `status="sent"`), 0 if absent.
  uint64_t Value(std::string_view family, std::string_view labels = {}) const;
  // The histogram series `family{labels}`, or null.
  const Histogram* HistogramOf(std::string_view family, std::string_view labels = {}) const;
  // The bucket bounds of the delivery delay histograms (seconds), e.g. of
  // maillens_delivery_delay_seconds{stage="total"}.
  static std::span<const double> DelayBounds();

 private:
  using Key = std::pair<int, std::string>;

  // Starts key_ for `family` with no labels.
  void Begin(int family);
  // Appends `name="value"` (escaped) to key_'s labels.
  void Label(std::string_view name, std::string_view value);
  // Adds one to the counter series key_.
  void Bump();
  // Begin + at most one Label + Bump.
  void Inc(int family, std::string_view name = {}, std::string_view value = {});
  // Observes `v` in histogram family `h` with key_'s labels (key_.first is ignored).
  void Observe(int h, double v);
  // The four delays=a/b/c/d stages of `ev` into histogram `h` (with an
  // optional relay label first).
  void ObserveStages(int h, const Event& ev, std::string_view relay_label);

  // These return whether postfix_exporter counts the line (else it is one
  // of its unsupported entries).
  bool CountDelivery(const Event& ev);
  bool CountTls(const Event& ev);
  bool CountPostscreenVerdict(const Event& ev);
  void CountReject(const Event& ev);
  void CountUnsupported(std::string_view service, std::string_view level);
  // The domain label for a delivery to `domain` (lower case): the domain
  // itself once admitted, else "other".
  std::string_view DomainLabel(std::string_view domain);

  MetricsOptions options_;
  std::map<Key, uint64_t> series_;
  std::map<Key, Histogram> histograms_;
  Key key_;                 // scratch key, reused: no allocation per event
  std::string domain_;      // scratch: lower-cased domain
  absl::flat_hash_set<std::string> domains_;                   // admitted destination domains
  struct Candidate {
    uint64_t count, error;  // deliveries seen (over-estimate), and by how much at most
  };
  absl::flat_hash_map<std::string, Candidate> domain_sketch_;  // Space-Saving candidates
  absl::flat_hash_set<std::string> rbl_names_;                 // DNSBLs with own series
};

}  // namespace maillens

#endif  // MAILLENS_METRICS_POSTFIX_METRICS_H_
