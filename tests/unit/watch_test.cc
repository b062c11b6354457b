// watch_test.cc - the watch view's model and frame.
#include <gtest/gtest.h>

#include <string>

#include "pipeline/pipeline.h"
#include "watch/watch_model.h"

namespace maillens::watch {
namespace {

void Feed(WatchModel* m, const std::vector<std::string>& lines) {
  PipelineOptions po;
  po.year.fixed_year = 2026;
  Pipeline p(po, nullptr);
  p.AddSink(m);
  for (const std::string& l : lines) p.ProcessLine(l);
}

std::string Delivery(const char* time, const char* to, const char* status) {
  return std::string("Nov 22 ") + time + " mx postfix/smtp[12]: 4A1B2C3D01: to=<" + to +
         ">, relay=mx.example.net[198.51.100.7]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.4.1, status=" + status +
         " (connect to mx.example.net[198.51.100.7]:25: Connection timed out)";
}

TEST(Sparkline, ScalesToTheMaximum) {
  uint64_t v[] = {0, 1, 4, 8};
  EXPECT_EQ(Sparkline(v, 4, false), " :+@");
  EXPECT_EQ(Sparkline(v, 4, true), " \u2582\u2585\u2588");
  uint64_t zeros[] = {0, 0};
  EXPECT_EQ(Sparkline(zeros, 2, false), "  ");
}

TEST(WatchModel, CountsPerMinuteAndKeepsOnlyTheLastHour) {
  WatchModel m;
  Feed(&m, {Delivery("08:59:10", "a@old.test", "sent"), Delivery("09:58:10", "a@x.test", "sent"),
            Delivery("09:59:10", "b@Slow.test", "deferred"), Delivery("09:59:20", "c@slow.test", "deferred"),
            Delivery("09:59:30", "d@x.test", "sent")});
  EXPECT_EQ(m.Total(Kind::kSent, 1), 1u);
  EXPECT_EQ(m.Total(Kind::kSent, 60), 2u);  // 08:59 is outside the hour 09:00-09:59
  EXPECT_EQ(m.Total(Kind::kDeferred, 60), 2u);
  auto s = m.Series(Kind::kSent);
  EXPECT_EQ(s[59], 1u);
  EXPECT_EQ(s[58], 1u);
  auto top = m.TopDeferrals(5);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].first, "slow.test");
  EXPECT_EQ(top[0].second, 2u);
  ASSERT_EQ(m.problems().size(), 2u);
  m.Advance(m.now() + 3600);
  EXPECT_EQ(m.Total(Kind::kSent, 60), 0u);
  EXPECT_TRUE(m.TopDeferrals(5).empty());
}

// An old log replayed keeps its own clock; a live one that goes quiet
// follows the wall clock. Problems from another day carry their date.
TEST(WatchModel, ReplayedLogKeepsTheLogsClock) {
  setenv("TZ", "UTC", 1);
  tzset();
  WatchModel m;
  Feed(&m, {Delivery("23:59:10", "a@x.test", "deferred")});
  Feed(&m, {"Nov 23 00:00:20 mx postfix/smtp[12]: 4A1B2C3D02: to=<b@x.test>, relay=mx.x.test[198.51.100.7]:25, "
            "delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)"});
  const int64_t newest = m.now();
  m.Tick(newest + 5 * 86400);  // replayed five days later
  EXPECT_TRUE(m.replaying());
  EXPECT_EQ(m.now(), newest);
  EXPECT_EQ(m.Total(Kind::kSent, 60), 1u);
  FrameOptions o;
  o.color = false;
  o.width = 200;
  o.panel = Panel::kProblems;
  std::string f = m.RenderFrame(o);
  EXPECT_NE(f.find("2026-11-23 00:00 (log clock; wall clock 2026-11-28 00:00)"), std::string::npos) << f;
  EXPECT_NE(f.find("2026-11-22 23:59 deferred"), std::string::npos) << f;

  WatchModel live;
  Feed(&live, {Delivery("09:59:10", "a@x.test", "sent")});
  const int64_t before = live.now();
  live.Tick(before + 600);  // ten quiet minutes
  EXPECT_FALSE(live.replaying());
  EXPECT_EQ(live.now(), before + 600);
}

TEST(WatchModel, FrameFitsAndNeutralisesLogContent) {
  WatchModel m;
  Feed(&m, {"Nov 22 09:59:00 mx postfix/smtpd[5]: NOQUEUE: reject: RCPT from evil\x1b]0;pwned\x07[192.0.2.1]: "
            "554 5.7.1 <a@b>: Relay access denied\x1b[2J; from=<x@y> to=<a@b> proto=ESMTP helo=<h>"});
  EXPECT_EQ(m.Total(Kind::kRejected, 1), 1u);
  for (Panel p : {Panel::kSummary, Panel::kDeferrals, Panel::kProblems}) {
    FrameOptions o;
    o.width = 50;
    o.height = 20;
    o.panel = p;
    o.color = false;
    o.unicode = false;
    std::string f = m.RenderFrame(o);
    EXPECT_EQ(f.find('\x1b'), std::string::npos);
    EXPECT_EQ(f.find('\x07'), std::string::npos);
    int lines = 0;
    size_t start = 0;
    for (size_t nl; (nl = f.find('\n', start)) != std::string::npos; start = nl + 1, ++lines)
      EXPECT_LE(nl - start, 50u) << f.substr(start, nl - start);
    EXPECT_LE(lines, 20);
  }
  FrameOptions o;
  o.panel = Panel::kProblems;
  o.color = false;
  o.width = 300;
  std::string f = m.RenderFrame(o);
  EXPECT_NE(f.find("reject"), std::string::npos);
  EXPECT_NE(f.find("Relay access denied"), std::string::npos);
}

}  // namespace
}  // namespace maillens::watch
