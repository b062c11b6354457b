// rule.h - alert rules: what to watch, over which window, against what.
//
// A rule is one comparison, written the way an admin says it:
//   queue.deferred > 1000                 messages in Postfix's deferred queue
//   rate(rejected, 5m) > 500              rejects in the last 5 minutes
//   rejected(ip, 5m) > 50                 ... per client address
//   bounce_ratio(domain, 1h) > 0.2        bounced / (sent + bounced), per domain
//   auth_failures(ip, 10m) > 20           SASL + Dovecot failures per address
//   volume(1h) > 3 * same_hour_last_week  received messages vs a week ago
// The left side is `queue.NAME` (NAME: total, active, deferred, hold,
// incoming, maildrop) or FUNC([KEY,] WINDOW) where FUNC is a counter (sent,
// deferred, bounced, expired, rejected, received, volume (= received),
// auth_failures, held), rate/count(COUNTER[, KEY], WINDOW) (the count over the
// window, as the seeds' cron scripts count), or bounce_ratio. KEY splits
// the rule per domain (recipient domain), ip (client address) or user (SASL
// or Dovecot user); each key fires on its own. The right side is a number,
// or `same_hour_last_week` optionally times a factor: the left side's value
// over the same window a week earlier.
// A TOML config holds them as [[alert]] tables (doc/alerts.md):
//   [[alert]]
//   name = "rejects"            expr = "rate(rejected, 5m) > 500"
//   warning = 300               repeat = "1h"       actions = ["ops"]
//   min_count = 20              (bounce_ratio: the least deliveries to judge)
// and the actions as [alert_action.NAME] tables (type exec|mail|webhook).
// Thread safety: plain data and pure functions.
#ifndef MAILLENS_ALERT_RULE_H_
#define MAILLENS_ALERT_RULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace maillens::alert {

// (New counters go at the end: checkpoints store their numbers.)
enum class Counter : uint8_t { kSent, kDeferred, kBounced, kExpired, kRejected, kReceived, kAuthFailures, kHeld };
inline constexpr int kCounterCount = 8;
const char* CounterName(Counter c);

enum class KeyDim : uint8_t { kNone, kDomain, kIp, kUser };
inline constexpr int kKeyDimCount = 4;
const char* KeyDimName(KeyDim k);

enum class Cmp : uint8_t { kGt, kGe, kLt, kLe };

struct Rule {
  std::string name;
  std::string expr;  // as written
  enum class Fn : uint8_t { kQueue, kCount, kBounceRatio } fn = Fn::kCount;
  std::string queue;  // kQueue: total, active, deferred, hold, incoming, maildrop
  Counter counter = Counter::kSent;
  KeyDim key = KeyDim::kNone;
  int64_t window = 0;  // seconds (not for kQueue)
  Cmp cmp = Cmp::kGt;
  double critical = 0;               // threshold (a factor when relative)
  std::optional<double> warning;     // same comparison, same unit
  bool relative = false;             // thresholds multiply same_hour_last_week
  uint64_t min_count = 10;           // bounce_ratio: least deliveries to judge
  int64_t repeat = 3600;             // seconds between repeated notices
  std::vector<std::string> actions;  // names of [alert_action.NAME] tables
};

struct ActionSpec {
  enum class Type : uint8_t { kExec, kMail, kWebhook } type = Type::kExec;
  std::string name;
  std::vector<std::string> command;  // exec: argv
  std::string to;                    // mail: recipient
  std::string sendmail = "/usr/sbin/sendmail";
  std::string url;  // webhook: http://host[:port]/path
  std::string bearer_token;
  int64_t timeout = 5;  // seconds (webhook)
};

// Parses the comparison `text` into r (name and options untouched). False
// with *error when it is not a rule.
bool ParseRuleExpr(std::string_view text, Rule* r, std::string* error);

// Reads [[alert]] and [alert_action.*] from a parsed config. Unknown keys,
// unknown action names and bad expressions are errors (a typo must not
// silently disable an alert).
bool ParseAlertConfig(const toml::table& config, std::vector<Rule>* rules, std::vector<ActionSpec>* actions,
                      std::string* error);

// Whether `value` passes `threshold` under `cmp`.
bool Compare(Cmp cmp, double value, double threshold);
const char* CmpText(Cmp cmp);

}  // namespace maillens::alert

#endif  // MAILLENS_ALERT_RULE_H_
