// insights.h - what pflogsumm does not show (`maillens report --insights`):
//   - delivery latency percentiles (p50/p90/p99/max of Postfix's delay=) per
//     recipient domain, over sent recipients;
//   - deferrals per recipient domain by enhanced status code (dsn=) and
//     reason (shortened as pflogsumm shortens deferral reasons);
//   - rejects classified by the restriction that fired (client, helo,
//     sender, recipient, relay, rbl:LIST, milter, header-body, size, policy,
//     data, postscreen, other), split into 4xx, 5xx and warn-only;
//   - SASL authentication failures by client address and by username.
// Collected only when asked for; each new key allocates once, the latency
// samples are kept per domain (4 bytes per sent recipient) for exact
// percentiles.
// Thread safety: one thread at a time.
#ifndef MAILLENS_REPORT_INSIGHTS_H_
#define MAILLENS_REPORT_INSIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "pipeline/pipeline.h"
#include "report/summary.h"

namespace maillens {

struct RejectClass {
  uint64_t code4xx = 0, code5xx = 0, warn = 0;
};

class Insights : public EventSink {
 public:
  void OnEvent(const Event& ev, const Message* m) override;

  // Recipient domain -> delays of sent recipients, in log order.
  const absl::flat_hash_map<std::string, std::vector<float>>& latency() const { return latency_; }
  // Recipient domain -> "DSN reason" -> deferral lines.
  const Counts2& deferrals() const { return deferrals_; }
  const absl::flat_hash_map<std::string, RejectClass>& rejects() const { return rejects_; }
  const Counts& sasl_by_address() const { return sasl_ip_; }
  const Counts& sasl_by_user() const { return sasl_user_; }

 private:
  std::string_view Domain(std::string_view to);

  absl::flat_hash_map<std::string, std::vector<float>> latency_;
  Counts2 deferrals_;
  absl::flat_hash_map<std::string, RejectClass> rejects_;
  Counts sasl_ip_, sasl_user_;
  std::string domain_, key_;
};

// The key a delivery's reason is counted under: "DSN reason", the reason
// shortened as pflogsumm shortens deferral reasons (65 characters, a leading
// reply code and "connect to " dropped); "-" for a missing DSN. Assigns.
void DeferralReasonKey(const Event& ev, std::string* key);

// Nearest-rank percentile (0 < p <= 100) of `v`, which it partially sorts.
double Percentile(std::vector<float>* v, double p);

void RenderInsightsText(const Insights& in, std::string* out);
void RenderInsightsJson(const Insights& in, class JsonWriter* w);

}  // namespace maillens

#endif  // MAILLENS_REPORT_INSIGHTS_H_
