// report_insights_test.cc - Insights (report/insights.h) and the detail
// sections of Summary, fed through a real Pipeline.
#include "report/insights.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "report/render.h"
#include "report/summary.h"
#include "util/reporter.h"

namespace maillens {
namespace {

struct LogRun {
  explicit LogRun(const std::vector<std::string>& lines, SummaryOptions so = {}) : summary(so), pipeline(Options(), &rep) {
    setenv("TZ", "UTC", 1);
    tzset();
    pipeline.AddSink(&summary);
    pipeline.AddSink(&insights);
    for (const std::string& l : lines) pipeline.ProcessLine(l);
    pipeline.Finish();
  }
  static PipelineOptions Options() {
    PipelineOptions o;
    o.year.fixed_year = 2026;
    return o;
  }
  RecordingReporter rep;
  Summary summary;
  Insights insights;
  Pipeline pipeline;
};

const std::vector<std::string> kLog = {
    "Nov 20 10:00:00 mx postfix/smtpd[1]: connect from mail.example.com[192.0.2.1]",
    "Nov 20 10:00:01 mx postfix/smtpd[1]: AAAAA11111: client=mail.example.com[192.0.2.1]",
    "Nov 20 10:00:02 mx postfix/qmgr[3]: AAAAA11111: from=<alice@example.com>, size=1000, nrcpt=4 (queue active)",
    "Nov 20 10:00:05 mx postfix/smtpd[1]: disconnect from mail.example.com[192.0.2.1] ehlo=1 quit=1 commands=2",
    "Nov 20 10:00:03 mx postfix/smtp[5]: AAAAA11111: to=<a@dest.test>, relay=mx.dest.test[192.0.2.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
    "Nov 20 10:00:03 mx postfix/smtp[5]: AAAAA11111: to=<b@dest.test>, relay=mx.dest.test[192.0.2.5]:25, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (250 ok)",
    "Nov 20 10:00:03 mx postfix/smtp[5]: AAAAA11111: to=<c@dest.test>, relay=mx.dest.test[192.0.2.5]:25, delay=10, delays=0/0/0/10, dsn=2.0.0, status=sent (250 ok)",
    "Nov 20 10:00:04 mx postfix/smtp[5]: AAAAA11111: to=<d@slow.test>, relay=none, delay=3, delays=1/0/2/0, dsn=4.4.1, status=deferred (connect to slow.test[192.0.2.9]:25: Connection refused)",
    "Nov 20 13:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.60]: 554 5.7.1 <x@y.test>: Relay access denied; from=<s@spam.test> to=<x@y.test> proto=ESMTP helo=<spam>",
    "Nov 20 13:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.61]: 554 5.7.1 Service unavailable; Client host [192.0.2.61] blocked using zen.spamhaus.org; https://x; from=<s@spam.test> to=<x@example.net> proto=ESMTP helo=<spam>",
    "Nov 20 13:00:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.62]: 450 4.7.1 <x@example.net>: Recipient address rejected: Greylisted; from=<s@spam.test> to=<x@example.net> proto=ESMTP helo=<spam>",
    "Nov 20 13:00:03 mx postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from unknown[192.0.2.63]: 554 5.7.1 <x@example.net>: Recipient address rejected: trap; from=<s@spam.test> to=<x@example.net> proto=ESMTP helo=<spam>",
    "Nov 20 13:00:04 mx postfix/cleanup[2]: 0BBBB77777: reject: header Subject: buy now from unknown[192.0.2.64]; from=<s@spam.test> to=<b@example.net> proto=ESMTP helo=<w>: 5.7.1 spam",
    "Nov 20 13:00:05 mx postfix/smtpd[1]: warning: unknown[192.0.2.66]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin",
    "Nov 20 13:00:06 mx postfix/smtpd[1]: warning: unknown[192.0.2.66]: SASL PLAIN authentication failed: , sasl_username=root",
    "Nov 20 13:00:07 mx postfix/master[9]: daemon started -- version 3.7.11, configuration /etc/postfix",
};

TEST(ReportInsights, LatencyPercentilesPerDomain) {
  LogRun r(kLog);
  auto it = r.insights.latency().find("dest.test");
  ASSERT_NE(it, r.insights.latency().end());
  std::vector<float> v = it->second;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(Percentile(&v, 50), 2);
  EXPECT_EQ(Percentile(&v, 90), 10);
  EXPECT_EQ(Percentile(&v, 100), 10);
  EXPECT_EQ(r.summary.delivery_latency()[1], 2u);  // 1-5s: delays 1 and 2
  EXPECT_EQ(r.summary.delivery_latency()[2], 1u);  // 5-30s: 10
}

TEST(ReportInsights, DeferralsByDomainAndStatus) {
  LogRun r(kLog);
  const Counts& c = r.insights.deferrals().find("slow.test")->second;
  EXPECT_EQ(c.at("4.4.1 slow.test[192.0.2.9]:25: Connection refused"), 1u);
}

TEST(ReportInsights, RejectsByRestriction) {
  LogRun r(kLog);
  const auto& rj = r.insights.rejects();
  EXPECT_EQ(rj.at("relay").code5xx, 1u);
  EXPECT_EQ(rj.at("rbl:zen.spamhaus.org").code5xx, 1u);
  EXPECT_EQ(rj.at("recipient").code4xx, 1u);
  EXPECT_EQ(rj.at("recipient").warn, 1u);
  EXPECT_EQ(rj.at("header-body").code5xx, 1u);
}

TEST(ReportInsights, SaslFailures) {
  LogRun r(kLog);
  EXPECT_EQ(r.insights.sasl_by_address().at("192.0.2.66"), 2u);
  EXPECT_EQ(r.insights.sasl_by_user().at("admin"), 1u);
  EXPECT_EQ(r.insights.sasl_by_user().at("root"), 1u);
}

TEST(ReportDetail, SmtpdStatsAndProblems) {
  SummaryOptions so;
  so.smtpd_stats = true;
  so.message_detail = true;
  LogRun r(kLog, so);
  EXPECT_EQ(r.summary.smtpd().connections, 1u);
  EXPECT_EQ(r.summary.smtpd().seconds, 5);
  EXPECT_EQ(r.summary.smtpd().per_domain.at("example.com").count, 1u);
  const Problems& p = r.summary.problems();
  EXPECT_EQ(p.deferred.at("smtp").at("slow.test[192.0.2.9]:25: Connection refused"), 1u);
  EXPECT_EQ(p.rejects.at("RCPT").at("Relay access denied").at("192.0.2.60"), 1u);
  EXPECT_EQ(p.rejects.at("RCPT").at("blocked using zen.spamhaus.org").at("192.0.2.61"), 1u);
  EXPECT_EQ(p.rejects.at("RCPT").at("Recipient address rejected: Greylisted").at("x@example.net"), 1u);
  EXPECT_EQ(p.rejects.at("cleanup").at("header").at("Subject: buy now"), 1u);
  EXPECT_EQ(p.reject_warnings.at("RCPT").at("Recipient address rejected: trap").at("x@example.net"), 1u);
  EXPECT_EQ(p.warnings.at("smtpd").size(), 2u);
  EXPECT_EQ(p.master.at("daemon started -- version 3.7.11, configuration /etc/postfix"), 1u);
  std::vector<std::string> lines;
  for (const MessageDetailEntry& e : r.summary.message_detail())
    if (e.queue_id == "AAAAA11111") e.lines.ForEach([&](std::string_view l) { lines.emplace_back(l); });
  EXPECT_EQ(lines, (std::vector<std::string>{"alice@example.com", "a@dest.test", "b@dest.test", "c@dest.test"}));
}

// Issue 13.6: after "removed" a reused queue ID is a new message in -e too,
// as in the sender tables (pflogsumm 1.1.5 merges both; see
// docs/pflogsumm-differences.md, queue-id-reuse).
TEST(ReportDetail, ReusedQueueIdIsTwoEntries) {
  SummaryOptions so;
  so.message_detail = true;
  LogRun r({"Mar  3 10:00:01 mx postfix/smtpd[100]: 4F2A81C0D3: client=a.example.com[192.0.2.10]",
            "Mar  3 10:00:01 mx postfix/qmgr[102]: 4F2A81C0D3: from=<alice@example.com>, size=1500, nrcpt=1 (queue active)",
            "Mar  3 10:00:02 mx postfix/smtp[103]: 4F2A81C0D3: to=<bob@example.net>, relay=x[198.51.100.5]:25, delay=1, "
            "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 ok)",
            "Mar  3 10:00:02 mx postfix/qmgr[102]: 4F2A81C0D3: removed",
            "Mar  3 11:30:00 mx postfix/pickup[104]: 4F2A81C0D3: uid=1000 from=<carol>",
            "Mar  3 11:30:00 mx postfix/qmgr[102]: 4F2A81C0D3: from=<carol@mx.example.org>, size=800, nrcpt=1 (queue active)",
            "Mar  3 11:30:01 mx postfix/smtp[103]: 4F2A81C0D3: to=<dave@example.com>, relay=y[198.51.100.7]:25, delay=1, "
            "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 ok)"},
           so);
  std::vector<std::string> got;
  for (const MessageDetailEntry& e : r.summary.message_detail()) {
    std::string s = e.queue_id;
    e.lines.ForEach([&](std::string_view l) { s.append(" ").append(l); });
    got.push_back(s);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"4F2A81C0D3 alice@example.com bob@example.net",
                                           "4F2A81C0D3 carol@mx.example.org dave@example.com"}));
  EXPECT_EQ(r.summary.senders().size(), 2u);  // the sender tables agree
}

TEST(ReportDetail, TextLayoutOfSmtpdBlock) {
  SummaryOptions so;
  so.smtpd_stats = true;
  LogRun r(kLog, so);
  RenderOptions ro;
  ro.smtpd_stats = true;
  std::string out;
  RenderText(r.summary, ro, &out);
  EXPECT_NE(out.find("\nsmtpd\n\n"
                     "       1   connections\n"
                     "       1   hosts/domains\n"
                     "       5   avg. connect time (seconds)\n"
                     "  0:00:05  total connect time\n\n"),
            std::string::npos)
      << out;
  // Lines as pflogsumm 1.1.5 --smtpd-stats prints them for this log.
  EXPECT_NE(out.find("\n    1000-1100          1         0:00:05           5s           5s\n"), std::string::npos);
  EXPECT_NE(out.find("\n       1        0:00:05          5s         5s   example.com\n"), std::string::npos);
}

TEST(ReportDetail, HostileTextIsTerminalSafe) {
  LogRun r({"Nov 20 10:00:00 mx postfix/smtpd[1]: warning: \x1b[31mred\x1b[0m"});
  std::string out;
  RenderText(r.summary, RenderOptions(), &out);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("\\x1b[31mred"), std::string::npos);
}

// --dedupe-content-filter: both orders of the re-injection's "client=" line
// and the filter's "queued as" reply.
TEST(ReportDedupe, ContentFilterHopCountedOnce) {
  const std::vector<std::string> client_first = {
      "Nov 20 10:00:00 mx postfix/smtpd[100]: 1A2B3C4D5E: client=a.example.com[192.0.2.1]",
      "Nov 20 10:00:01 mx postfix/qmgr[101]: 1A2B3C4D5E: from=<a@example.com>, size=1000, nrcpt=1 (queue active)",
      "Nov 20 10:00:02 mx postfix/smtpd[103]: 2B3C4D5E6F: client=localhost[127.0.0.1]",
      "Nov 20 10:00:02 mx postfix/qmgr[101]: 2B3C4D5E6F: from=<a@example.com>, size=1400, nrcpt=1 (queue active)",
      "Nov 20 10:00:02 mx postfix/smtp[102]: 1A2B3C4D5E: to=<b@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 2B3C4D5E6F)",
      "Nov 20 10:00:02 mx postfix/qmgr[101]: 1A2B3C4D5E: removed",
      "Nov 20 10:00:04 mx postfix/smtp[102]: 2B3C4D5E6F: to=<b@example.net>, relay=mx.example.net[198.51.100.1]:25, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "Nov 20 10:00:04 mx postfix/qmgr[101]: 2B3C4D5E6F: removed",
  };
  std::vector<std::string> reply_first = client_first;
  std::swap(reply_first[2], reply_first[4]);  // "queued as" before the re-injection's client=
  std::swap(reply_first[3], reply_first[4]);
  for (const auto& log : {client_first, reply_first}) {
    SummaryOptions plain, dedupe;
    dedupe.dedupe_content_filter = true;
    LogRun a(log, plain), b(log, dedupe);
    GrandTotals ta = a.summary.totals(), tb = b.summary.totals();
    EXPECT_EQ(ta.received, 2u);
    EXPECT_EQ(ta.delivered, 2u);
    EXPECT_EQ(tb.received, 1u);
    EXPECT_EQ(tb.delivered, 1u);
    EXPECT_EQ(tb.content_filter_hops, 1u);
    EXPECT_EQ(tb.bytes_received, 1000u);
    EXPECT_EQ(tb.bytes_delivered, 1400u);
    EXPECT_EQ(b.summary.senders().at("a@example.com").count, 1u);
    EXPECT_EQ(b.summary.recipients().at("b@example.net").count, 1u);
    EXPECT_EQ(b.summary.per_hour()[10][kRcvd], 1u);
    EXPECT_EQ(b.summary.per_hour()[10][kDlvd], 1u);
  }
}

// A filter handed two recipients: both deliveries to it name the one
// re-injection, and neither is a delivery of its own (either order).
TEST(ReportDedupe, EveryRecipientsCopyToTheFilterTakenBack) {
  const std::vector<std::string> client_first = {
      "Nov 20 10:00:00 mx postfix/smtpd[100]: 1A2B3C4D5E: client=a.example.com[192.0.2.1]",
      "Nov 20 10:00:01 mx postfix/qmgr[101]: 1A2B3C4D5E: from=<a@example.com>, size=1000, nrcpt=2 (queue active)",
      "Nov 20 10:00:02 mx postfix/smtpd[103]: 2B3C4D5E6F: client=localhost[127.0.0.1]",
      "Nov 20 10:00:02 mx postfix/qmgr[101]: 2B3C4D5E6F: from=<a@example.com>, size=1400, nrcpt=2 (queue active)",
      "Nov 20 10:00:02 mx postfix/smtp[102]: 1A2B3C4D5E: to=<b@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 2B3C4D5E6F)",
      "Nov 20 10:00:02 mx postfix/smtp[102]: 1A2B3C4D5E: to=<c@example.org>, relay=127.0.0.1[127.0.0.1]:10024, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 2B3C4D5E6F)",
      "Nov 20 10:00:02 mx postfix/qmgr[101]: 1A2B3C4D5E: removed",
      "Nov 20 10:00:04 mx postfix/smtp[102]: 2B3C4D5E6F: to=<b@example.net>, relay=mx.example.net[198.51.100.1]:25, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "Nov 20 10:00:04 mx postfix/smtp[102]: 2B3C4D5E6F: to=<c@example.org>, relay=mx.example.org[198.51.100.2]:25, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "Nov 20 10:00:04 mx postfix/qmgr[101]: 2B3C4D5E6F: removed",
  };
  std::vector<std::string> reply_first = client_first;  // both replies before the re-injection
  std::rotate(reply_first.begin() + 2, reply_first.begin() + 4, reply_first.begin() + 6);
  for (const auto& log : {client_first, reply_first}) {
    SummaryOptions dedupe;
    dedupe.dedupe_content_filter = true;
    LogRun b(log, dedupe);
    GrandTotals t = b.summary.totals();
    EXPECT_EQ(t.received, 1u);
    EXPECT_EQ(t.delivered, 2u);
    EXPECT_EQ(t.content_filter_hops, 1u);
    EXPECT_EQ(t.bytes_delivered, 2800u);
    EXPECT_EQ(b.summary.recipients().at("b@example.net").count, 1u);
    EXPECT_EQ(b.summary.recipients().at("c@example.org").count, 1u);
  }
}

// Proxmox Mail Gateway's after-queue filter answers with its own ID; its
// "accept mail to <x> (QID)" lines name the re-injection (filter_links.h).
TEST(ReportDedupe, FilterNamingItsOwnIdIsFollowed) {
  const std::vector<std::string> log = {
      "Dec 18 15:50:34 pmg postfix/smtpd[1]: CFC5F42740: client=test.localdomain[192.168.22.40]",
      "Dec 18 15:50:35 pmg postfix/qmgr[2]: CFC5F42740: from=<test@test.localdomain>, size=7102, nrcpt=2 (queue active)",
      "Dec 18 15:50:38 pmg postfix/smtpd[3]: 88F2E42667: client=localhost.localdomain[127.0.0.1], orig_client=test.localdomain[192.168.22.40]",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: 88F2E42667: from=<test@test.localdomain>, size=8037, nrcpt=2 (queue active)",
      "Dec 18 15:50:38 pmg pmg-smtp-filter[4]: 4246C5DD1D1130AF87: accept mail to <t1@localhost> (88F2E42667) (rule: default-accept)",
      "Dec 18 15:50:38 pmg pmg-smtp-filter[4]: 4246C5DD1D1130AF87: accept mail to <t2@localhost> (88F2E42667) (rule: default-accept)",
      "Dec 18 15:50:38 pmg postfix/lmtp[5]: CFC5F42740: to=<t1@localhost>, relay=127.0.0.1[127.0.0.1]:10024, delay=3.8, delays=0.19/0/0/3.6, dsn=2.5.0, status=sent (250 2.5.0 OK (4246C5DD1D1130AF87))",
      "Dec 18 15:50:38 pmg postfix/lmtp[5]: CFC5F42740: to=<t2@localhost>, relay=127.0.0.1[127.0.0.1]:10024, delay=3.8, delays=0.19/0/0/3.6, dsn=2.5.0, status=sent (250 2.5.0 OK (4246C5DD1D1130AF87))",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: CFC5F42740: removed",
      "Dec 18 15:50:38 pmg postfix/smtp[6]: 88F2E42667: to=<t1@localhost>, relay=192.168.22.40[192.168.22.40]:25, delay=0.15, delays=0.05/0/0.04/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C928BF624F6)",
      "Dec 18 15:50:38 pmg postfix/smtp[6]: 88F2E42667: to=<t2@localhost>, relay=192.168.22.40[192.168.22.40]:25, delay=0.15, delays=0.05/0/0.04/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C928BF624F6)",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: 88F2E42667: removed",
  };
  SummaryOptions dedupe;
  dedupe.dedupe_content_filter = true;
  LogRun b(log, dedupe);
  GrandTotals t = b.summary.totals();
  EXPECT_EQ(t.received, 1u);
  EXPECT_EQ(t.delivered, 2u);
  EXPECT_EQ(t.content_filter_hops, 1u);
  EXPECT_EQ(t.bytes_received, 7102u);
}

}  // namespace
}  // namespace maillens
