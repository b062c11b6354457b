// trends_test.cc - the seasonal baseline (trends/baseline.h), the anomaly
// detector on synthetic series (trends/anomaly.h) and `trends`' periods, heat
// map, domain changes and rendering (trends/trends.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "trends/anomaly.h"
#include "trends/baseline.h"
#include "trends/series.h"
#include "trends/trends.h"

namespace maillens::trends {
namespace {

using history::Measure;

constexpr int64_t kMon = 1793577600;  // 2026-11-02 00:00 UTC, a Monday
constexpr int64_t kDay = 86400;

std::vector<Lagged> Lags(std::vector<double> daily, std::vector<double> weekly) {
  std::vector<Lagged> v;
  for (double d : daily) v.push_back({d, false});
  for (double w : weekly) v.push_back({w, true});
  return v;
}

TEST(Baseline, MedianAndMadIgnoreAnOutlier) {
  BaselineOptions o;
  Band b = MakeBand(Lags({100, 104, 98}, {102, 5000, 96}), o);
  ASSERT_TRUE(b.ok);
  EXPECT_EQ(b.lags, 6);
  EXPECT_DOUBLE_EQ(b.expected, 101);  // (100 + 102) / 2: the 5000 does not move it
  EXPECT_DOUBLE_EQ(b.mad, 3);         // |dev| = 1 3 3 1 4899 5 -> (3 + 3) / 2
  // Half-width: max(4 x 1.4826 x 3, 4 x sqrt(101), 3) = 4 x sqrt(101); factor 4 gives the high edge.
  EXPECT_NEAR(b.half_width, 4 * std::sqrt(101.0), 1e-9);
  EXPECT_DOUBLE_EQ(b.high(), 404);
  EXPECT_NEAR(b.low(), 101.0 / 4, 1e-9);
}

TEST(Baseline, FloorsForQuietSeries) {
  BaselineOptions o;
  o.factor = 1;
  Band zero = MakeBand(Lags({0, 0, 0}, {0, 0, 0}), o);
  EXPECT_DOUBLE_EQ(zero.half_width, 3);  // the absolute floor
  Band poisson = MakeBand(Lags({25, 25, 25}, {25, 25, 25}), o);
  EXPECT_DOUBLE_EQ(poisson.mad, 0);
  EXPECT_DOUBLE_EQ(poisson.half_width, 20);  // 4 x sqrt(25)
  Band spread = MakeBand(Lags({10, 30, 10}, {30, 10, 30}), o);
  EXPECT_NEAR(spread.half_width, 4 * 1.4826 * 10, 1e-9);  // MAD wins
  EXPECT_GT(spread.Excess(200), 1);
  EXPECT_LT(std::fabs(spread.Excess(40)), 1);
}

TEST(Baseline, MissingHistory) {
  BaselineOptions o;
  EXPECT_FALSE(MakeBand({}, o).ok);
  EXPECT_FALSE(MakeBand(Lags({1, 2, 3}, {}), o).ok);        // no weekly season yet
  EXPECT_FALSE(MakeBand(Lags({1, 2, 3}, {4, 5}), o).ok);    // two weeks: not enough
  EXPECT_TRUE(MakeBand(Lags({}, {4, 5, 6}), o).ok == false);  // 3 lags < min_lags 4
  EXPECT_TRUE(MakeBand(Lags({1}, {4, 5, 6}), o).ok);
  EXPECT_EQ(LagOffsets(o).size(), 6u);
  EXPECT_EQ(LagOffsets(o)[5].seconds, 21 * kDay);
}

TEST(Baseline, ScaledToThePartOfAnHour) {
  BaselineOptions o;
  Band b = Scale(MakeBand(Lags({60, 60, 60}, {60, 60, 60}), o), 1.0 / 6, o);
  EXPECT_DOUBLE_EQ(b.expected, 10);
  EXPECT_NEAR(b.half_width, 4 * std::sqrt(10.0), 1e-9);
}

TEST(Baseline, SentenceNamesTheLags) {
  EXPECT_NE(std::string(kBaselineSentence).find("1, 2, 3 days and 1, 2, 3 weeks back"), std::string::npos);
}

// Four weeks of received counts per 10-minute slot: 100 on weekdays, 10 at
// weekends (one bucket per slot).
DeltaSeries Weeks(int days) {
  DeltaSeries s;
  history::Delta d;
  for (int64_t t = kMon; t < kMon + days * kDay; t += 600) {
    const int wd = WeekdayOf(t);
    d.minutes[t][Measure::kReceived] = wd >= 5 ? 10 : 100;
  }
  s.Add(d);
  s.Cover(kMon, kMon + days * kDay);
  return s;
}

TEST(AnomalyDetector, SpikeFoundMondayAfterWeekendNot) {
  DeltaSeries s = Weeks(29);
  history::Delta spike;
  const int64_t slot = kMon + 22 * kDay + 10 * 3600;  // Tue Nov 24 10:00
  spike.minutes[slot][Measure::kReceived] = 900;  // 1000 in all
  s.Add(spike);
  AnomalyDetector d(AnomalyOptions(), &s);
  const int64_t monday = kMon + 28 * kDay + 8 * 3600;  // Mon Nov 30 08:00: the weekend before was quiet
  d.Evaluate(monday);
  d.Evaluate(slot);
  d.Evaluate(slot + 600);
  ASSERT_EQ(d.anomalies().size(), 1u);
  const Anomaly& a = d.anomalies()[0];
  EXPECT_EQ(a.kind, AnomalyKind::kVolumeSpike);
  EXPECT_EQ(a.key, "received");
  EXPECT_EQ(a.slot, slot);
  EXPECT_EQ(a.seen, 1000);
  EXPECT_EQ(a.expected, 100);
  EXPECT_EQ(a.severity, AnomalySeverity::kCritical);
  EXPECT_NE(a.text.find("volume_spike received: 1000"), std::string::npos);
  EXPECT_EQ(d.slots_evaluated(), 3u);

  // Without the weekly lags the same Monday looks like a spike after the weekend.
  AnomalyOptions daily_only;
  daily_only.baseline.weekly_lags = false;
  daily_only.baseline.min_weekly_lags = 0;
  daily_only.baseline.min_lags = 3;
  AnomalyDetector naive(daily_only, &s);
  naive.Evaluate(monday);
  ASSERT_EQ(naive.anomalies().size(), 1u);
  EXPECT_EQ(naive.anomalies()[0].kind, AnomalyKind::kVolumeSpike);
}

TEST(AnomalyDetector, DropAndConsecutiveSlotsAreOneAnomaly) {
  DeltaSeries s = Weeks(29);
  const int64_t slot = kMon + 23 * kDay + 14 * 3600;  // Wed 14:00
  // Take the slot's and the next one's counts away (an outage).
  DeltaSeries cut;
  history::Delta d = s.delta();
  d.minutes.erase(slot);
  d.minutes.erase(slot + 600);
  cut.Add(d);
  cut.Cover(s.begin(), s.end());
  AnomalyDetector det(AnomalyOptions(), &cut);
  det.Evaluate(slot);
  det.Evaluate(slot + 600);
  ASSERT_EQ(det.anomalies().size(), 1u);
  EXPECT_EQ(det.anomalies()[0].kind, AnomalyKind::kVolumeDrop);
  EXPECT_EQ(det.anomalies()[0].until, slot + 1200);
}

TEST(AnomalyDetector, BounceRatioOfOneDomain) {
  DeltaSeries s;
  history::Delta d;
  for (int64_t h = kMon; h < kMon + 29 * kDay; h += 3600) {
    history::Counts& c = d.hours[h][static_cast<int>(history::Dim::kRcptDomain)]["example.net"];
    c[Measure::kDelivered] = 60;
    c[Measure::kBounced] = 1;
  }
  const int64_t hour = kMon + 24 * kDay + 10 * 3600;
  history::Counts& now = d.hours[hour][static_cast<int>(history::Dim::kRcptDomain)]["example.net"];
  now[Measure::kDelivered] = 2;
  now[Measure::kBounced] = 9;
  s.Add(d);
  s.Cover(kMon, kMon + 29 * kDay);
  AnomalyDetector det(AnomalyOptions(), &s);
  det.Evaluate(hour);  // the hour's first slot: 11 attempts so far
  ASSERT_EQ(det.anomalies().size(), 1u);
  const Anomaly& a = det.anomalies()[0];
  EXPECT_EQ(a.kind, AnomalyKind::kBounceRatio);
  EXPECT_EQ(a.key, "example.net");
  EXPECT_EQ(a.attempts, 11u);
  EXPECT_NEAR(a.expected, 11.0 / 61, 1e-9);
}

history::Delta TrafficDelta() {
  history::Delta d;
  // Mon Nov 2 10:00: 50 received; Mon Nov 9 10:00: 100 received.
  d.minutes[kMon + 10 * 3600][Measure::kReceived] = 50;
  d.minutes[kMon + 7 * kDay + 10 * 3600][Measure::kReceived] = 100;
  d.minutes[kMon + 8 * kDay + 3 * 3600][Measure::kReceived] = 7;  // Tue Nov 10 03:00
  auto& prev = d.hours[kMon + 10 * 3600][static_cast<int>(history::Dim::kRcptDomain)];
  prev["shrinking.example"][Measure::kDelivered] = 40;
  prev["growing.example"][Measure::kDelivered] = 1;
  auto& now = d.hours[kMon + 7 * kDay + 10 * 3600][static_cast<int>(history::Dim::kRcptDomain)];
  now["growing.example"][Measure::kDelivered] = 30;
  now["<img src=x onerror=alert(1)>\x1b[31m"][Measure::kDelivered] = 5;
  return d;
}

TEST(Trends, ThisMondayAgainstLastMonday) {
  TrendsOptions o;
  o.by = "day";
  o.from = kMon + 7 * kDay;
  TrendsReport r;
  std::string error;
  ASSERT_TRUE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, {}, &r, &error)) << error;
  EXPECT_EQ(r.from, kMon + 7 * kDay);
  EXPECT_EQ(r.until, kMon + 14 * kDay);
  EXPECT_EQ(r.prev_from, kMon);
  EXPECT_TRUE(r.has_prev);
  ASSERT_EQ(r.rows.size(), 7u);
  EXPECT_EQ(r.rows[0].now[Measure::kReceived], 100u);
  EXPECT_EQ(r.rows[0].prev[Measure::kReceived], 50u);
  EXPECT_TRUE(r.rows[0].has_prev);
  EXPECT_EQ(r.rows[1].now[Measure::kReceived], 7u);
  EXPECT_EQ(r.total[Measure::kReceived], 107u);
  EXPECT_EQ(r.prev_total[Measure::kReceived], 50u);
  EXPECT_EQ(Change(100, 50), "+100%");
  EXPECT_EQ(Change(0, 4), "-100%");
  EXPECT_EQ(Change(3, 0), "new");
  EXPECT_EQ(Change(3, 3), "=");
  // Weeks: the whole week against the week before.
  o.by = "week";
  TrendsReport w;
  ASSERT_TRUE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, {}, &w, &error));
  ASSERT_EQ(w.rows.size(), 1u);
  EXPECT_EQ(w.rows[0].now[Measure::kReceived], 107u);
  EXPECT_EQ(w.rows[0].prev[Measure::kReceived], 50u);
  // Weekday rows: Mondays of the period against Mondays of the previous one.
  o.by = "weekday";
  TrendsReport wd;
  ASSERT_TRUE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, {}, &wd, &error));
  EXPECT_EQ(wd.rows[0].label, "Mon");
  EXPECT_EQ(wd.rows[0].now[Measure::kReceived], 100u);
  EXPECT_EQ(wd.rows[0].prev[Measure::kReceived], 50u);
  // The first week has no week before it in the input.
  o.from = INT64_MIN;
  o.by = "day";
  TrendsReport first;
  ASSERT_TRUE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, {}, &first, &error));
  EXPECT_FALSE(first.rows[0].has_prev);
  EXPECT_TRUE(first.rows[7].has_prev);
  o.by = "month";
  EXPECT_FALSE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, {}, &first, &error));
}

TEST(Trends, HeatMapAndDomains) {
  TrendsOptions o;
  o.from = kMon + 7 * kDay;
  TrendsReport r;
  std::string error;
  std::vector<Campaign> campaigns(3);
  campaigns[0].who = "old@example.com";
  campaigns[0].start = kMon + 3600, campaigns[0].end = kMon + 4200;  // the previous period
  campaigns[1].who = "new@example.com";
  campaigns[1].start = kMon + 8 * kDay, campaigns[1].end = kMon + 8 * kDay + 1200;
  campaigns[2].who = "later@example.com";
  campaigns[2].start = kMon + 15 * kDay, campaigns[2].end = kMon + 15 * kDay + 600;  // after the period
  ASSERT_TRUE(BuildTrends(TrafficDelta(), kMon, kMon + 14 * kDay, o, campaigns, &r, &error));
  ASSERT_EQ(r.campaigns.size(), 1u);
  EXPECT_EQ(r.campaigns[0].who, "new@example.com");
  EXPECT_EQ(r.prev_campaigns, 1u);
  EXPECT_EQ(WeekdayOf(kMon), 0);
  EXPECT_EQ(WeekdayOf(kMon + 6 * kDay + 86399), 6);
  EXPECT_DOUBLE_EQ(r.heat[0][10], 100);  // one Monday 10:00 in the period
  EXPECT_DOUBLE_EQ(r.heat[1][3], 7);
  EXPECT_DOUBLE_EQ(r.heat[0][11], 0);
  EXPECT_DOUBLE_EQ(r.prev_heat[0][10], 50);  // last Monday 10:00
  ASSERT_FALSE(r.rcpt_growing.empty());
  EXPECT_EQ(r.rcpt_growing[0].name, "growing.example");
  EXPECT_EQ(r.rcpt_growing[0].now, 30u);
  EXPECT_EQ(r.rcpt_growing[0].prev, 1u);
  ASSERT_EQ(r.rcpt_shrinking.size(), 1u);
  EXPECT_EQ(r.rcpt_shrinking[0].name, "shrinking.example");

  std::string text, html, json;
  RenderTrendsText(r, &text);
  RenderTrendsHtml(r, &html);
  RenderTrendsJson(r, &json);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("@@"), std::string::npos);  // the busiest cell, darkest
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x"), std::string::npos);
  EXPECT_NE(html.find("background:rgba(200,40,40,1.00)\" title=\"previous period: 50.0\">100<"), std::string::npos);
  EXPECT_NE(text.find("Mon 10:00; the previous period 50.0 there"), std::string::npos);
  EXPECT_NE(text.find("Campaigns: 1 (previous period: 1)"), std::string::npos);
  EXPECT_NE(json.find("\"recipient_domains_growing\""), std::string::npos);
}

}  // namespace
}  // namespace maillens::trends
