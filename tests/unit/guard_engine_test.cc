// guard_engine_test.cc - BanEngine (fail2ban's counting and banning), IpSet,
// ban actions' command lines, and LineMatcher on single lines.
#include <gtest/gtest.h>

#include "guard/actions.h"
#include "guard/ban_engine.h"
#include "guard/detector.h"
#include "guard/matcher.h"

namespace maillens::guard {
namespace {

BanPolicy Policy(int maxretry, int64_t findtime, int64_t bantime) {
  BanPolicy p;
  p.maxretry = maxretry;
  p.findtime = findtime;
  p.bantime = bantime;
  return p;
}

TEST(GuardEngine, BansAtMaxretryWithinFindtime) {
  BanEngine e(Policy(3, 600, 100));
  EXPECT_EQ(e.AddFailure("192.0.2.1", 1000), -1);
  EXPECT_EQ(e.AddFailure("192.0.2.1", 1100), -1);
  EXPECT_EQ(e.AddFailure("192.0.2.2", 1150), -1);
  ASSERT_EQ(e.AddFailure("192.0.2.1", 1200), 0);
  const Ban& b = e.bans()[0];
  EXPECT_EQ(b.ip, "192.0.2.1");
  EXPECT_EQ(b.start, 1200);
  EXPECT_EQ(b.end, 1300);
  EXPECT_EQ(b.failures, 3);
  EXPECT_TRUE(e.IsBanned("192.0.2.1", 1299));
  EXPECT_FALSE(e.IsBanned("192.0.2.1", 1300));
}

TEST(GuardEngine, StaleTicketIsDroppedAndRateIsRescaled) {
  BanEngine e(Policy(3, 600, 100));
  e.AddFailure("192.0.2.1", 0);
  e.AddFailure("192.0.2.1", 10);
  EXPECT_EQ(e.AddFailure("192.0.2.1", 700), -1);  // last (10) is findtime old: fresh ticket
  // first=700: failures at 1000 and 1301 (1301-700 > 600): retry 2 -> round(2/601*600)=2, +1 = 3.
  EXPECT_EQ(e.AddFailure("192.0.2.1", 1000), -1);
  EXPECT_EQ(e.AddFailure("192.0.2.1", 1301), 0);
}

TEST(GuardEngine, ProlongsRunningBanAndIncrementsRepeatOffenders) {
  BanPolicy p = Policy(1, 600, 100);
  p.increment = true;
  BanEngine e(p);
  ASSERT_EQ(e.AddFailure("2001:db8::1", 0), 0);
  EXPECT_EQ(e.AddFailure("2001:db8::1", 50), -1);  // still banned: prolonged
  EXPECT_EQ(e.bans()[0].end, 150);
  EXPECT_EQ(e.Evaluate(150).size(), 1u);
  ASSERT_EQ(e.AddFailure("2001:db8::1", 200), 1);  // second ban: 2x
  EXPECT_EQ(e.bans()[1].end, 400);
  EXPECT_EQ(e.bans()[1].count, 2);
  e.Compact();
  ASSERT_EQ(e.bans().size(), 1u);
  EXPECT_TRUE(e.IsBanned("2001:db8::1", 399));
  EXPECT_EQ(e.Evaluate(400).size(), 1u);
  e.Compact();
  EXPECT_TRUE(e.bans().empty());
  ASSERT_EQ(e.AddFailure("2001:db8::1", 500), 0);  // third ban: 4x, the count survived Compact()
  EXPECT_EQ(e.bans()[0].end, 900);
}

TEST(GuardEngine, IgnoreIpIsNeverCountedAndStateRoundTrips) {
  BanPolicy p = Policy(1, 600, 100);
  ASSERT_TRUE(p.ignore.Add("192.0.2.0/24"));
  ASSERT_TRUE(p.ignore.Add("2001:db8::/32"));
  EXPECT_FALSE(p.ignore.Add("192.0.2.0/33"));
  EXPECT_FALSE(p.ignore.Add("bogus"));
  BanEngine e(p);
  EXPECT_EQ(e.AddFailure("192.0.2.77", 0), -1);
  EXPECT_EQ(e.AddFailure("2001:db8:5::1", 0), -1);
  EXPECT_EQ(e.AddFailure("198.51.100.1", 0), 0);
  EXPECT_TRUE(e.bans().size() == 1);
  BanEngine f(Policy(1, 600, 100));
  ASSERT_TRUE(f.Load(e.Save()).ok());
  EXPECT_TRUE(f.IsBanned("198.51.100.1", 50));
  EXPECT_EQ(f.Save(), e.Save());
  EXPECT_FALSE(f.Load("junk").ok());
  EXPECT_FALSE(f.Load("guard-state 1\nT not-an-ip 1 2 3\n").ok());
}

TEST(GuardActions, CommandLines) {
  Ban b;
  b.ip = "192.0.2.9";
  b.start = 1000;
  b.end = 1600;
  b.failures = 5;
  ActionConfig c;
  ASSERT_TRUE(ParseAction("nft", &c));
  EXPECT_EQ(ShellQuote(BanCommand(c, b, 1100)), "nft add element inet maillens guard '{' 192.0.2.9 timeout 500s '}'");
  ASSERT_TRUE(ParseAction("ipset:bad", &c));
  EXPECT_EQ(ShellQuote(BanCommand(c, b, 1100)), "ipset add bad 192.0.2.9 timeout 500 -exist");
  b.ip = "2001:db8::9";
  EXPECT_EQ(ShellQuote(BanCommand(c, b, 1100)), "ipset add bad6 2001:db8::9 timeout 500 -exist");
  ASSERT_TRUE(ParseAction("fail2ban:postfix-sasl", &c));
  EXPECT_EQ(ShellQuote(BanCommand(c, b, 1100)), "fail2ban-client set postfix-sasl banip 2001:db8::9");
  ASSERT_TRUE(ParseAction("exec:/usr/local/bin/hook it", &c));
  EXPECT_EQ(ShellQuote(BanCommand(c, b, 1100)), "'/usr/local/bin/hook it' 2001:db8::9 1000 1600 5");
  EXPECT_FALSE(ParseAction("nft:inet:t;rm -rf /:s", &c));
  EXPECT_FALSE(ParseAction("iptables", &c));
  EXPECT_EQ(RunCommand({"true"}), 0);
  EXPECT_EQ(RunCommand({"false"}), 1);
}

TEST(GuardMatcher, SaslUserAndModes) {
  MatcherOptions o;
  o.filter = Filter::kPostfix;
  o.mode = Mode::kAuth;
  LineMatcher m(o);
  Match r;
  ASSERT_TRUE(m.Match("Nov 22 05:38:38 mx postfix/submission/smtpd[28040]: warning: unknown[127.0.0.66]: SASL "
                      "LOGIN authentication failed: (reason unavailable), sasl_username=admin", &r));
  EXPECT_EQ(r.ip, "127.0.0.66");
  EXPECT_EQ(r.user, "admin");
  EXPECT_EQ(r.source, Source::kPostfixSasl);
  EXPECT_FALSE(m.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN "
                       "authentication failed: Connection lost to authentication server", &r));
  EXPECT_FALSE(m.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: warning: unknown[not.an.ip]: SASL LOGIN "
                       "authentication failed: x", &r));
  EXPECT_FALSE(m.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: lost connection after CONNECT from x[192.0.2.1]", &r));
  o.mode = Mode::kDdos;
  LineMatcher d(o);
  EXPECT_TRUE(d.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: lost connection after CONNECT from x[192.0.2.1]", &r));
  EXPECT_FALSE(d.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: lost connection after AUTH from x[192.0.2.1]", &r));
  o.compat_1_0 = true;
  LineMatcher old(o);
  EXPECT_TRUE(old.Match("Nov 22 05:38:38 mx postfix/smtpd[1]: lost connection after AUTH from x[192.0.2.1]", &r));
}

TEST(GuardDetector, BansAddressesFlagsUsersSkipsIgnored) {
  MatcherOptions o;
  o.mode = Mode::kAuth;
  BanPolicy p = Policy(2, 600, 60);
  ASSERT_TRUE(p.ignore.Add("198.51.100.0/24"));
  Detector d(o, p);
  auto line = [](const char* ip, int sec) {
    return "2026-11-22T09:00:0" + std::to_string(sec) + "Z mx postfix/smtpd[1]: warning: unknown[" + ip +
           "]: SASL LOGIN authentication failed: x, sasl_username=bob";
  };
  Match m;
  int ban;
  EXPECT_TRUE(d.OnLine(line("192.0.2.1", 1), &m, &ban));
  EXPECT_EQ(ban, -1);
  EXPECT_FALSE(d.OnLine(line("198.51.100.9", 2), &m, &ban));  // ignored: not counted, not even for the user
  EXPECT_TRUE(d.OnLine(line("192.0.2.2", 3), &m, &ban));
  EXPECT_EQ(ban, -1);
  ASSERT_EQ(d.users().at("bob").flagged, 1);  // bob failed twice within findtime, from two addresses
  EXPECT_EQ(d.users().at("bob").ips.size(), 2u);
  EXPECT_TRUE(d.OnLine(line("192.0.2.1", 4), &m, &ban));
  ASSERT_EQ(ban, 0);
  EXPECT_EQ(d.bans().bans()[0].ip, "192.0.2.1");
  EXPECT_FALSE(d.OnLine("Nov 22 09:00:00 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]", &m, &ban));
  Detector restarted(o, p);
  ASSERT_TRUE(restarted.Load(d.Save()).ok());
  EXPECT_TRUE(restarted.bans().IsBanned("192.0.2.1", d.bans().bans()[0].end - 1));
  EXPECT_FALSE(restarted.bans().IsBanned("192.0.2.1", d.bans().bans()[0].end));
}

}  // namespace
}  // namespace maillens::guard
