// engine.h - the alert engine: counts events in time windows and evaluates
// the rules (rule.h) into alert states with notifications.
//
// AlertEngine is a LiveSink: `serve` feeds it events, calls Tick() every
// second (evaluate, then notify through the Notifier) and keeps its state
// (the windows and each alert's state) in the checkpoint. `check` feeds it a
// log once and calls Evaluate() at the reference time.
//
// Counting: only the (counter, key) pairs the rules use are kept, each for
// the longest window a rule needs (plus a week for same_hour_last_week), in
// per-second CountWindows (window.h): memory is bounded by busy seconds and
// live keys, and keys whose windows have emptied are dropped.
//
// Alert states, per (rule, key): OK -> WARNING/CRITICAL notifies "firing";
// while still firing it notifies again after the rule's repeat interval, or
// at once when the severity changes; back to OK it notifies "resolved".
// Thread safety: one thread at a time.
#ifndef MAILLENS_ALERT_ENGINE_H_
#define MAILLENS_ALERT_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "alert/rule.h"
#include "alert/window.h"
#include "pipeline/live_sink.h"

namespace maillens::alert {

enum class Severity : uint8_t { kOk, kWarning, kCritical, kUnknown };
const char* SeverityName(Severity s);  // "OK", "WARNING", ...

// Message counts per queue, from `postqueue -j`.
struct QueueCounts {
  bool known = false;
  uint64_t total = 0, active = 0, deferred = 0, hold = 0, incoming = 0, maildrop = 0;
  // The count for a queue name of rule.h (total, active, ...).
  uint64_t Get(std::string_view queue) const;
};

// One rule's verdict for one key at one time.
struct Finding {
  const Rule* rule = nullptr;
  std::string key;     // "" for rules without a key
  double value = 0;    // the left side
  double warning = 0, critical = 0;  // the thresholds in the value's unit
  bool has_warning = false;
  double baseline = -1;  // same_hour_last_week's value, -1 when not relative
  Severity severity = Severity::kOk;
};

// What an action is told.
struct Notification {
  enum class Kind : uint8_t { kFiring, kRepeat, kResolved } kind = Kind::kFiring;
  Finding finding;
  int64_t time = 0;
  int64_t since = 0;  // when the alert started firing
};
const char* NotificationKindName(Notification::Kind k);  // "firing", "repeat", "resolved"

class AlertEngine : public LiveSink {
 public:
  using Notifier = std::function<void(const Notification&)>;

  explicit AlertEngine(std::vector<Rule> rules);

  // Where notifications go (Tick() and Transitions()); none by default.
  void set_notifier(Notifier n) { notifier_ = std::move(n); }
  // Where queue counts come from when a rule needs them (Tick()).
  void set_queue_source(std::function<QueueCounts()> q) { queue_source_ = std::move(q); }
  const std::vector<Rule>& rules() const { return rules_; }
  bool needs_queue() const;

  // LiveSink.
  void OnEvent(const Event& ev, const Message* m) override;
  std::string_view Name() const override { return "alerts"; }
  std::string SaveState() const override;
  bool LoadState(std::string_view state) override;
  void Tick(int64_t now) override;

  // Every rule's findings at `now` (per-key rules: one per key with events,
  // worst first). Queue rules are UNKNOWN when `queue` is not known.
  std::vector<Finding> Evaluate(int64_t now, const QueueCounts& queue) const;
  // Updates the alert states from `findings` and notifies the changes.
  void Transitions(const std::vector<Finding>& findings, int64_t now);

  // Events of `c` for `key` in (from, to]; 0 when not counted.
  uint64_t Count(Counter c, KeyDim k, std::string_view key, int64_t from, int64_t to) const;
  // Makes sure (c, k) is counted for at least `retention` seconds (call
  // before feeding events; `check` uses it for its built-in figures).
  void Track(Counter c, KeyDim k, int64_t retention);
  int64_t newest_event() const { return newest_; }

 private:
  struct Family {
    int64_t retention = 0;
    bool used = false;
    absl::flat_hash_map<std::string, CountWindow> keys;
  };
  struct State {
    Severity severity = Severity::kOk;
    int64_t since = 0, last_notice = 0;
  };
  Family& Fam(Counter c, KeyDim k) { return families_[static_cast<int>(c) * kKeyDimCount + static_cast<int>(k)]; }
  const Family& Fam(Counter c, KeyDim k) const {
    return families_[static_cast<int>(c) * kKeyDimCount + static_cast<int>(k)];
  }
  // Counts one event of `c` at `t` under every key dimension tracked.
  void Bump(Counter c, int64_t t, std::string_view domain, std::string_view ip, std::string_view user);
  // The left side of `r` for `key` over the window ending at `end`.
  double Value(const Rule& r, std::string_view key, int64_t end, bool* enough) const;
  void Prune(int64_t now);

  std::vector<Rule> rules_;
  Family families_[kCounterCount * kKeyDimCount];
  std::map<std::pair<std::string, std::string>, State> states_;  // (rule, key)
  Notifier notifier_;
  std::function<QueueCounts()> queue_source_;
  int64_t newest_ = 0;
  int64_t last_prune_ = 0;
  std::string scratch_;
};

}  // namespace maillens::alert

#endif  // MAILLENS_ALERT_ENGINE_H_
