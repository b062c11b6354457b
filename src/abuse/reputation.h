// reputation.h - our sending reputation as the receiving side tells it:
// deferrals and bounces whose reply text shows that a big mailbox provider
// (Gmail, Microsoft, Yahoo, Apple, GMX/WEB.DE, Orange, ...) or a block list
// quoted in a reply (Spamhaus, SpamCop, Barracuda, ...) is blocking or
// rate-limiting our mail.
//
// Only delivery-agent lines with status=deferred or status=bounced are
// looked at; their "(...)" text is matched against kReputationPatterns with
// fixed-string search (no regex): a pattern matches when all its needles
// occur, and the first matching pattern wins. The table, with the source of
// each pattern, is documented in doc/abuse.md. Findings are kept per
// (provider, pattern): counts by status, first/last seen, the first reply
// text and relay as a sample. Memory is bounded by the table (plus at most
// kMaxListNames block-list names taken from "blocked using NAME").
// Usable one-shot or live; thread safety: one thread at a time.
#ifndef MAILLENS_ABUSE_REPUTATION_H_
#define MAILLENS_ABUSE_REPUTATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/pipeline.h"

namespace maillens {

struct ReputationPattern {
  const char* provider;  // "Gmail", "Microsoft", "Spamhaus (block list)", ...
  const char* id;        // "4.7.28", "S3150", "TSS04", ...
  const char* meaning;   // "rate limited: unusual rate of unsolicited mail"
  std::string_view needles[4];  // all must occur (empty: unused)
};

// The pattern table, most specific first (see doc/abuse.md).
const std::vector<ReputationPattern>& ReputationPatterns();
// Index of the first pattern matching `text`, or -1.
int MatchReputation(std::string_view text);

struct ReputationFinding {
  std::string provider, id, meaning;
  uint64_t deferred = 0, bounced = 0;
  int64_t first_seen = 0, last_seen = 0;
  std::string sample_text, sample_relay, sample_queue_id;
  uint64_t count() const { return deferred + bounced; }
};

class ReputationDetector : public EventSink {
 public:
  static constexpr size_t kMaxListNames = 64;
  static constexpr size_t kMaxSample = 1024;  // bytes of reply text kept

  ReputationDetector();
  // Matches deferred/bounced delivery lines; other events return at once.
  void OnEvent(const Event& ev, const Message* m) override;

  // Called for the first sighting of each (provider, pattern) (optional, live use).
  std::function<void(const ReputationFinding&)> on_new;

  // Findings with count() > 0, by provider then count (descending).
  std::vector<const ReputationFinding*> Findings() const;
  uint64_t examined() const { return examined_; }  // deferred/bounced lines looked at

 private:
  std::vector<ReputationFinding> by_pattern_;  // parallel to ReputationPatterns()
  std::vector<ReputationFinding> lists_;       // "blocked using NAME" of other lists
  uint64_t examined_ = 0;
};

// Appends the per-provider report as terminal-safe text.
void RenderReputationText(const ReputationDetector& d, std::string* out);
// Appends {"reputation": {"examined", "findings": [...]}} (doc/abuse.md).
void RenderReputationJson(const ReputationDetector& d, std::string* out);
// Writes the inner object ({examined, findings}) (serve's /api/destinations).
void WriteReputationJson(const ReputationDetector& d, class JsonWriter* w);

}  // namespace maillens

#endif  // MAILLENS_ABUSE_REPUTATION_H_
