// header_test.cc - HeaderParser: timestamps, host, program tag, years.
#include "syslog/header.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace maillens {
namespace {

void UseUtc() {
  setenv("TZ", "UTC", 1);
  tzset();
}

// Seconds since the epoch of a UTC wall-clock time.
int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

YearPolicy Fixed(int year) {
  YearPolicy p;
  p.fixed_year = year;
  return p;
}

YearPolicy Reference(int64_t epoch) {
  YearPolicy p;
  p.reference_epoch = epoch;
  return p;
}

TEST(Header, DaysFromCivil) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1970, 1, 2), 1);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2024, 3, 1) - DaysFromCivil(2024, 2, 28), 2);  // leap year
  EXPECT_EQ(DaysFromCivil(2023, 3, 1) - DaysFromCivil(2023, 2, 28), 1);
  EXPECT_EQ(DaysFromCivil(2026, 11, 22), 20779);
}

TEST(Header, MonthFromName) {
  for (int i = 0; i < 12; ++i) EXPECT_EQ(MonthFromName(kMonthNames[i]), i + 1) << kMonthNames[i];
  EXPECT_EQ(MonthFromName("Foo"), 0);
  EXPECT_EQ(MonthFromName("jan"), 0);
  EXPECT_EQ(MonthFromName("Janu"), 0);
  EXPECT_EQ(MonthFromName(""), 0);
}

TEST(Header, TraditionalSpacePadded) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  const std::string line = "Nov  2 03:04:05 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]";
  ASSERT_TRUE(p.Parse(line, &h));
  EXPECT_EQ(h.format, TimeFormat::kTraditional);
  EXPECT_EQ(h.year, 2026);
  EXPECT_EQ(h.month, 11);
  EXPECT_EQ(h.day, 2);
  EXPECT_EQ(h.hour, 3);
  EXPECT_EQ(h.minute, 4);
  EXPECT_EQ(h.second, 5);
  EXPECT_EQ(h.usec, 0);
  EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 3, 4, 5));
  EXPECT_EQ(h.civil_day(), DaysFromCivil(2026, 11, 2));
  EXPECT_EQ(h.host, "mx");
  EXPECT_EQ(h.program, "postfix/smtpd");
  EXPECT_EQ(h.service, "postfix");
  EXPECT_EQ(h.daemon, "smtpd");
  EXPECT_EQ(h.pid, 27827);
  EXPECT_EQ(h.message, "connect from localhost[127.0.0.1]");
}

TEST(Header, TraditionalZeroPaddedAndUnpaddedDays) {
  UseUtc();
  for (const char* line : {"Nov 02 03:04:05 mx postfix/qmgr[9]: ABCDE12345: removed",
                           "Nov 2 03:04:05 mx postfix/qmgr[9]: ABCDE12345: removed",
                           "Nov  2 03:04:05 mx postfix/qmgr[9]: ABCDE12345: removed"}) {
    SCOPED_TRACE(line);
    HeaderParser p(Fixed(2026));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse(line, &h));
    EXPECT_EQ(h.month, 11);
    EXPECT_EQ(h.day, 2);
    EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 3, 4, 5));
    EXPECT_EQ(h.host, "mx");
    EXPECT_EQ(h.daemon, "qmgr");
    EXPECT_EQ(h.pid, 9);
    EXPECT_EQ(h.message, "ABCDE12345: removed");
  }
  // Two-digit days, both paddings irrelevant.
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Dec 31 23:59:59 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.day, 31);
  EXPECT_EQ(h.epoch, Utc(2026, 12, 31, 23, 59, 59));
}

TEST(Header, Rfc3339WithOffsets) {
  UseUtc();
  struct Case {
    const char* line;
    int64_t epoch;
    int32_t usec;
  };
  const Case cases[] = {
      {"2026-11-02T03:04:05.123456+01:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
       Utc(2026, 11, 2, 3, 4, 5) - 3600, 123456},
      {"2026-11-02T03:04:05.123456Z mx postfix/smtpd[1]: connect from a[192.0.2.1]", Utc(2026, 11, 2, 3, 4, 5),
       123456},
      {"2026-11-02T03:04:05.5-02:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
       Utc(2026, 11, 2, 3, 4, 5) + 7200, 500000},
      {"2026-11-02T03:04:05+05:30 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
       Utc(2026, 11, 2, 3, 4, 5) - 5 * 3600 - 30 * 60, 0},
      // Offset crossing midnight backwards into the previous day and year.
      {"2027-01-01T00:30:00.000001+01:00 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
       Utc(2026, 12, 31, 23, 30, 0), 1},
      // Real rsyslog high-precision lines (pmg-log-tracker corpus).
      {"2023-06-23T14:26:29.324152+02:00 pmg1 postfix/smtpd[1181]: connect from a[192.0.2.1]",
       Utc(2023, 6, 23, 12, 26, 29), 324152},
      {"2023-06-23T14:27:40.550321Z pmg1 postfix/smtpd[1181]: connect from a[192.0.2.1]",
       Utc(2023, 6, 23, 14, 27, 40), 550321},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    // The reference is far away: RFC 3339 years are kept as written.
    HeaderParser p(Reference(Utc(2030, 6, 1, 0, 0, 0)));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse(c.line, &h));
    EXPECT_EQ(h.format, TimeFormat::kRfc3339);
    EXPECT_EQ(h.epoch, c.epoch);
    EXPECT_EQ(h.usec, c.usec);
    EXPECT_EQ(h.daemon, "smtpd");
    EXPECT_EQ(h.message, "connect from a[192.0.2.1]");
  }
  // Wall-clock fields are as written, not converted to UTC.
  HeaderParser p(Reference(0));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("2026-11-02T03:04:05.123456+01:00 mx postfix/smtpd[1]: x", &h));
  EXPECT_EQ(h.year, 2026);
  EXPECT_EQ(h.month, 11);
  EXPECT_EQ(h.day, 2);
  EXPECT_EQ(h.hour, 3);
  EXPECT_EQ(h.minute, 4);
  EXPECT_EQ(h.second, 5);
  EXPECT_EQ(h.host, "mx");
}

TEST(Header, IsoLocalTime) {
  UseUtc();
  HeaderParser p(Reference(Utc(2030, 1, 1, 0, 0, 0)));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("2026-11-02 03:04:05 mx postfix/pickup[77]: ABCDE12345: uid=0 from=<root>", &h));
  EXPECT_EQ(h.format, TimeFormat::kIso);
  EXPECT_EQ(h.year, 2026);
  EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 3, 4, 5));
  EXPECT_EQ(h.host, "mx");
  EXPECT_EQ(h.program, "postfix/pickup");
  EXPECT_EQ(h.pid, 77);
  EXPECT_EQ(h.message, "ABCDE12345: uid=0 from=<root>");
}

TEST(Header, TimesWithoutOffsetFollowTz) {
  // A fixed-offset POSIX zone (no tzdata needed): local = UTC-5.
  setenv("TZ", "EST5", 1);
  tzset();
  {
    HeaderParser p(Fixed(2026));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 8, 4, 5));
    EXPECT_EQ(h.hour, 3);  // wall clock as written
    ASSERT_TRUE(p.Parse("2026-11-02 03:04:05 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 8, 4, 5));
    // An explicit offset is not affected by TZ.
    ASSERT_TRUE(p.Parse("2026-11-02T03:04:05Z mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 3, 4, 5));
  }
  UseUtc();
}

TEST(Header, HostlessDovecotLines) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Nov 22 05:38:34 auth: Info: passwd-file(admin,127.0.0.66): unknown user", &h));
  EXPECT_TRUE(h.host.empty());
  EXPECT_EQ(h.program, "auth");
  EXPECT_EQ(h.daemon, "auth");
  EXPECT_TRUE(h.service.empty());
  EXPECT_EQ(h.pid, -1);
  EXPECT_EQ(h.message, "Info: passwd-file(admin,127.0.0.66): unknown user");
  EXPECT_EQ(h.epoch, Utc(2026, 11, 22, 5, 38, 34));

  ASSERT_TRUE(p.Parse("Nov 22 05:38:34 master: Info: Dovecot v2.3.19.1 (9b53102964) starting up", &h));
  EXPECT_TRUE(h.host.empty());
  EXPECT_EQ(h.program, "master");
  EXPECT_EQ(h.message, "Info: Dovecot v2.3.19.1 (9b53102964) starting up");

  // A host-less line with a pid.
  ASSERT_TRUE(p.Parse("Nov 22 05:38:35 postfix/smtpd[123]: connect from a[192.0.2.1]", &h));
  EXPECT_TRUE(h.host.empty());
  EXPECT_EQ(h.program, "postfix/smtpd");
  EXPECT_EQ(h.pid, 123);
  EXPECT_EQ(h.message, "connect from a[192.0.2.1]");

  // With a host the same program is not mistaken for a host.
  ASSERT_TRUE(p.Parse("Nov 22 05:38:35 mail dovecot: imap-login: Login: user=<a@b>, rip=1.2.3.4", &h));
  EXPECT_EQ(h.host, "mail");
  EXPECT_EQ(h.program, "dovecot");
  EXPECT_EQ(h.pid, -1);
  EXPECT_EQ(h.message, "imap-login: Login: user=<a@b>, rip=1.2.3.4");
}

TEST(Header, SolarisIdTagStripped) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse(
      "Nov  2 03:04:05 mx postfix/smtpd[123]: [ID 197553 mail.info] connect from a.example.com[192.0.2.1]", &h));
  EXPECT_EQ(h.host, "mx");
  EXPECT_EQ(h.daemon, "smtpd");
  EXPECT_EQ(h.pid, 123);
  EXPECT_EQ(h.message, "connect from a.example.com[192.0.2.1]");
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/qmgr[9]: [ID 197553 mail.info] ABCDE12345: removed", &h));
  EXPECT_EQ(h.message, "ABCDE12345: removed");
}

TEST(Header, ProgramSplit) {
  UseUtc();
  struct Case {
    const char* line;
    const char* program;
    const char* service;
    const char* daemon;
  };
  const Case cases[] = {
      {"Nov  2 03:04:05 mx postfix/submission/smtpd[28040]: x", "postfix/submission/smtpd", "postfix/submission",
       "smtpd"},
      {"Sep  3 12:39:14 mailhost postfix-1.2.3.4/smtp[24086]: x", "postfix-1.2.3.4/smtp", "postfix-1.2.3.4", "smtp"},
      {"Jun 16 00:07:43 smtpnode07 postfix-10.20.30.40/smtp[3022]: x", "postfix-10.20.30.40/smtp",
       "postfix-10.20.30.40", "smtp"},
      {"Mar 11 23:27:54 server postfix-smo/submission/smtpd[22427]: x", "postfix-smo/submission/smtpd",
       "postfix-smo/submission", "smtpd"},
      {"Nov  2 03:04:05 mx postfix/smtpd[1]: x", "postfix/smtpd", "postfix", "smtpd"},
      {"Nov  2 03:04:05 mx dovecot[442]: x", "dovecot", "", "dovecot"},
      {"Nov  2 03:04:05 mx postfix-script[1]: x", "postfix-script", "", "postfix-script"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.line);
    HeaderParser p(Fixed(2026));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse(c.line, &h));
    EXPECT_EQ(h.program, c.program);
    EXPECT_EQ(h.service, c.service);
    EXPECT_EQ(h.daemon, c.daemon);
    EXPECT_EQ(h.message, "x");
  }
}

TEST(Header, Pid) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[0]: x", &h));
  EXPECT_EQ(h.pid, 0);
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[3508454]: x", &h));
  EXPECT_EQ(h.pid, 3508454);
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[4294967296]: x", &h));
  EXPECT_EQ(h.pid, 4294967296LL);
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx dovecot: imap-login: x", &h));
  EXPECT_EQ(h.pid, -1);
  EXPECT_EQ(h.message, "imap-login: x");
  // Broken pids.
  EXPECT_FALSE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[12a]: x", &h));
  EXPECT_FALSE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[]: x", &h));
  EXPECT_FALSE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[123 x", &h));
}

TEST(Header, JunkRejected) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  const std::string binary("\x00\x01\x02\xff\xfe\x1b[31m\x00\x00garbage bytes here\x7f\x80", 33);
  const std::string cases[] = {
      "",
      binary,
      std::string(200, '\0'),
      "Foo 12 03:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "nov 12 03:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 32 03:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov  0 03:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 12 24:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 12 03:60:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 12 3:04:05 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 12 03:04:05",
      "Nov 12 03:04:05 ",
      "Nov 12 03:04:05 mx",
      "Nov 12 03:04:05 mx postfix/smtpd",
      "Nov 12 03:04:05 mx postfix/smtpd no colon here",
      "2026-13-02T03:04:05Z mx postfix/smtpd[1]: x",
      "2026-11-00T03:04:05Z mx postfix/smtpd[1]: x",
      "2026-11-02X03:04:05Z mx postfix/smtpd[1]: x",
      "2026-11-02T03:04:05Zmx postfix/smtpd[1]: x",
      "20261102T030405Z mx postfix/smtpd[1]: x",
      "@400000004c91b044077a9e94 imap-login: Info: Aborted login",
      "just some text that is long enough to be a line",
  };
  for (const std::string& line : cases) {
    SCOPED_TRACE(testing::PrintToString(line));
    EXPECT_FALSE(p.Parse(line, &h));
  }
  // The parser is still usable after junk.
  ASSERT_TRUE(p.Parse("Nov  2 03:04:05 mx postfix/smtpd[1]: x", &h));
  EXPECT_EQ(h.epoch, Utc(2026, 11, 2, 3, 4, 5));
}

TEST(Header, YearFromReferenceInJanuary) {
  UseUtc();
  // Reference: 10 January 2027. A December line is from 2026.
  HeaderParser p(Reference(Utc(2027, 1, 10, 12, 0, 0)));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Dec 30 23:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2026);
  EXPECT_EQ(h.epoch, Utc(2026, 12, 30, 23, 0, 0));
  EXPECT_EQ(h.civil_day(), DaysFromCivil(2026, 12, 30));
}

TEST(Header, YearFromReferenceSameYear) {
  UseUtc();
  {
    HeaderParser p(Reference(Utc(2027, 1, 10, 12, 0, 0)));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse("Jan  9 08:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.year, 2027);
  }
  {
    // Weeks after the reference's date: last year's.
    HeaderParser p(Reference(Utc(2027, 1, 10, 12, 0, 0)));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse("Jan 25 08:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.year, 2026);
  }
  {
    HeaderParser p(Reference(Utc(2026, 11, 22, 5, 39, 49)));
    SyslogHeader h;
    ASSERT_TRUE(p.Parse("Nov 22 05:38:34 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
    EXPECT_EQ(h.year, 2026);
    EXPECT_EQ(h.epoch, Utc(2026, 11, 22, 5, 38, 34));
  }
}

TEST(Header, DecemberToJanuaryRolloverInStream) {
  UseUtc();
  HeaderParser p(Reference(Utc(2027, 1, 10, 12, 0, 0)));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Dec 31 23:59:58 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2026);
  ASSERT_TRUE(p.Parse("Jan  1 00:00:01 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2027);
  EXPECT_EQ(h.epoch, Utc(2027, 1, 1, 0, 0, 1));
  ASSERT_TRUE(p.Parse("Jan  2 00:00:01 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2027);
}

TEST(Header, StrayDecemberLineAfterJanuary) {
  UseUtc();
  HeaderParser p(Reference(Utc(2027, 1, 10, 12, 0, 0)));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Jan  3 10:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2027);
  // A late line from last December: dated 2026 ...
  ASSERT_TRUE(p.Parse("Dec 31 23:59:59 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2026);
  EXPECT_EQ(h.epoch, Utc(2026, 12, 31, 23, 59, 59));
  // ... without moving the stream: the next January line is still 2027 (no
  // second rollover to 2028).
  ASSERT_TRUE(p.Parse("Jan  3 10:00:01 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2027);
  EXPECT_EQ(h.epoch, Utc(2027, 1, 3, 10, 0, 1));
}

TEST(Header, FixedYear) {
  UseUtc();
  // The reference says 2027; --year says 2019.
  YearPolicy policy;
  policy.reference_epoch = Utc(2027, 1, 10, 0, 0, 0);
  policy.fixed_year = 2019;
  HeaderParser p(policy);
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Mar  1 00:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2019);
  EXPECT_EQ(h.epoch, Utc(2019, 3, 1, 0, 0, 0));
  ASSERT_TRUE(p.Parse("Jul 15 12:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2019);
  ASSERT_TRUE(p.Parse("Dec 31 12:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2019);
  ASSERT_TRUE(p.Parse("Jan  1 12:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2020);  // the stream rolls over from the fixed year
  EXPECT_EQ(h.epoch, Utc(2020, 1, 1, 12, 0, 0));
}

TEST(Header, FixedYearLeapDay) {
  UseUtc();
  HeaderParser p(Fixed(2024));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("Feb 29 12:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2024);
  EXPECT_EQ(h.epoch, Utc(2024, 2, 29, 12, 0, 0));
}

TEST(Header, Rfc3339YearKeptAndStreamFollows) {
  UseUtc();
  HeaderParser p(Reference(Utc(2030, 6, 1, 0, 0, 0)));
  SyslogHeader h;
  ASSERT_TRUE(p.Parse("2019-05-01T10:00:00Z mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2019);
  // A traditional line after it follows the stream, not the reference.
  ASSERT_TRUE(p.Parse("May  1 10:00:01 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.year, 2019);
  EXPECT_EQ(h.epoch, Utc(2019, 5, 1, 10, 0, 1));
}

TEST(Header, EpochAdvancesWithinCachedHour) {
  UseUtc();
  HeaderParser p(Fixed(2026));
  SyslogHeader h;
  int64_t prev = 0;
  for (int m = 0; m < 60; m += 7) {
    char line[128];
    std::snprintf(line, sizeof line, "Nov 22 05:%02d:%02d mx postfix/qmgr[9]: ABCDE12345: removed", m, (m * 3) % 60);
    ASSERT_TRUE(p.Parse(line, &h)) << line;
    EXPECT_EQ(h.epoch, Utc(2026, 11, 22, 5, m, (m * 3) % 60)) << line;
    EXPECT_GT(h.epoch, prev);
    prev = h.epoch;
  }
  ASSERT_TRUE(p.Parse("Nov 22 06:00:00 mx postfix/qmgr[9]: ABCDE12345: removed", &h));
  EXPECT_EQ(h.epoch, Utc(2026, 11, 22, 6, 0, 0));
}

}  // namespace
}  // namespace maillens
