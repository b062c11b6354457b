// watch_model.h - what `maillens watch` shows, kept up to date from events.
//
// WatchModel is an EventSink that keeps, for the last hour, per-minute counts
// of sent, deferred, bounced and rejected (one ring of 60 minute buckets per
// kind), deferrals per destination domain over that hour, and the latest
// problems (deferrals, bounces, rejects, auth failures, warnings; the last
// 50, oldest dropped). RenderFrame() draws one screen of it: the panel chosen
// by the keys (summary, deferrals, problems), sparklines of the per-minute
// counts, the queue size when known. Every log-derived string is made safe
// for a terminal (control characters escaped) before it is drawn.
// The clock is the log's: an old log replayed shows its own hour, and a
// problem not from the day shown carries its date.
// Memory is bounded: 60 buckets, at most kMaxDomains domains (the quietest
// dropped first), 50 problems.
// Thread safety: one thread at a time.
#ifndef MAILLENS_WATCH_WATCH_MODEL_H_
#define MAILLENS_WATCH_WATCH_MODEL_H_

#include <array>
#include <cstdint>
#include <deque>
#include <string>

#include <absl/container/flat_hash_map.h>

#include "pipeline/pipeline.h"

namespace maillens::watch {

enum class Kind : uint8_t { kSent, kDeferred, kBounced, kRejected };
inline constexpr int kKinds = 4;
inline constexpr int kMinutes = 60;

struct Problem {
  int64_t time = 0;
  std::string what;  // "deferred", "bounced", "reject", "auth", "warning"
  std::string text;  // one line, already terminal-safe
};

enum class Panel : uint8_t { kSummary, kDeferrals, kProblems };

struct FrameOptions {
  int width = 80, height = 24;
  Panel panel = Panel::kSummary;
  bool color = true;    // ANSI colors (off for NO_COLOR or not a TTY)
  bool unicode = true;  // block sparklines; ASCII otherwise
  int64_t queue_size = -1;  // -1: unknown
  std::string title;        // e.g. the files followed
};

class WatchModel : public EventSink {
 public:
  static constexpr size_t kMaxDomains = 10000;
  static constexpr size_t kMaxProblems = 50;

  void OnEvent(const Event& ev, const Message* m) override;

  // Moves the clock (the newest minute shown) forward to `now`.
  void Advance(int64_t now);
  // The wall clock ticked to `wall`. The screen keeps the log's clock: it
  // follows the wall clock only while the newest event is within the hour
  // shown (a live log going quiet). On a replayed old log it stays at the
  // log's newest minute and the frame says so (replaying() is true).
  void Tick(int64_t wall);
  bool replaying() const { return replaying_; }
  // Per-minute counts of `k`, oldest first, the last ending at now's minute.
  std::array<uint64_t, kMinutes> Series(Kind k) const;
  // Totals of `k` over the last `minutes` minutes.
  uint64_t Total(Kind k, int minutes) const;
  const std::deque<Problem>& problems() const { return problems_; }
  // Deferral counts per domain in the last hour, largest first (at most n).
  std::vector<std::pair<std::string, uint64_t>> TopDeferrals(size_t n) const;
  int64_t now() const { return now_minute_ * 60; }

  // One screen.
  std::string RenderFrame(const FrameOptions& o) const;

 private:
  void Count(Kind k, int64_t t);
  void AddProblem(int64_t t, const char* what, std::string_view text);

  int64_t now_minute_ = 0;  // the newest minute (epoch / 60)
  int64_t newest_event_ = 0;  // epoch of the newest event counted
  int64_t wall_ = 0;          // the last Tick()
  bool replaying_ = false;
  std::array<std::array<uint64_t, kMinutes>, kKinds> buckets_{};  // [kind][minute % 60]
  std::array<int64_t, kMinutes> bucket_minute_{};                  // which minute each slot holds
  // domain -> (minute, count) pairs within the hour.
  absl::flat_hash_map<std::string, std::deque<std::pair<int64_t, uint64_t>>> deferrals_;
  std::deque<Problem> problems_;
};

// "▁▂▃▅▇" for `values` scaled to their maximum (ASCII " .:-=+*#%@" without unicode).
std::string Sparkline(const uint64_t* values, size_t n, bool unicode);

}  // namespace maillens::watch

#endif  // MAILLENS_WATCH_WATCH_MODEL_H_
