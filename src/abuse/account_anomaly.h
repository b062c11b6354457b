// account_anomaly.h - compromised-account detection: a SASL user whose hourly
// sending suddenly jumps far above that user's own history.
//
// Per SASL username (Message::sasl_username, from smtpd's client= line) the
// detector aggregates one clock hour at a time:
//   - recipients: the sum of qmgr's nrcpt= over the user's messages (volume),
//   - distinct recipients and distinct recipient domains (first delivery
//     attempt of each message, so retries of deferred mail do not count),
//   - distinct client IP addresses the user authenticated from,
// plus the message count and a few queue IDs as evidence. When the user's
// next hour starts (or at Finish()/Flush()) the hour is closed: each metric
// is compared with the user's previous active hours (median and MAD of at
// most Options::history hours). A metric is flagged when it reaches its
// absolute floor AND, once the user has Options::min_history active hours,
// is at least `ratio` times the median and `mad_k` robust deviations above
// it. An hour with any flagged metric is an AccountAnomaly.
// With Options::seasonal (the default) a metric must also be far above the
// user's seasonal baseline (trends/baseline.h): the same clock hour 1, 2, 3
// days and 1, 2, 3 weeks back, 0 where the user was idle while the input
// ran, at least 3 such hours - with the same ratio and mad_k. So the first
// busy hour of a Monday is compared with earlier Mondays, not only with a
// quiet weekend.
//
// Memory is bounded: per user a ring of hourly counts (and, seasonal, at
// most 504 hourly rows of the last three weeks), and for the open hour
// sets of 64-bit hashes capped at Options::distinct_cap entries (a capped
// count is a lower bound and marked so); at most Options::max_users users
// (more are counted in users_dropped()).
// Usable one-shot (Finish() at end of input) or live (Flush(now) every few
// minutes closes hours that ended; on_anomaly reports each finding as soon
// as it is made). Thread safety: one thread at a time.
#ifndef MAILLENS_ABUSE_ACCOUNT_ANOMALY_H_
#define MAILLENS_ABUSE_ACCOUNT_ANOMALY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_set.h>
#include <absl/container/node_hash_map.h>

#include "pipeline/pipeline.h"
#include "trends/baseline.h"

namespace maillens {

// The hourly metrics, in output order.
enum AccountMetric : int { kMetricRecipients, kMetricDistinctRcpts, kMetricDomains, kMetricClientIps, kMetricCount };
// "recipients", "distinct_recipients", "recipient_domains", "client_ips".
const char* AccountMetricName(int metric);

struct AccountAnomalyOptions {
  // Absolute floors per metric (AccountMetric order): below these nothing is flagged.
  std::array<uint32_t, kMetricCount> floors = {100, 60, 50, 5};
  int min_history = 3;         // active hours before the user's baseline applies
  int history = 48;            // active hours kept per user for the baseline
  double ratio = 4.0;          // flagged value >= ratio * median
  double mad_k = 6.0;          // ... and >= median + mad_k * max(1, 1.4826 * MAD)
  uint32_t distinct_cap = 4096;  // distinct values kept per set and hour
  size_t max_users = 100000;
  size_t samples = 5;  // queue IDs kept per user and hour
  bool seasonal = true;  // also require the seasonal baseline to be exceeded
};

struct AccountAnomaly {
  std::string user;
  int64_t hour_start = 0;  // epoch seconds, a multiple of 3600
  std::array<uint32_t, kMetricCount> value{};
  std::array<double, kMetricCount> median{}, mad{};
  std::array<bool, kMetricCount> flagged{};
  bool capped = false;  // a distinct count reached distinct_cap (a lower bound)
  int history = 0;      // active hours the baseline was computed from
  bool has_baseline = false;  // history >= min_history: the baseline applied
  int seasonal_lags = 0;      // seasonal hours the seasonal baseline came from (0: none applied)
  std::array<double, kMetricCount> seasonal_median{}, seasonal_mad{};
  uint32_t messages = 0;
  std::vector<std::string> sample_queue_ids;
};

class AccountAnomalyDetector : public EventSink {
 public:
  // Options are clamped: history and distinct_cap at least 1.
  explicit AccountAnomalyDetector(AccountAnomalyOptions options = {});

  void OnEvent(const Event& ev, const Message* m) override;
  // Closes every user's hour that ended before `now` (live use).
  void Flush(int64_t now);
  // Closes every open hour (end of input).
  void Finish();

  // Called for each anomaly as it is found (optional).
  std::function<void(const AccountAnomaly&)> on_anomaly;

  const std::vector<AccountAnomaly>& anomalies() const { return anomalies_; }
  size_t users() const { return users_.size(); }
  uint64_t users_dropped() const { return users_dropped_; }
  uint64_t hours_evaluated() const { return hours_evaluated_; }

 private:
  struct User {
    int64_t hour = -1;  // open hour (epoch / 3600), -1: none
    uint32_t recipients = 0, messages = 0;
    absl::flat_hash_set<uint64_t> rcpts, domains, ips;
    std::vector<std::string> samples;
    std::vector<std::array<uint32_t, kMetricCount>> ring;  // past active hours
    size_t ring_pos = 0;
    // Seasonal: the active hours of the last 3 weeks, oldest first (at most 504).
    std::vector<std::pair<int64_t, std::array<uint32_t, kMetricCount>>> by_hour;
  };
  // The user's state with its hour rolled to `epoch`'s hour, or null (cap).
  User* Touch(std::string_view name, int64_t epoch);
  // Evaluates and resets the user's open hour.
  void Close(const std::string& name, User* u);
  // Adds a hash to a capped set.
  void Add(absl::flat_hash_set<uint64_t>* set, std::string_view value, bool lower);

  AccountAnomalyOptions options_;
  absl::node_hash_map<std::string, User> users_;
  std::vector<AccountAnomaly> anomalies_;
  uint64_t users_dropped_ = 0, hours_evaluated_ = 0;
  int64_t first_hour_ = -1;  // the first hour of input (seasonal lags before it have no data)
  std::string scratch_;
};

// Median and median absolute deviation (trends/baseline.h).
using trends::MedianMad;

// Appends the flagged account-hours with their evidence as terminal-safe text.
void RenderAccountsText(const AccountAnomalyDetector& d, std::string* out);
// Appends {"accounts": {..., "anomalies": [...]}} (doc/abuse.md).
void RenderAccountsJson(const AccountAnomalyDetector& d, std::string* out);
// Writes the inner object ({sasl_users, active_hours, users_dropped,
// anomalies}) with the newest `limit` anomalies (serve's /api/security).
void WriteAccountsJson(const AccountAnomalyDetector& d, class JsonWriter* w, size_t limit);

}  // namespace maillens

#endif  // MAILLENS_ABUSE_ACCOUNT_ANOMALY_H_
