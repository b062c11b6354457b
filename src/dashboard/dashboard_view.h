// dashboard_view.h - what the dashboard shows beyond serve's windowed totals:
// deliveries per recipient domain with their top deferral and bounce
// reasons, and authentication failures by client address and by user.
//
// DashboardView is a LiveSink that `serve` feeds with every event; the HTTP
// handlers of /api/destinations and /api/security (doc/api.md) read it
// under serve's lock and write JSON with WriteDestinations() and
// WriteAuthFailures(). Reasons are the report's deferral keys ("DSN
// reason", report/insights.h's DeferralReasonKey), for bounces too; what
// counts as sent, deferred, bounced or an auth failure is alert/tally.h's
// one definition, so the figures agree with /api/summary's.
//
// Memory is bounded: at most kMaxDomains domains (later ones are counted
// under "(other)"), kMaxReasons reasons per domain and kind (later ones
// under "(other reasons)"), kMaxKeys addresses and users each (later ones
// under "(other)"). SaveState()/LoadState() round-trip every count, so the
// figures survive restarts like serve's other counters.
// Thread safety: one thread at a time (serve calls it under its lock).
#ifndef MAILLENS_DASHBOARD_DASHBOARD_VIEW_H_
#define MAILLENS_DASHBOARD_DASHBOARD_VIEW_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "pipeline/live_sink.h"

namespace maillens {

class JsonWriter;

class DashboardView : public LiveSink {
 public:
  static constexpr size_t kMaxDomains = 2000, kMaxReasons = 10, kMaxKeys = 5000;

  std::string_view Name() const override { return "dashboard"; }
  void OnEvent(const Event& ev, const Message* m) override;
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;

  // {"domains":[{domain, sent, deferred, bounced, deferral_reasons:[{reason,
  // count}], bounce_reasons:[...]}], "domains_tracked": N}: the `limit`
  // domains with the most deferrals + bounces (then the most sent), each
  // with its `reasons` most frequent reasons.
  void WriteDestinations(JsonWriter* w, size_t limit, size_t reasons) const;
  // "auth_failures_by_ip" and "auth_failures_by_user" keys: [{key, count}],
  // the `limit` largest, and "auth_failures_total".
  void WriteAuthFailures(JsonWriter* w, size_t limit) const;

 private:
  using Counts = absl::flat_hash_map<std::string, uint64_t>;
  struct Domain {
    uint64_t sent = 0, deferred = 0, bounced = 0;
    Counts deferral_reasons, bounce_reasons;
  };
  // The counts of a recipient domain (case folded; "(local)" for none).
  Domain& DomainOf(std::string_view domain);
  // ++(*c)[key], or ++(*c)[overflow] once c holds `cap` keys.
  static void Bump(Counts* c, std::string_view key, size_t cap, std::string_view overflow, uint64_t n = 1);

  absl::flat_hash_map<std::string, Domain> domains_;
  Counts auth_ip_, auth_user_;
  uint64_t auth_total_ = 0;
  std::string scratch_, reason_;
};

}  // namespace maillens

#endif  // MAILLENS_DASHBOARD_DASHBOARD_VIEW_H_
