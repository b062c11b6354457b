// time_spec_test.cc - ParseTimeSpec: the one time grammar (doc/time.md).
#include <cstdlib>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

#include "util/duration.h"

namespace maillens {
namespace {

// Local time is pinned to Central European time (a POSIX TZ string, so no
// tzdata is needed), and `now` to 2026-11-22 06:30:00 CET (05:30:00Z).
class TimeSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TZ");
    had_tz_ = old != nullptr;
    if (had_tz_) old_tz_ = old;
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) setenv("TZ", old_tz_.c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }
  static int64_t At(const char* text) {
    int64_t e = -12345;
    EXPECT_TRUE(ParseTimeSpec(text, kNow, &e)) << text;
    return e;
  }
  static constexpr int64_t kNow = 1795325400;  // 2026-11-22T05:30:00Z
  bool had_tz_ = false;
  std::string old_tz_;
};

TEST_F(TimeSpecTest, EpochNowAndRelative) {
  EXPECT_EQ(At("1764000000"), 1764000000);
  EXPECT_EQ(At("now"), kNow);
  EXPECT_EQ(At("15m"), kNow - 900);
  EXPECT_EQ(At("1h"), kNow - 3600);
  EXPECT_EQ(At("7d"), kNow - 7 * 86400);
  EXPECT_EQ(At("2w"), kNow - 14 * 86400);
  EXPECT_EQ(At("90s"), kNow - 90);
}

TEST_F(TimeSpecTest, TodayAndYesterdayAreLocalMidnights) {
  EXPECT_EQ(At("today"), 1795302000);      // 2026-11-22T00:00:00+01:00
  EXPECT_EQ(At("yesterday"), 1795215600);  // 2026-11-21T00:00:00+01:00
}

TEST_F(TimeSpecTest, Iso8601) {
  EXPECT_EQ(At("2026-11-22"), 1795302000);
  EXPECT_EQ(At("2026-11-22T06:00"), 1795323600);
  EXPECT_EQ(At("2026-11-22 06:00:00"), 1795323600);
  EXPECT_EQ(At("2026-11-22T05:00:00Z"), 1795323600);
  EXPECT_EQ(At("2026-11-22T05:00:00.123456Z"), 1795323600);
  EXPECT_EQ(At("2026-11-22T07:00:00+02:00"), 1795323600);
  EXPECT_EQ(At("2026-11-22T00:00:00-0500"), 1795323600);
  EXPECT_EQ(At("2026-07-01T12:00"), 1782900000);  // summer time: +02:00
}

TEST_F(TimeSpecTest, TheLogsOwnStampTakesTheYearOfNow) {
  EXPECT_EQ(At("Nov 22 06:00:00"), 1795323600);
  EXPECT_EQ(At("Nov 22 06:00"), 1795323600);
  EXPECT_EQ(At("Nov 22"), 1795302000);
  EXPECT_EQ(At("Nov  2 06:00"), 1793595600);  // syslog's space-padded day
  EXPECT_EQ(At("Nov 2 06:00"), 1793595600);
  // More than a day after now: last year's (a December line read in November).
  EXPECT_EQ(At("Dec 31 23:00"), 1767218400);
  EXPECT_EQ(At("Nov 23 06:00"), 1795410000);  // within a day: this year
}

TEST_F(TimeSpecTest, MalformedIsRefused) {
  for (const char* bad : {"", "tomorrow", "15x", "1h30", "2026-13-01", "2026-11-22T25:00", "2026-11-22T06",
                          "2026-11-22T06:00+", "2026-11-22T06:00Zjunk", "Foo 22 06:00", "Nov 22 6:00", "Nov",
                          "Nov 32", "-5m", "12345678901234567890"}) {
    int64_t e = 7;
    EXPECT_FALSE(ParseTimeSpec(bad, kNow, &e)) << bad;
    EXPECT_EQ(e, 7) << bad;
  }
}

}  // namespace
}  // namespace maillens
