// detector.h - the whole guard stage for one stream of lines: fail2ban's
// filter rules (LineMatcher), per-address bans (BanEngine) and the same
// sliding window per user name (users are flagged, never banned).
//
// `maillens guard` feeds it every line of its files; a live follower feeds
// it lines as they come, acts on the bans OnLine() reports, calls
// Evaluate(now) to end bans (and Compact()), and keeps Save() in its
// checkpoint (Load() on restart).
// Thread safety: one thread at a time.
#ifndef MAILLENS_GUARD_DETECTOR_H_
#define MAILLENS_GUARD_DETECTOR_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "guard/ban_engine.h"
#include "guard/matcher.h"
#include "util/status.h"

namespace maillens::guard {

// Failures of one user name.
struct UserTally {
  uint64_t failures = 0;
  absl::flat_hash_set<std::string> ips;  // at most kMaxUserIps kept
  int flagged = 0;            // times it reached maxretry within findtime
  int64_t first_flagged = 0;  // when it first did
};

class Detector {
 public:
  static constexpr size_t kMaxUserIps = 1000;

  Detector(MatcherOptions matcher, BanPolicy policy);

  // One line. Returns false if no rule matches it or its address is ignored;
  // else fills *m (views into `line`) and sets *new_ban to the index in
  // bans().bans() of a ban it started, or -1.
  bool OnLine(std::string_view line, Match* m, int* new_ban);

  BanEngine& bans() { return engine_; }
  const BanEngine& bans() const { return engine_; }
  const absl::flat_hash_map<std::string, UserTally>& users() const { return users_; }
  const BanPolicy& policy() const { return engine_.policy(); }

  // The ban state (the user windows are not kept).
  std::string Save() const { return engine_.Save(); }
  Status Load(std::string_view text) { return engine_.Load(text); }

 private:
  LineMatcher matcher_;
  BanEngine engine_;
  BanEngine user_engine_;  // the same window per user name
  absl::flat_hash_map<std::string, UserTally> users_;
};

}  // namespace maillens::guard

#endif  // MAILLENS_GUARD_DETECTOR_H_
