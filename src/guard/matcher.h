// matcher.h - which log lines fail2ban's postfix and dovecot filters flag.
//
// LineMatcher decides, line by line, whether a line is an authentication
// failure or an abuse sign that fail2ban's filter.d/postfix.conf (modes
// normal, more, rbl, auth, ddos, extra, aggressive, errors) or
// filter.d/dovecot.conf (normal, aggressive) would report, and for which
// address (and user, where the line names one). The rules are fail2ban's,
// read as facts and re-expressed with fixed-string tests: no regex runs.
//
// Two rule sets: the current upstream filters (default; the test logs in
// ../shared/corpora/fail2ban are annotated for them) and Debian's fail2ban
// 1.0.2 (`compat_1_0 = true`), which misses some newer wordings (Dovecot 2.4
// "Login aborted", Postfix "reject: CONNECT", rate limits, ...) and still
// counts "lost connection after AUTH" in ddos mode. doc/guard.md lists the
// differences.
//
// Fast path: before any header parsing, a line's program tag is located and
// the message's first bytes decide whether any rule can apply; most lines
// (deliveries, queue manager, connects) stop there.
//
// Thread safety: one thread at a time (the HeaderParser keeps a year state).
#ifndef MAILLENS_GUARD_MATCHER_H_
#define MAILLENS_GUARD_MATCHER_H_

#include <cstdint>
#include <string_view>

#include "syslog/header.h"

namespace maillens::guard {

enum class Filter : uint8_t { kPostfix, kDovecot, kAll };
// fail2ban's modes; kMore is postfix.conf's default (= normal), kExtra is
// auth + normal (this tool's default: brute force and rejects, no ddos).
enum class Mode : uint8_t { kNormal, kMore, kRbl, kAuth, kDdos, kExtra, kAggressive, kErrors };

// Parses "normal", "more", ... ; false if unknown.
bool ParseMode(std::string_view s, Mode* out);
bool ParseFilter(std::string_view s, Filter* out);
const char* ModeName(Mode m);

// What kind of rule flagged a line (JSON "source").
enum class Source : uint8_t { kPostfixSasl, kPostfixReject, kPostfixAbuse, kDovecot };
const char* SourceName(Source s);

struct MatcherOptions {
  Filter filter = Filter::kAll;
  Mode mode = Mode::kExtra;  // for dovecot: kAggressive -> aggressive, else normal
  bool compat_1_0 = false;   // Debian fail2ban 1.0.2's rules
  YearPolicy year;
};

struct Match {
  int64_t time = 0;       // seconds since the epoch (0 if the line has no time)
  std::string_view ip;    // into the line
  std::string_view user;  // into the line; may be empty
  Source source = Source::kDovecot;
};

class LineMatcher {
 public:
  explicit LineMatcher(MatcherOptions options);
  // True if `line` is a failure; *out's views point into `line`.
  bool Match(std::string_view line, guard::Match* out);

 private:
  bool MatchPostfix(std::string_view msg, guard::Match* out) const;
  bool MatchDovecot(std::string_view program, std::string_view msg, guard::Match* out) const;
  bool MatchPostfixWarning(std::string_view w, guard::Match* out) const;
  // Time of the line (header parser, or a TAI64N label); 0 if none.
  int64_t LineTime(std::string_view line);

  MatcherOptions o_;
  bool postfix_ = false, dovecot_ = false;
  // Postfix rule groups enabled by the mode.
  bool sasl_ = false, sasl_lenient_ = false, normal_ = false, rbl_ = false, ddos_ = false,
       errors_ = false, resolve_ = false, dovecot_aggressive_ = false;
  HeaderParser header_;
};

// True if `s` is an IPv4 or IPv6 address as logs print them.
bool IsIpAddress(std::string_view s);

}  // namespace maillens::guard

#endif  // MAILLENS_GUARD_MATCHER_H_
