// abuse_accounts_test.cc - AccountAnomalyDetector (abuse/account_anomaly.h)
// fed real Postfix lines through a Pipeline.
#include "abuse/account_anomaly.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens {
namespace {

// Builds the lines of submitted messages and runs them through a pipeline.
class Log {
 public:
  // One message: client= (with SASL user), qmgr activation, one delivery per
  // recipient, removed. `minute` counts from Nov 3 00:00.
  void Message(int minute, const std::string& user, const std::string& ip, const std::vector<std::string>& rcpts,
               bool deferred = false) {
    char qid[16];
    std::snprintf(qid, sizeof qid, "%010X", ++qid_);
    std::string t = Stamp(minute);
    Add(t + " mx postfix/submission/smtpd[100]: " + qid + ": client=unknown[" + ip +
        "], sasl_method=PLAIN, sasl_username=" + user);
    Add(t + " mx postfix/qmgr[200]: " + qid + ": from=<" + user + ">, size=1000, nrcpt=" +
        std::to_string(rcpts.size()) + " (queue active)");
    for (const std::string& r : rcpts)
      Add(t + " mx postfix/smtp[300]: " + qid + ": to=<" + r +
          ">, relay=mx.example.net[198.51.100.1]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=" +
          (deferred ? "4.4.1, status=deferred (connect to mx.example.net[198.51.100.1]:25: Connection timed out)"
                    : "2.0.0, status=sent (250 2.0.0 OK)"));
    if (!deferred) Add(t + " mx postfix/qmgr[200]: " + qid + ": removed");
    last_qid_ = qid;
  }
  // A retry of the last (deferred) message, `minute` later.
  void Retry(int minute, const std::vector<std::string>& rcpts) {
    std::string t = Stamp(minute);
    Add(t + " mx postfix/qmgr[200]: " + last_qid_ + ": from=<x>, size=1000, nrcpt=" + std::to_string(rcpts.size()) +
        " (queue active)");
    for (const std::string& r : rcpts)
      Add(t + " mx postfix/smtp[300]: " + last_qid_ + ": to=<" + r +
          ">, relay=mx.example.net[198.51.100.1]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 OK)");
    Add(t + " mx postfix/qmgr[200]: " + last_qid_ + ": removed");
  }
  void Run(AccountAnomalyDetector* d, bool finish = true) {
    RecordingReporter rep;
    PipelineOptions o;
    o.year.fixed_year = 2026;
    Pipeline p(o, &rep);
    p.AddSink(d);
    for (const std::string& l : lines_) p.ProcessLine(l);
    p.Finish();
    if (finish) d->Finish();
  }

 private:
  static std::string Stamp(int minute) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "Nov %2d %02d:%02d:%02d", 3 + minute / 1440, minute / 60 % 24, minute % 60, 0);
    return buf;
  }
  void Add(std::string l) { lines_.push_back(std::move(l)); }
  std::vector<std::string> lines_;
  unsigned qid_ = 0xA0000;
  std::string last_qid_;
};

std::vector<std::string> Rcpts(int n, const std::string& tag, int domains = 1) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(tag + std::to_string(i) + "@" + tag + "d" + std::to_string(i % domains) + ".example");
  return v;
}

TEST(MedianMad, OddEvenAndOutlier) {
  std::vector<double> v = {1, 2, 3, 4, 100};
  double med, mad;
  MedianMad(&v, &med, &mad);
  EXPECT_EQ(med, 3);
  EXPECT_EQ(mad, 1);
  v = {1, 2, 3, 5};
  MedianMad(&v, &med, &mad);
  EXPECT_EQ(med, 2.5);
  EXPECT_EQ(mad, 1);
  v.clear();
  MedianMad(&v, &med, &mad);
  EXPECT_EQ(med, 0);
}

TEST(AccountAnomaly, SpamHourAboveOwnBaselineIsFlaggedWithEvidence) {
  Log log;
  for (int h = 0; h < 10; ++h) {
    log.Message(h * 60 + 5, "quiet@example.com", "192.0.2.10", Rcpts(3, "q" + std::to_string(h)));
    log.Message(h * 60 + 7, "victim@example.com", "192.0.2.20", Rcpts(4, "v" + std::to_string(h)));
  }
  // Hour 10: 12 messages of 30 recipients at 30 domains each, from 12 new IPs.
  for (int k = 0; k < 12; ++k)
    log.Message(600 + k * 4, "victim@example.com", "203.0.113." + std::to_string(k + 1),
                Rcpts(30, "s" + std::to_string(k) + "x", 30));
  log.Message(605, "quiet@example.com", "192.0.2.10", Rcpts(3, "q10"));
  AccountAnomalyDetector d;
  log.Run(&d);
  ASSERT_EQ(d.anomalies().size(), 1u);
  const AccountAnomaly& a = d.anomalies()[0];
  EXPECT_EQ(a.user, "victim@example.com");
  EXPECT_EQ(a.hour_start % 3600, 0);
  EXPECT_EQ(a.messages, 12u);
  EXPECT_EQ(a.value[kMetricRecipients], 360u);
  EXPECT_EQ(a.value[kMetricDistinctRcpts], 360u);
  EXPECT_EQ(a.value[kMetricDomains], 360u);
  EXPECT_EQ(a.value[kMetricClientIps], 12u);
  for (int k = 0; k < kMetricCount; ++k) EXPECT_TRUE(a.flagged[k]) << AccountMetricName(k);
  EXPECT_TRUE(a.has_baseline);
  EXPECT_EQ(a.history, 10);
  EXPECT_EQ(a.median[kMetricRecipients], 4);
  EXPECT_EQ(a.median[kMetricClientIps], 1);
  EXPECT_EQ(a.sample_queue_ids.size(), 5u);
  EXPECT_EQ(d.users(), 2u);
}

TEST(AccountAnomaly, SteadyBulkSenderOnlyFlaggedBeforeItHasABaseline) {
  Log log;
  for (int h = 0; h < 8; ++h)
    log.Message(h * 60 + 1, "bulk@example.com", "192.0.2.30", Rcpts(200, "b" + std::to_string(h), 50));
  AccountAnomalyOptions o;
  o.min_history = 3;
  AccountAnomalyDetector d(o);
  log.Run(&d);
  // Hours 0-2: no baseline yet, the floors alone decide; later hours match the baseline.
  ASSERT_EQ(d.anomalies().size(), 3u);
  for (const AccountAnomaly& a : d.anomalies()) EXPECT_FALSE(a.has_baseline);
  EXPECT_EQ(d.hours_evaluated(), 8u);
}

TEST(AccountAnomaly, BelowTheFloorsNothingIsFlagged) {
  Log log;
  for (int h = 0; h < 5; ++h) log.Message(h * 60, "u@example.com", "192.0.2.1", Rcpts(1, "a" + std::to_string(h)));
  // 20x the baseline, but under every floor.
  log.Message(5 * 60, "u@example.com", "192.0.2.1", Rcpts(20, "z", 5));
  AccountAnomalyDetector d;
  log.Run(&d);
  EXPECT_TRUE(d.anomalies().empty());
}

TEST(AccountAnomaly, RetriesOfDeferredMailDoNotCountAgain) {
  Log log;
  log.Message(0, "r@example.com", "192.0.2.1", Rcpts(70, "x", 30), /*deferred=*/true);
  log.Retry(61, Rcpts(70, "x", 30));  // the next hour: a second activation
  AccountAnomalyOptions o;
  o.floors = {1000, 60, 1000, 1000};
  AccountAnomalyDetector d(o);
  log.Run(&d);
  ASSERT_EQ(d.anomalies().size(), 1u);  // hour 0 only; the retry hour saw no new message
  EXPECT_EQ(d.anomalies()[0].value[kMetricDistinctRcpts], 70u);
  EXPECT_EQ(d.hours_evaluated(), 1u);
}

TEST(AccountAnomaly, DistinctCountsAreCappedAndMarked) {
  Log log;
  log.Message(0, "c@example.com", "192.0.2.1", Rcpts(50, "c", 50));
  AccountAnomalyOptions o;
  o.floors = {10, 10, 10, 1000};
  o.distinct_cap = 16;
  AccountAnomalyDetector d(o);
  log.Run(&d);
  ASSERT_EQ(d.anomalies().size(), 1u);
  EXPECT_EQ(d.anomalies()[0].value[kMetricDistinctRcpts], 16u);
  EXPECT_EQ(d.anomalies()[0].value[kMetricRecipients], 50u);
  EXPECT_TRUE(d.anomalies()[0].capped);
}

TEST(AccountAnomaly, UserCapDropsNewUsers) {
  Log log;
  for (int i = 0; i < 4; ++i) log.Message(i, "u" + std::to_string(i) + "@example.com", "192.0.2.1", Rcpts(1, "a"));
  AccountAnomalyOptions o;
  o.max_users = 2;
  AccountAnomalyDetector d(o);
  log.Run(&d);
  EXPECT_EQ(d.users(), 2u);
  EXPECT_GT(d.users_dropped(), 0u);
}

TEST(AccountAnomaly, FlushClosesEndedHoursLiveAndReports) {
  Log log;
  log.Message(10, "f@example.com", "192.0.2.1", Rcpts(150, "f", 30));
  AccountAnomalyDetector d;
  std::vector<std::string> seen;
  d.on_anomaly = [&](const AccountAnomaly& a) { seen.push_back(a.user); };
  log.Run(&d, /*finish=*/false);
  EXPECT_TRUE(seen.empty());  // the hour is still open
  int64_t hour0 = 0;
  d.Flush(hour0 + 1);  // far in the past: nothing ended
  EXPECT_TRUE(seen.empty());
  d.Flush(int64_t{4} << 32);  // the future: the hour has ended
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], "f@example.com");
  d.Finish();
  EXPECT_EQ(d.anomalies().size(), 1u);
}

TEST(AccountAnomaly, RenderingsEscapeTheUserName) {
  Log log;
  log.Message(0, "evil\x1b]0;t\x07@example.com", "192.0.2.1", Rcpts(150, "e", 30));
  AccountAnomalyDetector d;
  log.Run(&d);
  ASSERT_EQ(d.anomalies().size(), 1u);
  std::string text, json;
  RenderAccountsText(d, &text);
  RenderAccountsJson(d, &json);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_NE(text.find("evil\\x1b]0;t\\x07@example.com"), std::string::npos);
  EXPECT_NE(json.find("\"user\": \"evil\\u001b]0;t\\u0007@example.com\""), std::string::npos);
  EXPECT_NE(json.find("\"flagged\": true"), std::string::npos);
}

// A user with a weekly rhythm: one small message on weekday mornings, a 40-
// recipient newsletter every Monday at 09:00 (Nov 9, 16, 23, 30). The 48-hour
// baseline (mostly small hours) flags every Monday; the seasonal one stops
// once three earlier Mondays are in its lags (Nov 30), while a spam hour on
// Sunday Nov 29 is still flagged by both.
Log WeeklyNewsletter() {
  Log log;
  for (int day = 0; day < 28; ++day) {  // day 0 = Tue Nov 3
    const int weekday = (day + 1) % 7;  // 0 = Monday
    if (weekday == 0) log.Message(day * 1440 + 9 * 60 + 5, "news@example.com", "192.0.2.40",
                                  Rcpts(40, "n" + std::to_string(day) + "x", 20));
    else if (weekday < 5) log.Message(day * 1440 + 9 * 60 + 5, "news@example.com", "192.0.2.40", Rcpts(1, "d" + std::to_string(day)));
    if (day == 26)  // Sunday Nov 29 15:00: 12 messages of 30 recipients from new addresses
      for (int k = 0; k < 12; ++k)
        log.Message(day * 1440 + 15 * 60 + k * 3, "news@example.com", "203.0.113." + std::to_string(k + 1),
                    Rcpts(30, "s" + std::to_string(k) + "y", 30));
  }
  return log;
}

AccountAnomalyOptions LowFloors(bool seasonal) {
  AccountAnomalyOptions o;
  o.floors = {20, 10, 8, 3};
  o.seasonal = seasonal;
  return o;
}

TEST(AccountAnomaly, SeasonalBaselineKnowsTheMondayNewsletter) {
  Log log = WeeklyNewsletter();
  AccountAnomalyDetector plain(LowFloors(false)), seasonal(LowFloors(true));
  log.Run(&plain);
  Log again = WeeklyNewsletter();
  again.Run(&seasonal);
  const int64_t nov30_9 = 1795996800 + 9 * 3600;  // 2026-11-30 09:00 UTC
  const int64_t nov29_15 = nov30_9 - 18 * 3600;
  auto has = [](const AccountAnomalyDetector& d, int64_t hour) {
    for (const AccountAnomaly& a : d.anomalies())
      if (a.hour_start == hour) return true;
    return false;
  };
  EXPECT_TRUE(has(plain, nov30_9));
  EXPECT_FALSE(has(seasonal, nov30_9));
  EXPECT_TRUE(has(plain, nov29_15));
  EXPECT_TRUE(has(seasonal, nov29_15));
  EXPECT_LT(seasonal.anomalies().size(), plain.anomalies().size());
  for (const AccountAnomaly& a : seasonal.anomalies())
    if (a.hour_start == nov29_15) {
      EXPECT_EQ(a.seasonal_lags, 6);
      EXPECT_EQ(a.seasonal_median[kMetricRecipients], 0);
    }
}

}  // namespace
}  // namespace maillens
