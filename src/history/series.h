// series.h - events bucketed in time: per-minute totals and per-hour counts
// per key (destination domain, sender domain, SASL user, client network,
// reject class). The one place that turns the event stream into the time
// series that the history store (serve), `trends` and the anomaly detector
// read, so all three agree with each other and with alerts/summary (the
// counting rules are alert::TallyEvent's, alert/tally.h).
//
// Bucketer is an EventSink that accumulates a Delta: what the events seen
// since the last Take() add to each bucket. A consumer takes the Delta when
// it likes (serve: at each checkpoint, so the store and the checkpoint move
// together; a one-shot command: at the end of its input) and adds it to its
// own store; Deltas add up, so a bucket may be split across several Takes.
//
// Measures: received, delivered (status=sent), deferred, bounced, expired,
// rejected, held, auth_failures. Per-hour keys, each with the measures an
// event of that key counts in:
//   rcpt_domain   recipient domain, lower-cased (deliveries, rejects, holds)
//   sender_domain envelope sender's domain, lower-cased ("" = <>, the null
//                 sender), for deliveries and received (counted when qmgr
//                 first activates the message: smtpd's client= comes before
//                 the sender is known)
//   sasl_user     SASL or Dovecot user (received, deliveries, auth failures)
//   client_net    client network: IPv4 /24 ("192.0.2.0/24"), IPv6 /64
//   reject_class  postfix/classify.h's restriction class of a reject
// Time is the line's epoch (UTC seconds); buckets start at multiples of 60
// and 3600 seconds.
// Thread safety: one thread at a time.
#ifndef MAILLENS_HISTORY_SERIES_H_
#define MAILLENS_HISTORY_SERIES_H_

#include <array>
#include <map>
#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "pipeline/pipeline.h"

namespace maillens::history {

enum class Measure : uint8_t { kReceived, kDelivered, kDeferred, kBounced, kExpired, kRejected, kHeld, kAuthFailures };
inline constexpr int kMeasureCount = 8;
const char* MeasureName(Measure m);  // "received", "delivered", ..., "auth_failures"
// The measure named `name`; false when there is none.
bool ParseMeasure(std::string_view name, Measure* m);

enum class Dim : uint8_t { kRcptDomain, kSenderDomain, kSaslUser, kClientNet, kRejectClass };
inline constexpr int kDimCount = 5;
const char* DimName(Dim d);  // "rcpt_domain", "sender_domain", "sasl_user", "client_net", "reject_class"
bool ParseDim(std::string_view name, Dim* d);

struct Counts {
  std::array<uint64_t, kMeasureCount> n{};
  uint64_t& operator[](Measure m) { return n[static_cast<int>(m)]; }
  uint64_t operator[](Measure m) const { return n[static_cast<int>(m)]; }
  Counts& operator+=(const Counts& o) {
    for (int i = 0; i < kMeasureCount; ++i) n[i] += o.n[i];
    return *this;
  }
  bool empty() const {
    for (uint64_t v : n)
      if (v) return false;
    return true;
  }
};

// One hour's counts per key, for each dimension.
using KeyCounts = absl::flat_hash_map<std::string, Counts>;
using HourCounts = std::array<KeyCounts, kDimCount>;

struct Delta {
  std::map<int64_t, Counts> minutes;     // minute start -> totals
  std::map<int64_t, HourCounts> hours;    // hour start -> per-key counts
  bool empty() const { return minutes.empty() && hours.empty(); }
  // Adds `o` into this Delta.
  void Add(const Delta& o);
};

// The network of a client address: "a.b.c.0/24" for IPv4, the first four
// groups + "::/64" for IPv6; "" for anything else. Written into *out.
void ClientNetwork(std::string_view addr, std::string* out);

class Bucketer : public EventSink {
 public:
  void OnEvent(const Event& ev, const Message* m) override;

  const Delta& pending() const { return delta_; }
  // Everything counted since the last Take(); the Bucketer starts empty again.
  Delta Take();

 private:
  void Count(int64_t t, Measure measure, Dim dim, std::string_view key);

  Delta delta_;
  std::string scratch_;
  // The last minute/hour bucket touched (most events land in the same one;
  // std::map keeps them where they are).
  int64_t minute_ = -1, hour_ = -1;
  Counts* minute_counts_ = nullptr;
  HourCounts* hour_counts_ = nullptr;
};

}  // namespace maillens::history

#endif  // MAILLENS_HISTORY_SERIES_H_
