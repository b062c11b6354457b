// year_tracker_test.cc - YearTracker: years never go backwards (issue 13 item 2), and ParseStamp is stateless.
#include "syslog/year_tracker.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "syslog/stamp.h"

namespace maillens {
namespace {

void UseUtc() {
  setenv("TZ", "UTC", 1);
  tzset();
}

int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// Dates each stamp ("Mar 28 10:00:00") through one tracker; "YYYY-MM-DD" each.
std::vector<std::string> Dates(YearPolicy policy, const std::vector<std::string>& stamps) {
  YearTracker t(policy);
  std::vector<std::string> out;
  for (const std::string& s : stamps) {
    std::string line = s + " mx postfix/qmgr[9]: ABCDE12345: removed";
    SyslogHeader h;
    if (!ParseStamp(line, &h)) {
      out.push_back("unparsed");
      continue;
    }
    t.Resolve(&h);
    char buf[32];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", h.year, h.month, h.day);
    out.push_back(buf);
    EXPECT_EQ(h.date, DaysFromCivil(h.year, h.month, h.day)) << s;
  }
  return out;
}

YearPolicy Fixed(int year) {
  YearPolicy p;
  p.fixed_year = year;
  return p;
}

TEST(YearTracker, IssueSequenceWithGap) {
  UseUtc();
  // The issue's log: Mar 28 -> Oct 31 -> Dec 31 -> Jan 01 with --year 2021.
  EXPECT_EQ(Dates(Fixed(2021), {"Mar 28 10:00:00", "Oct 31 10:00:00", "Dec 31 23:59:59", "Jan  1 00:00:01"}),
            (std::vector<std::string>{"2021-03-28", "2021-10-31", "2021-12-31", "2022-01-01"}));
}

TEST(YearTracker, GapOfMoreThanSixMonthsFromJanuary) {
  UseUtc();
  EXPECT_EQ(Dates(Fixed(2021), {"Jan  2 10:00:00", "Aug 30 10:00:00", "Jan  2 10:00:00"}),
            (std::vector<std::string>{"2021-01-02", "2021-08-30", "2022-01-02"}));
}

TEST(YearTracker, SeveralYearsInOneFile) {
  UseUtc();
  EXPECT_EQ(Dates(Fixed(2019), {"Nov  1 00:00:00", "Dec 31 23:00:00", "Jan  1 01:00:00", "Jun 30 00:00:00",
                                "Dec 30 00:00:00", "Jan  5 00:00:00", "Mar  1 00:00:00"}),
            (std::vector<std::string>{"2019-11-01", "2019-12-31", "2020-01-01", "2020-06-30", "2020-12-30",
                                      "2021-01-05", "2021-03-01"}));
}

TEST(YearTracker, BackwardStepBeyondSlackIsNextYear) {
  UseUtc();
  // Mar 28, then (after a long gap) Feb 1: more than 31 days behind, so next year.
  EXPECT_EQ(Dates(Fixed(2021), {"Mar 28 10:00:00", "Feb  1 10:00:00"}),
            (std::vector<std::string>{"2021-03-28", "2022-02-01"}));
}

TEST(YearTracker, OutOfOrderMergedLinesStayInYearAndDoNotMoveIt) {
  UseUtc();
  // A merged log: a second host a few hours behind, across New Year.
  EXPECT_EQ(Dates(Fixed(2021), {"Dec 31 23:59:00", "Jan  1 00:00:05", "Dec 31 23:59:59", "Dec 31 20:00:00",
                                "Jan  1 00:00:06", "Dec 25 08:00:00", "Jan  2 00:00:00"}),
            (std::vector<std::string>{"2021-12-31", "2022-01-01", "2021-12-31", "2021-12-31", "2022-01-01",
                                      "2021-12-25", "2022-01-02"}));
  // Within a year: a line a week behind (two files concatenated) is not a new year.
  EXPECT_EQ(Dates(Fixed(2021), {"Mar 28 10:00:00", "Mar 21 10:00:00", "Mar 28 10:00:01"}),
            (std::vector<std::string>{"2021-03-28", "2021-03-21", "2021-03-28"}));
}

TEST(YearTracker, EpochFollowsTheYear) {
  UseUtc();
  YearTracker t(Fixed(2021));
  SyslogHeader h;
  ASSERT_TRUE(ParseStamp("Mar 28 10:00:00 mx postfix/qmgr[9]: A: removed", &h));
  t.Resolve(&h);
  ASSERT_TRUE(ParseStamp("Oct 31 10:00:00 mx postfix/qmgr[9]: A: removed", &h));
  t.Resolve(&h);
  EXPECT_EQ(h.epoch, Utc(2021, 10, 31, 10, 0, 0));
  EXPECT_EQ(t.year(), 2021);
}

TEST(YearTracker, Rfc3339MovesThePosition) {
  UseUtc();
  YearTracker t(Fixed(2000));
  SyslogHeader h;
  ASSERT_TRUE(ParseStamp("2023-12-31T23:00:00Z mx postfix/qmgr[9]: A: removed", &h));
  EXPECT_EQ(h.epoch, Utc(2023, 12, 31, 23, 0, 0));  // complete without the tracker
  t.Resolve(&h);
  EXPECT_EQ(t.year(), 2023);
  ASSERT_TRUE(ParseStamp("Jan  1 00:00:01 mx postfix/qmgr[9]: A: removed", &h));
  t.Resolve(&h);
  EXPECT_EQ(h.year, 2024);
}

TEST(YearTracker, StampParseIsStateless) {
  // The same traditional line parsed twice gives the same header, no year.
  SyslogHeader a, b;
  ASSERT_TRUE(ParseStamp("Dec 31 23:59:59 mx postfix/qmgr[9]: A: removed", &a));
  ASSERT_TRUE(ParseStamp("Jan  1 00:00:00 mx postfix/qmgr[9]: A: removed", &b));
  ASSERT_TRUE(ParseStamp("Dec 31 23:59:59 mx postfix/qmgr[9]: A: removed", &b));
  EXPECT_EQ(a.year, 0);
  EXPECT_EQ(b.year, 0);
  EXPECT_EQ(a.month, b.month);
  EXPECT_EQ(a.day, b.day);
  EXPECT_EQ(b.program, "postfix/qmgr");
}

}  // namespace
}  // namespace maillens
