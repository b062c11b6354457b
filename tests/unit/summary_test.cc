// summary_test.cc - Summary's figures with pflogsumm's counting rules, fed
// through a real Pipeline.
#include "report/summary.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "syslog/header.h"
#include "util/reporter.h"

namespace maillens {
namespace {

std::string Domain(std::string_view client) {
  std::string out;
  ClientDomain(client, &out);
  return out;
}

TEST(Summary, ClientDomain) {
  EXPECT_EQ(Domain("mail.example.com[1.2.3.4]"), "example.com");
  EXPECT_EQ(Domain("a.b.example.co.uk[1.2.3.4]"), "example.co.uk");
  EXPECT_EQ(Domain("host.example.de[1.2.3.4]"), "host.example.de");
  EXPECT_EQ(Domain("unknown[1.2.3.4]"), "1.2.3.4");
  EXPECT_EQ(Domain("unknown[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(Domain("mail.example.com[2001:db8::25]"), "example.com");
  EXPECT_EQ(Domain("example.com[1.2.3.4]"), "example.com");
  EXPECT_EQ(Domain("localhost[127.0.0.1]"), "localhost");
  EXPECT_EQ(Domain("Mail.Example.COM[1.2.3.4]"), "example.com");  // pflogsumm's \L
  EXPECT_EQ(Domain("smtp.mail.example.org[192.0.2.1]:25"), "example.org");
  // Appends.
  std::string out = "x:";
  ClientDomain("mail.example.com[1.2.3.4]", &out);
  EXPECT_EQ(out, "x:example.com");
}

class Collector {
 public:
  Collector() : pipeline_(Options(), &reporter_) {
    setenv("TZ", "UTC", 1);
    tzset();
    pipeline_.AddSink(&summary);
  }
  void Feed(const std::vector<std::string>& lines) {
    for (const std::string& l : lines) pipeline_.ProcessLine(l);
    pipeline_.Finish();
  }
  const PipelineStats& stats() const { return pipeline_.stats(); }
  Summary summary;

 private:
  static PipelineOptions Options() {
    PipelineOptions o;
    o.year.fixed_year = 2026;
    return o;
  }
  RecordingReporter reporter_;
  Pipeline pipeline_;
};

const std::vector<std::string> kLog = {
    // Message 1, smtpd, 3 recipients: one delivered, one forwarded, one deferred.
    "Nov 20 10:00:00 mx postfix/smtpd[1]: connect from mail.example.com[192.0.2.1]",
    "Nov 20 10:00:01 mx postfix/smtpd[1]: AAAAA11111: client=mail.example.com[192.0.2.1]",
    "Nov 20 10:00:01 mx postfix/cleanup[2]: AAAAA11111: message-id=<a@example.com>",
    "Nov 20 10:00:02 mx postfix/qmgr[3]: AAAAA11111: from=<Alice@Example.COM>, size=1000, nrcpt=3 (queue active)",
    "Nov 20 10:00:03 mx postfix/smtpd[1]: disconnect from mail.example.com[192.0.2.1] ehlo=1 mail=1 rcpt=3 data=1 quit=1 commands=7",
    "Nov 20 10:00:03 mx postfix/local[4]: AAAAA11111: to=<bob@Example.NET>, relay=local, delay=2, delays=1/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 20 10:00:03 mx postfix/local[4]: AAAAA11111: to=<carol@example.net>, relay=local, delay=2, delays=1/0/0/1, dsn=2.0.0, status=sent (forwarded as BBBBB22222)",
    "Nov 20 10:00:04 mx postfix/smtp[5]: AAAAA11111: to=<zed@slow.test>, relay=none, delay=3, delays=1/0/2/0, dsn=4.4.1, status=deferred (connect to slow.test[192.0.2.9]:25: Connection refused)",
    // Message 2, pickup, deferred twice then delivered.
    "Nov 20 11:30:00 mx postfix/pickup[6]: CCCCC33333: uid=0 from=<root>",
    "Nov 20 11:30:00 mx postfix/cleanup[2]: CCCCC33333: message-id=<c@mx.example.org>",
    "Nov 20 11:30:00 mx postfix/qmgr[3]: CCCCC33333: from=<root@mx.example.org>, size=500, nrcpt=1 (queue active)",
    "Nov 20 11:30:01 mx postfix/smtp[5]: CCCCC33333: to=<dave@remote.test>, relay=none, delay=1, delays=1/0/0/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.10]:25: Connection refused)",
    "Nov 20 11:40:01 mx postfix/qmgr[3]: CCCCC33333: from=<root@mx.example.org>, size=500, nrcpt=1 (queue active)",
    "Nov 20 11:40:01 mx postfix/smtp[5]: CCCCC33333: to=<dave@remote.test>, relay=none, delay=601, delays=601/0/0/0, dsn=4.4.1, status=deferred (connect to remote.test[192.0.2.10]:25: Connection refused)",
    "Nov 20 11:50:01 mx postfix/qmgr[3]: CCCCC33333: from=<root@mx.example.org>, size=500, nrcpt=1 (queue active)",
    "Nov 20 11:50:02 mx postfix/smtp[5]: CCCCC33333: to=<dave@Remote.TEST>, relay=remote.test[192.0.2.10]:25, delay=1202, delays=1201/0/0.5/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "Nov 20 11:50:02 mx postfix/qmgr[3]: CCCCC33333: removed",
    // Message 3, smtpd from an unknown client, bounced.
    "Nov 20 12:00:00 mx postfix/smtpd[1]: DDDDD44444: client=unknown[192.0.2.50]",
    "Nov 20 12:00:01 mx postfix/qmgr[3]: DDDDD44444: from=<eve@other.test>, size=300, nrcpt=1 (queue active)",
    "Nov 20 12:00:02 mx postfix/smtp[5]: DDDDD44444: to=<nobody@remote.test>, relay=remote.test[192.0.2.10]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host remote.test[192.0.2.10] said: 550 5.1.1 no such user (in reply to RCPT TO command))",
    "Nov 20 12:00:02 mx postfix/bounce[7]: DDDDD44444: sender non-delivery notification: EEEEE55555",
    "Nov 20 12:00:02 mx postfix/qmgr[3]: DDDDD44444: removed",
    // Rejections of all kinds.
    "Nov 20 13:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.60]: 554 5.7.1 <x@y.test>: Relay access denied; from=<s@spam.test> to=<x@y.test> proto=ESMTP helo=<spam>",
    "Nov 20 13:00:01 mx postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.61]: 554 5.7.1 <trap@example.net>: Recipient address rejected: spam trap; from=<p@promo.test> to=<trap@example.net> proto=ESMTP helo=<promo>",
    "Nov 20 13:00:02 mx postfix/cleanup[2]: 0AAAA66666: milter-reject: END-OF-MESSAGE from a.example.com[192.0.2.1]: 5.7.1 Spam; from=<a@example.com> to=<b@example.net> proto=ESMTP helo=<a.example.com>",
    "Nov 20 13:00:03 mx postfix/cleanup[2]: 0BBBB77777: warning: header Subject: hello from unknown[192.0.2.62]; from=<w@warn.test> to=<b@example.net> proto=ESMTP helo=<w>: suspicious subject",
    "Nov 20 13:00:04 mx postfix/smtpd[1]: NOQUEUE: hold: RCPT from unknown[192.0.2.63]: <q@quarantine.test>: Sender address quarantined; from=<q@quarantine.test> to=<b@example.net> proto=ESMTP helo=<q>",
    "Nov 20 13:00:05 mx postfix/cleanup[2]: 0CCCC88888: discard: header Subject: newsletter from unknown[192.0.2.64]; from=<n@news.test> to=<b@example.net> proto=ESMTP helo=<n>: discarded",
    // Day 2: one message received and delivered (same sender, other case).
    "Nov 21 09:15:00 mx postfix/smtpd[1]: 1BBBB99999: client=host.example.de[192.0.2.70]",
    "Nov 21 09:15:01 mx postfix/qmgr[3]: 1BBBB99999: from=<Alice@example.com>, size=200, nrcpt=1 (queue active)",
    "Nov 21 09:15:02 mx postfix/local[4]: 1BBBB99999: to=<bob@example.net>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 21 09:15:02 mx postfix/qmgr[3]: 1BBBB99999: removed",
};

TEST(Summary, GrandTotals) {
  Collector c;
  c.Feed(kLog);
  EXPECT_EQ(c.stats().unparsed, 0u);
  EXPECT_EQ(c.stats().no_header, 0u);
  GrandTotals t = c.summary.totals();
  EXPECT_EQ(t.received, 4u);    // 3 client= + 1 pickup
  EXPECT_EQ(t.delivered, 3u);   // bob, dave, bob (not the forward)
  EXPECT_EQ(t.forwarded, 1u);
  EXPECT_EQ(t.deferred, 2u);    // messages AAAAA11111 and CCCCC33333
  EXPECT_EQ(t.deferrals, 3u);   // lines
  EXPECT_EQ(t.bounced, 1u);
  EXPECT_EQ(t.rejected, 2u);    // reject + milter-reject
  EXPECT_EQ(t.reject_warnings, 2u);  // reject_warning + cleanup "warning: header"
  EXPECT_EQ(t.held, 1u);
  EXPECT_EQ(t.discarded, 1u);
  EXPECT_EQ(t.bytes_received, 1000u + 500u + 300u + 200u);
  EXPECT_EQ(t.bytes_delivered, 1000u + 500u + 200u);
  // Senders: Alice@example.com (twice, domain case folded), root@mx.example.org, eve@other.test.
  EXPECT_EQ(t.senders, 3u);
  EXPECT_EQ(t.sending_domains, 3u);
  // Recipients of delivered lines: bob@example.net (twice), dave@remote.test.
  EXPECT_EQ(t.recipients, 2u);
  EXPECT_EQ(t.recipient_domains, 2u);  // example.net, remote.test (slow.test only deferred)
  EXPECT_EQ(t.rejected_pct(), 33);     // 2 / (3 + 2 + 1)
  EXPECT_EQ(t.discarded_pct(), 16);    // 1 / 6
}

TEST(Summary, AddressesNormalised) {
  Collector c;
  c.Feed(kLog);
  const auto& senders = c.summary.senders();
  ASSERT_TRUE(senders.contains("Alice@example.com"));
  EXPECT_EQ(senders.at("Alice@example.com").count, 2u);
  EXPECT_EQ(senders.at("Alice@example.com").bytes, 1200u);
  EXPECT_FALSE(senders.contains("Alice@Example.COM"));
  EXPECT_TRUE(senders.contains("root@mx.example.org"));
  EXPECT_TRUE(senders.contains("eve@other.test"));
  EXPECT_EQ(c.summary.senders().at("root@mx.example.org").count, 1u);  // three activations, one message

  const auto& sdom = c.summary.sending_domains();
  ASSERT_TRUE(sdom.contains("example.com"));
  EXPECT_EQ(sdom.at("example.com").count, 2u);

  const auto& rcpts = c.summary.recipients();
  ASSERT_TRUE(rcpts.contains("bob@example.net"));
  EXPECT_EQ(rcpts.at("bob@example.net").count, 2u);
  EXPECT_EQ(rcpts.at("bob@example.net").bytes, 1200u);
  ASSERT_TRUE(rcpts.contains("dave@remote.test"));
  EXPECT_EQ(rcpts.at("dave@remote.test").bytes, 500u);
  EXPECT_FALSE(rcpts.contains("carol@example.net"));  // forwarded, not delivered
  EXPECT_FALSE(rcpts.contains("nobody@remote.test"));

  const auto& rdom = c.summary.recipient_domains();
  ASSERT_TRUE(rdom.contains("remote.test"));
  EXPECT_EQ(rdom.at("remote.test").count, 1u);
  EXPECT_EQ(rdom.at("remote.test").defers, 2u);
  EXPECT_DOUBLE_EQ(rdom.at("remote.test").delay_max, 1202.0);
  ASSERT_TRUE(rdom.contains("slow.test"));
  EXPECT_EQ(rdom.at("slow.test").count, 0u);
  EXPECT_EQ(rdom.at("slow.test").defers, 1u);
}

TEST(Summary, IgnoreCaseLowersWholeAddress) {
  SummaryOptions opt;
  opt.ignore_case = true;
  setenv("TZ", "UTC", 1);
  tzset();
  Summary s(opt);
  RecordingReporter rep;
  PipelineOptions po;
  po.year.fixed_year = 2026;
  Pipeline p(po, &rep);
  p.AddSink(&s);
  for (const std::string& l : kLog) p.ProcessLine(l);
  p.Finish();
  EXPECT_TRUE(s.senders().contains("alice@example.com"));
  EXPECT_FALSE(s.senders().contains("Alice@example.com"));
  EXPECT_EQ(s.totals().senders, 3u);
}

TEST(Summary, PerHourAndPerDay) {
  Collector c;
  c.Feed(kLog);
  EXPECT_EQ(c.summary.day_count(), 2u);
  const auto& hour = c.summary.per_hour();
  EXPECT_EQ(hour[10], (TrafficRow{1, 1, 1, 0, 0}));
  EXPECT_EQ(hour[11], (TrafficRow{1, 1, 2, 0, 0}));
  EXPECT_EQ(hour[12], (TrafficRow{1, 0, 0, 1, 0}));
  EXPECT_EQ(hour[13], (TrafficRow{0, 0, 0, 0, 6}));  // rejects incl. warnings, holds, discards
  EXPECT_EQ(hour[9], (TrafficRow{1, 1, 0, 0, 0}));
  for (int h : {0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23})
    EXPECT_EQ(hour[h], (TrafficRow{0, 0, 0, 0, 0})) << "hour " << h;

  const auto& day = c.summary.per_day();
  ASSERT_EQ(day.size(), 2u);
  const int64_t d1 = DaysFromCivil(2026, 11, 20), d2 = DaysFromCivil(2026, 11, 21);
  ASSERT_TRUE(day.count(d1));
  ASSERT_TRUE(day.count(d2));
  EXPECT_EQ(day.at(d1), (TrafficRow{3, 2, 3, 1, 6}));
  EXPECT_EQ(day.at(d2), (TrafficRow{1, 1, 0, 0, 0}));
}

TEST(Summary, DayCountIsDistinctDates) {
  // A stray late line of the first date does not add a day (pflogsumm would).
  Collector c;
  c.Feed({
      "Nov 20 23:59:58 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 21 00:00:01 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 20 23:59:59 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
      "Nov 21 00:00:02 mx postfix/smtpd[1]: connect from a[192.0.2.1]",
  });
  EXPECT_EQ(c.summary.day_count(), 2u);
}

TEST(Summary, NoqueueClientIsNotReceived) {
  Collector c;
  c.Feed({
      "Nov 20 10:00:00 mx postfix/smtpd[100]: NOQUEUE: client=a.example.com[192.0.2.1]",
      "Nov 20 10:00:05 mx postfix/smtpd[101]: 1A2B3C4D5E: client=localhost[127.0.0.1], orig_client=a.example.com[192.0.2.1]",
  });
  EXPECT_EQ(c.summary.totals().received, 1u);
}

TEST(Summary, SmtpdMilterRejectCounted) {
  Collector c;
  c.Feed({
      "Nov 20 10:00:01 mx postfix/smtpd[100]: NOQUEUE: milter-reject: RCPT from a.example.com[192.0.2.1]: 550 5.7.1 Spam; from=<a@example.com> to=<c@example.net> proto=ESMTP helo=<a.example.com>",
  });
  EXPECT_EQ(c.summary.totals().rejected, 1u);
}

TEST(Summary, EmptyInput) {
  Collector c;
  c.Feed({});
  GrandTotals t = c.summary.totals();
  EXPECT_EQ(t.received, 0u);
  EXPECT_EQ(t.delivered, 0u);
  EXPECT_EQ(t.rejected_pct(), 0);
  EXPECT_EQ(t.discarded_pct(), 0);
  EXPECT_EQ(c.summary.day_count(), 0u);
}

}  // namespace
}  // namespace maillens
