// report_rules_test.cc - pflogsumm's text rules (report/pflogsumm_rules.h).
// Expected values are what pflogsumm 1.1.5's own Perl expressions give for
// the same input (run with perl on the subroutines copied from
// /usr/sbin/pflogsumm).
#include "report/pflogsumm_rules.h"

#include <gtest/gtest.h>

#include <string>

namespace maillens::pfl {
namespace {

std::string Gimme(std::string_view s) {
  std::string out;
  GimmeDomain(s, &out);
  return out;
}
std::string Said(std::string_view s, size_t max) {
  std::string out;
  SaidStringTrimmer(s, max, &out);
  return out;
}
std::string Reason(std::string_view stage, std::string_view r) {
  std::string out;
  RejectReason(stage, r, &out);
  return out;
}
std::string Verp(std::string s, int level) {
  VerpMung(level, &s);
  return s;
}
std::string Uucp(std::string s) {
  UucpMung(&s);
  return s;
}

TEST(ReportRules, GimmeDomain) {
  EXPECT_EQ(Gimme("mail.example.com[1.2.3.4]"), "example.com");
  EXPECT_EQ(Gimme("unknown[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(Gimme("Mail.Sub.Example.CO.UK[1.2.3.4]"), "example.co.uk");
  EXPECT_EQ(Gimme("host.example.de[1.2.3.4] ehlo=1"), "host.example.de");
  EXPECT_EQ(Gimme("localhost[127.0.0.1]"), "localhost");
  EXPECT_EQ(Gimme("mx.example.com[2001:db8::1] ehlo=1 quit=1"), "");  // pflogsumm's IPv6 blind spot
  EXPECT_EQ(Gimme("unknown[2001:db8::1]:25"), "2001:db8::1");
}

TEST(ReportRules, SaidStringTrimmer) {
  EXPECT_EQ(Said("450 4.2.0 <a@b.example>: Recipient address rejected: Greylisted, see http://postgrey/ for details", 65),
            "Greylisted, see http://postgrey/ for details");
  EXPECT_EQ(Said("host mx.example.com[1.2.3.4] said: 550 5.1.1 <x@example.com>: Recipient address rejected: User "
                 "unknown in virtual mailbox table (in reply to RCPT TO command)",
                 66),
            "User unknown in virtual mailbox table (in reply to RCPT TO comm...");
  EXPECT_EQ(Said("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", 65),
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij...");
  EXPECT_EQ(Said("short", 65), "short");
}

TEST(ReportRules, RejectReason) {
  EXPECT_EQ(Reason("RCPT", "554 5.7.1 <x@example.com>: Relay access denied; from=<a@b.c> to=<x@example.com> "
                           "proto=ESMTP helo=<h>"),
            "Relay access denied");
  EXPECT_EQ(Reason("RCPT", "550 5.1.1 <nouser@example.test>: Recipient address rejected: User unknown in local "
                           "recipient table; from=<a@b> to=<nouser@example.test> proto=ESMTP helo=<h>"),
            "Recipient address rejected: User unknown in local recipient table");
  EXPECT_EQ(Reason("RCPT", "554 5.7.1 Service unavailable; Client host [1.2.3.4] blocked using zen.spamhaus.org; "
                           "https://x; from=<a@b> to=<c@d> proto=ESMTP helo=<h>"),
            "blocked using zen.spamhaus.org");
  EXPECT_EQ(Reason("MAIL", "553 5.7.1 <a@b.c>: Sender address rejected: not logged in; from=<a@b.c> proto=ESMTP "
                           "helo=<h>"),
            "5.7.1 <a@b.c>");
  EXPECT_EQ(Reason("EHLO", "504 5.5.2 <User>: Helo command rejected: need fully-qualified hostname; proto=SMTP "
                           "helo=<User>"),
            "proto=SMTP helo=<User>");
  EXPECT_EQ(Reason("CONNECT", "554 5.7.1 <unknown[1.2.3.4]>: Client host rejected: cannot find your hostname, "
                              "[1.2.3.4]; proto=SMTP"),
            "Client host rejected: cannot find your hostname");
  EXPECT_EQ(Reason("DATA", "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce; from=<> proto=ESMTP "
                           "helo=<h>"),
            "Data command rejected: Multi-recipient bounce");
  EXPECT_EQ(Reason("RCPT", "503 5.5.0 Protocol error; x"), "Protocol error");
  EXPECT_EQ(Reason("RCPT", "450 4.1.8 <a@bad.test>: Sender address rejected: Domain not found; from=<a@bad.test> "
                           "to=<x@y> proto=ESMTP helo=<h>"),
            "Sender address rejected: Domain not found");
}

TEST(ReportRules, SplitRejectAndAddresses) {
  std::string_view stage, client, rmdr;
  ASSERT_TRUE(SplitReject("NOQUEUE: reject: RCPT from a.example.com[192.0.2.1]: 554 5.7.1 <x@y>: Relay access "
                          "denied; from=<s@example.com> to=<x@y> proto=ESMTP helo=<a>",
                          &stage, &client, &rmdr));
  EXPECT_EQ(stage, "RCPT");
  EXPECT_EQ(client, "a.example.com[192.0.2.1]");
  EXPECT_EQ(RejectTo(rmdr), "x@y");
  EXPECT_EQ(RejectFrom(rmdr), "s@example.com");
  EXPECT_EQ(RejectFrom("554 5.7.1 x; from=<> to=<a@b>"), "<>");
  EXPECT_EQ(RejectTo("550 5.1.1 <u@example.com>: User unknown in local recipient table; x"), "<>");
  EXPECT_EQ(RejectTo("550 <u@example.com>: User unknown in local recipient table"), "u@example.com");
  ASSERT_TRUE(SplitReject("NOQUEUE: milter-reject: RCPT from a[192.0.2.1]: 550 5.7.1 Spam; from=<a@b>", &stage,
                          &client, &rmdr));
  EXPECT_EQ(stage, "RCPT");
  EXPECT_FALSE(SplitReject("QID: client=a[192.0.2.1]", &stage, &client, &rmdr));
}

TEST(ReportRules, VerpAndUucpMung) {
  EXPECT_EQ(Verp("list-return-36-someuser=someplace.com@lists.domain.com", 1),
            "list-return-ID-someuser=someplace.com@lists.domain.com");
  EXPECT_EQ(Verp("list-return-36-someuser=someplace.com@lists.domain.com", 2), "list-return-ID@lists.domain.com");
  EXPECT_EQ(Verp("bounces+12345-67@example.com", 1), "bounces-ID@example.com");
  EXPECT_EQ(Verp("SRS0=abc@x.com", 1), "SRS0=abc@x.com");
  EXPECT_EQ(Verp("user@example.com", 2), "user@example.com");
  EXPECT_EQ(Verp("bounces+12345-67@example.com", 0), "bounces+12345-67@example.com");
  EXPECT_EQ(Uucp("hostA!hostB!user@gateway"), "gateway!hostA!user@hostB");
  EXPECT_EQ(Uucp("plain@example.com"), "plain@example.com");
  EXPECT_EQ(Uucp("a!user@gw.example"), "a!user@gw.example");
}

TEST(ReportRules, Command) {
  EXPECT_EQ(Command("postfix/smtpd"), "smtpd");
  EXPECT_EQ(Command("postfix/submission/smtpd"), "smtpd");
  EXPECT_EQ(Command("postfix/smtps/smtpd"), "smtpd");
  EXPECT_EQ(Command("postfix/10025/smtpd"), "10025/smtpd");
  EXPECT_EQ(Command("postfix-script"), "postfix-script");
}

TEST(ReportRules, MessageDetailOrder) {
  // by_domain_then_user: senders without a domain first, then by domain
  // (registered part first), user, queue ID.
  EXPECT_LT(CompareDomainThenUser("from=<>", "B", "a@example.com", "A"), 0);
  EXPECT_LT(CompareDomainThenUser("z@a.example.com", "A", "a@b.example.com", "B"), 0);
  EXPECT_LT(CompareDomainThenUser("a@example.com", "A", "b@example.com", "B"), 0);
  EXPECT_LT(CompareDomainThenUser("a@example.com", "A", "a@example.com", "B"), 0);
  EXPECT_EQ(CompareDomainThenUser("a@example.com", "A", "a@example.com", "A"), 0);
}

}  // namespace
}  // namespace maillens::pfl
