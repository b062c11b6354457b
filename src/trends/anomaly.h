// anomaly.h - anomalies against the seasonal baseline (baseline.h): volume
// spikes and drops, reject-rate jumps, bounce or deferral ratio up for one
// recipient domain, a SASL user sending far above its own seasonal history,
// deferred-queue growth.
//
// Evaluation runs every 10-minute slot, each with only the history before
// it (so a detection comes at most 10 minutes after an anomaly starts):
//   volume_spike / volume_drop  received and delivered in the slot against the
//                               same slot on earlier days/weeks (key: measure)
//   reject_jump                 rejected in the slot, likewise (key "rejected")
//   queue_growth                messages entering the deferred queue (their first
//                               deferral) in the slot, likewise (key "deferred_queue");
//                               the evidence names the queue's size at the slot's end
//   bounce_ratio/deferral_ratio per recipient domain, the hour so far: bounced
//                               (deferred) against the domain's ratio in the same
//                               hour earlier times this hour's attempts, and at least
//                               min_share of the attempts (key: domain)
//   sasl_user_volume            per SASL user, messages received in the hour so far
//                               against the same hour earlier, scaled by the
//                               elapsed part of the hour (key: user)
// Consecutive flagged slots of one (kind, key) are one anomaly (`until` grows,
// severity is the worst seen). Severity: warning outside the band, critical
// more than `critical_excess` half-widths outside.
//
// AnomalyDetector reads a Series (series.h); AnomalySink is the one-shot
// driver: an EventSink that feeds a history::Bucketer, takes its Delta at
// each slot end into a DeltaSeries and evaluates the slot that ended.
// Thread safety: one thread at a time.
#ifndef MAILLENS_TRENDS_ANOMALY_H_
#define MAILLENS_TRENDS_ANOMALY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "history/series.h"
#include "pipeline/pipeline.h"
#include "trends/baseline.h"
#include "trends/series.h"

namespace maillens::trends {

enum class AnomalyKind : uint8_t {
  kVolumeSpike, kVolumeDrop, kRejectJump, kQueueGrowth, kBounceRatio, kDeferralRatio, kSaslUserVolume
};
inline constexpr int kAnomalyKindCount = 7;
const char* AnomalyKindName(AnomalyKind k);  // "volume_spike", ...

enum class AnomalySeverity : uint8_t { kWarning, kCritical };
const char* AnomalySeverityName(AnomalySeverity s);  // "warning", "critical"

struct Anomaly {
  AnomalyKind kind = AnomalyKind::kVolumeSpike;
  std::string key;               // measure, recipient domain, SASL user, "deferred_queue"
  AnomalySeverity severity = AnomalySeverity::kWarning;
  int64_t slot = 0;              // the first flagged 10-minute slot's start
  int64_t window_start = 0;      // what `seen` counts: [window_start, window_end)
  int64_t window_end = 0;        //   (the slot, or the hour up to the slot's end)
  int64_t until = 0;             // end of the last consecutive flagged slot
  double seen = 0, expected = 0, low = 0, high = 0, mad = 0;
  int lags = 0;                  // earlier slots the baseline came from
  uint64_t attempts = 0;         // ratio kinds: delivery attempts in the window
  uint64_t queue_size = 0;       // queue_growth: the deferred queue at the slot's end
  std::vector<std::string> sample_queue_ids;
  std::string text;              // one line for people
};

struct AnomalyOptions {
  BaselineOptions baseline;
  int64_t slot = 600;             // seconds
  double min_volume = 30;         // spike: seen at least; drop: expected at least
  double min_rejects = 100;       // reject_jump: rejected at least (rejects come in bursts of one bot)
  double min_attempts = 4;        // ratio kinds: attempts to the domain in the hour so far
  double min_ratio_count = 4;     // ratio kinds: bounced/deferred at least
  double min_share = 0.5;         // ratio kinds: ... and at least this share of the attempts
  double min_user_volume = 20;    // sasl_user_volume: messages at least
  double min_queue = 20;          // queue_growth: messages entering the deferred queue in the slot, at least
  double critical_excess = 2.0;   // half-widths outside the band for critical
  size_t samples = 5;             // queue IDs per anomaly
};

// Up to `per_key` queue IDs per (window, what) seen in the events: the
// evidence of an anomaly. Keys: the slot's totals per measure, the hour's
// per recipient domain and SASL user.
class SampleBook : public EventSink {
 public:
  explicit SampleBook(size_t per_key = 5) : per_key_(per_key) {}
  void OnEvent(const Event& ev, const Message* m) override;
  // The IDs kept for `measure` in the slot starting at `slot` (600 s slots).
  std::vector<std::string> Slot(int64_t slot, history::Measure measure) const;
  // The IDs kept for `measure` of `key` (dimension d) in the hour at `hour`.
  std::vector<std::string> Hour(int64_t hour, history::Dim d, std::string_view key, history::Measure measure) const;
  // Forgets everything of windows that start before `t`.
  void DropBefore(int64_t t);

 private:
  void Put(const std::string& k, int64_t window, std::string_view qid);
  size_t per_key_;
  absl::flat_hash_map<std::string, std::pair<int64_t, std::vector<std::string>>> ids_;
  std::string scratch_;
};

// The deferred queue as the log shows it: messages with a deferral and no
// "removed" yet, and how many entered it (first deferral) since TakeEntered().
class QueueTracker : public EventSink {
 public:
  void OnEvent(const Event& ev, const Message* m) override;
  size_t size() const { return deferred_.size(); }
  uint32_t TakeEntered() { uint32_t n = entered_; entered_ = 0; return n; }

 private:
  absl::flat_hash_set<std::string> deferred_;
  uint32_t entered_ = 0;
};

class AnomalyDetector {
 public:
  AnomalyDetector(AnomalyOptions options, const Series* series, const SampleBook* samples = nullptr)
      : o_(options), series_(series), samples_(samples) {}

  // Evaluates the slot [slot, slot + options.slot): its events and all
  // earlier ones must be in the series.
  void Evaluate(int64_t slot);

  // Called for each new anomaly (not for the extension of one).
  std::function<void(const Anomaly&)> on_anomaly;
  const std::vector<Anomaly>& anomalies() const { return anomalies_; }
  uint64_t slots_evaluated() const { return slots_; }
  const AnomalyOptions& options() const { return o_; }

 private:
  void Totals(int64_t slot);
  void Domains(int64_t slot);
  void Users(int64_t slot);
  // Records a flagged (kind, key) of `slot`: a new anomaly or an extension.
  void Flag(Anomaly a, const Band& b);

  AnomalyOptions o_;
  const Series* series_;
  const SampleBook* samples_;
  std::vector<Anomaly> anomalies_;
  absl::flat_hash_map<std::string, size_t> open_;  // kind/key -> index of its latest anomaly
  uint64_t slots_ = 0;
  uint64_t queue_size_ = 0;  // the queue size of the slot being evaluated
};

// The one-shot driver: events in, slots evaluated as the log's clock passes
// their end (lines are in time order; a late line counts in its own minute).
// Slots before `since` are counted but not evaluated; the partial first and
// last slots neither.
class AnomalySink : public EventSink {
 public:
  explicit AnomalySink(AnomalyOptions options, int64_t since = INT64_MIN);
  void OnEvent(const Event& ev, const Message* m) override;
  // End of input: takes what is left into the series (the open slot is not evaluated).
  void Finish();

  AnomalyDetector& detector() { return detector_; }
  const DeltaSeries& series() const { return series_; }

 private:
  void CloseSlot();

  history::Bucketer bucketer_;
  SampleBook samples_;
  QueueTracker queue_;
  DeltaSeries series_;
  AnomalyDetector detector_;
  int64_t since_;
  int64_t slot_ = INT64_MIN;  // the open slot's start
};

// Text: one line per anomaly with its evidence, terminal-safe.
void RenderAnomaliesText(const AnomalyDetector& d, std::string* out);
// {"baseline": "...", "slots_evaluated": N, "anomalies": [...]} (doc/trends.md).
void RenderAnomaliesJson(const AnomalyDetector& d, std::string* out);

}  // namespace maillens::trends

#endif  // MAILLENS_TRENDS_ANOMALY_H_
