// history_series_test.cc - the Bucketer: per-minute totals and per-hour keys
// from real-shaped log lines (history/series.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "history/series.h"
#include "pipeline/pipeline.h"

namespace maillens::history {
namespace {

// 2026-11-22 10:00:00 UTC (the tests run with TZ=UTC).
constexpr int64_t kT0 = 1795341600;

Delta Bucket(const std::vector<std::string>& lines) {
  PipelineOptions po;
  po.year.fixed_year = 2026;
  Pipeline p(po, nullptr);
  Bucketer b;
  p.AddSink(&b);
  for (const std::string& l : lines) p.ProcessLine(l);
  p.Finish();
  return b.Take();
}

const std::vector<std::string> kLines = {
    "Nov 22 10:00:05 mx postfix/smtpd[10]: 4AB3C1E2F: client=mail.example.net[198.51.100.7]",
    "Nov 22 10:00:05 mx postfix/cleanup[11]: 4AB3C1E2F: message-id=<a@example.net>",
    "Nov 22 10:00:06 mx postfix/qmgr[12]: 4AB3C1E2F: from=<Alice@Example.NET>, size=1200, nrcpt=2 (queue active)",
    "Nov 22 10:00:07 mx postfix/smtp[13]: 4AB3C1E2F: to=<bob@Example.ORG>, relay=mx.example.org[203.0.113.5]:25, "
    "delay=2, delays=1/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "Nov 22 10:01:10 mx postfix/smtp[13]: 4AB3C1E2F: to=<carol@example.com>, relay=none, delay=65, "
    "delays=1/0/64/0, dsn=4.4.1, status=deferred (connect to mx.example.com[192.0.2.9]:25: Connection timed out)",
    "Nov 22 10:59:59 mx postfix/smtpd[14]: NOQUEUE: reject: RCPT from unknown[192.0.2.55]: 554 5.7.1 Service "
    "unavailable; Client host [192.0.2.55] blocked using zen.spamhaus.org; from=<x@spam.test> "
    "to=<bob@example.org> proto=ESMTP helo=<x>",
    "Nov 22 11:00:00 mx postfix/submission/smtpd[15]: warning: unknown[2001:db8:1:2:3::4]: SASL LOGIN "
    "authentication failed: UGFzc3dvcmQ6, sasl_username=eve",
};

TEST(Bucketer, CountsPerMinuteWithTheAlertRules) {
  Delta d = Bucket(kLines);
  ASSERT_EQ(d.minutes.size(), 4u);  // 10:00, 10:01, 10:59, 11:00
  const Counts& m0 = d.minutes.at(kT0);
  EXPECT_EQ(m0[Measure::kReceived], 1u);
  EXPECT_EQ(m0[Measure::kDelivered], 1u);
  EXPECT_EQ(m0[Measure::kDeferred], 0u);
  EXPECT_EQ(d.minutes.at(kT0 + 60)[Measure::kDeferred], 1u);
  EXPECT_EQ(d.minutes.at(kT0 + 59 * 60)[Measure::kRejected], 1u);
  EXPECT_EQ(d.minutes.at(kT0 + 3600)[Measure::kAuthFailures], 1u);
}

TEST(Bucketer, CountsPerHourPerKey) {
  Delta d = Bucket(kLines);
  ASSERT_EQ(d.hours.size(), 2u);
  const HourCounts& h = d.hours.at(kT0);
  const KeyCounts& rcpt = h[static_cast<int>(Dim::kRcptDomain)];
  ASSERT_TRUE(rcpt.contains(std::string("example.org")));  // folded: Example.ORG and example.org are one
  EXPECT_EQ(rcpt.at(std::string("example.org"))[Measure::kDelivered], 1u);
  EXPECT_EQ(rcpt.at(std::string("example.org"))[Measure::kRejected], 1u);
  EXPECT_EQ(rcpt.at(std::string("example.com"))[Measure::kDeferred], 1u);
  const KeyCounts& sender = h[static_cast<int>(Dim::kSenderDomain)];
  ASSERT_TRUE(sender.contains(std::string("example.net")));
  EXPECT_EQ(sender.at(std::string("example.net"))[Measure::kReceived], 1u);
  EXPECT_EQ(sender.at(std::string("example.net"))[Measure::kDelivered], 1u);
  EXPECT_EQ(sender.at(std::string("example.net"))[Measure::kDeferred], 1u);
  const KeyCounts& net = h[static_cast<int>(Dim::kClientNet)];
  EXPECT_EQ(net.at(std::string("198.51.100.0/24"))[Measure::kReceived], 1u);
  EXPECT_EQ(net.at(std::string("198.51.100.0/24"))[Measure::kDelivered], 1u);  // the message's client
  EXPECT_EQ(net.at(std::string("192.0.2.0/24"))[Measure::kRejected], 1u);
  EXPECT_EQ(h[static_cast<int>(Dim::kRejectClass)].at(std::string("rbl"))[Measure::kRejected], 1u);
  const HourCounts& h1 = d.hours.at(kT0 + 3600);
  EXPECT_EQ(h1[static_cast<int>(Dim::kSaslUser)].at(std::string("eve"))[Measure::kAuthFailures], 1u);
  EXPECT_EQ(h1[static_cast<int>(Dim::kClientNet)].at(std::string("2001:db8:1:2::/64"))[Measure::kAuthFailures], 1u);
}

TEST(Bucketer, DeltasAddUpAcrossTakes) {
  std::vector<std::string> first(kLines.begin(), kLines.begin() + 4), rest(kLines.begin() + 4, kLines.end());
  Delta whole = Bucket(kLines);
  PipelineOptions po;
  po.year.fixed_year = 2026;
  Pipeline p(po, nullptr);
  Bucketer b;
  p.AddSink(&b);
  for (const std::string& l : first) p.ProcessLine(l);
  Delta sum = b.Take();
  EXPECT_TRUE(b.pending().empty());
  for (const std::string& l : rest) p.ProcessLine(l);
  p.Finish();
  sum.Add(b.Take());
  ASSERT_EQ(sum.minutes.size(), whole.minutes.size());
  for (const auto& [t, c] : whole.minutes) EXPECT_EQ(sum.minutes.at(t).n, c.n) << t;
  ASSERT_EQ(sum.hours.size(), whole.hours.size());
  for (const auto& [t, h] : whole.hours)
    for (int dim = 0; dim < kDimCount; ++dim) {
      ASSERT_EQ(sum.hours.at(t)[dim].size(), h[dim].size());
      for (const auto& [k, c] : h[dim]) EXPECT_EQ(sum.hours.at(t)[dim].at(k).n, c.n) << k;
    }
}

TEST(ClientNetwork, FoldsToTheNetwork) {
  std::string out;
  ClientNetwork("203.0.113.77", &out);
  EXPECT_EQ(out, "203.0.113.0/24");
  ClientNetwork("2001:db8:aa:bb:cc::1", &out);
  EXPECT_EQ(out, "2001:db8:aa:bb::/64");
  ClientNetwork("2001:db8::1", &out);  // "::" inside the /64: not folded
  EXPECT_EQ(out, "");
  ClientNetwork("unknown", &out);
  EXPECT_EQ(out, "");
  ClientNetwork("1.2.3", &out);
  EXPECT_EQ(out, "");
}

TEST(Measure, NamesRoundTrip) {
  for (int i = 0; i < kMeasureCount; ++i) {
    Measure m;
    ASSERT_TRUE(ParseMeasure(MeasureName(static_cast<Measure>(i)), &m));
    EXPECT_EQ(static_cast<int>(m), i);
  }
  Dim d;
  EXPECT_TRUE(ParseDim("client_net", &d));
  EXPECT_EQ(d, Dim::kClientNet);
  EXPECT_FALSE(ParseDim("nope", &d));
}

}  // namespace
}  // namespace maillens::history
