// detector.cc - one line through the matcher, the ban engine and the user tally.
#include "guard/detector.h"

namespace maillens::guard {

namespace {

// The user window: the same limits, nothing ignored (names are not addresses).
BanPolicy UserPolicy(BanPolicy p) {
  p.ignore = IpSet();
  return p;
}

}  // namespace

Detector::Detector(MatcherOptions matcher, BanPolicy policy)
    : matcher_(matcher), engine_(policy), user_engine_(UserPolicy(policy)) {}

bool Detector::OnLine(std::string_view line, Match* m, int* new_ban) {
  *new_ban = -1;
  if (!matcher_.Match(line, m) || engine_.policy().ignore.Contains(m->ip)) return false;
  *new_ban = engine_.AddFailure(m->ip, m->time);
  if (!m->user.empty()) {
    UserTally& u = users_[std::string(m->user)];
    ++u.failures;
    if (user_engine_.AddFailure(m->user, m->time) >= 0 && u.flagged++ == 0) u.first_flagged = m->time;
    if (u.ips.size() < kMaxUserIps) u.ips.emplace(std::string(m->ip));
  }
  return true;
}

}  // namespace maillens::guard
