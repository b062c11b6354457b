// trace_test.cc - the trace filters (glob, regex, CIDR, time range) and the
// Tracer's lifecycle: content-filter hops, bounce notices, queue-ID reuse,
// the --qid pre-filter, NOQUEUE rejects.
#include "trace/tracer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens {
namespace {

TEST(TextPattern, ExactGlobRegex) {
  TextPattern p;
  ASSERT_TRUE(p.Set("alice@example.com", false).ok());
  EXPECT_TRUE(p.Matches("alice@example.com"));
  EXPECT_TRUE(p.Matches("<ALICE@Example.com>"));  // brackets ignored, case-insensitive
  EXPECT_FALSE(p.Matches("alice@example.com.evil"));
  ASSERT_TRUE(p.Set("*@example.?om", false).ok());
  EXPECT_TRUE(p.Matches("bob@example.com"));
  EXPECT_FALSE(p.Matches("bob@example.org"));
  ASSERT_TRUE(p.Set("^b.b@", true).ok());
  EXPECT_TRUE(p.Matches("bob@example.org"));
  EXPECT_FALSE(p.Matches("alice@example.org"));
  EXPECT_FALSE(p.Set("(", true).ok());
  TextPattern empty;
  EXPECT_TRUE(empty.Matches("anything"));
}

TEST(ClientPattern, CidrAddressAndHostname) {
  ClientPattern c;
  ASSERT_TRUE(c.Set("192.0.2.0/24"));
  EXPECT_TRUE(c.Matches("mail.example.com[192.0.2.77]"));
  EXPECT_TRUE(c.Matches("[192.0.2.1]:34453"));  // postscreen's form
  EXPECT_FALSE(c.Matches("mail.example.com[192.0.3.1]"));
  ASSERT_TRUE(c.Set("10.0.0.0/9"));
  EXPECT_TRUE(c.Matches("x[10.127.0.1]"));
  EXPECT_FALSE(c.Matches("x[10.128.0.1]"));
  ASSERT_TRUE(c.Set("2001:db8::/32"));
  EXPECT_TRUE(c.Matches("unknown[2001:db8::25]"));
  EXPECT_TRUE(c.Matches("unknown[ipv6:2001:db8::25]"));
  EXPECT_FALSE(c.Matches("unknown[2001:db9::25]"));
  EXPECT_FALSE(c.Matches("unknown[192.0.2.1]"));
  ASSERT_TRUE(c.Set("198.51.100.7"));
  EXPECT_TRUE(c.Matches("h[198.51.100.7]"));
  EXPECT_FALSE(c.Matches("h[198.51.100.8]"));
  ASSERT_TRUE(c.Set("*.example.com"));
  EXPECT_TRUE(c.Matches("mx1.example.com[192.0.2.1]"));
  EXPECT_FALSE(c.Matches("mx1.example.org[192.0.2.1]"));
  EXPECT_FALSE(c.Set("192.0.2.0/33"));
  EXPECT_FALSE(c.Set("192.0.2.0/x"));
}

class NullReporter : public Reporter {
 public:
  void Report(Severity, std::string_view, int64_t, std::string_view) override {}
};

// Runs `lines` through a Pipeline with a Tracer; returns the roots.
class TraceRun {
 public:
  TraceRun(TraceFilter f, const std::vector<std::string>& lines) : pipeline_(Options(), &reporter_), tracer_(std::move(f)) {
    pipeline_.AddSink(&tracer_);
    pipeline_.assembler().AddListener(&tracer_);
    for (const std::string& l : lines) pipeline_.ProcessLine(l);
    pipeline_.Finish();
    roots = tracer_.Finish();
  }
  std::vector<const TraceMessage*> roots;

 private:
  static PipelineOptions Options() {
    setenv("TZ", "UTC", 1);
    tzset();
    PipelineOptions o;
    o.year.fixed_year = 2026;
    return o;
  }
  NullReporter reporter_;
  Pipeline pipeline_;
  Tracer tracer_;
};

const std::vector<std::string> kFilterHop = {
    "Nov 22 07:00:17 mx postfix/smtpd[1]: connect from out.example.net[192.0.2.10]",
    "Nov 22 07:00:17 mx postfix/smtpd[1]: AAA111: client=out.example.net[192.0.2.10], sasl_method=PLAIN, "
    "sasl_username=carol",
    "Nov 22 07:00:17 mx postfix/cleanup[2]: AAA111: message-id=<m1@example.net>",
    "Nov 22 07:00:17 mx postfix/qmgr[3]: AAA111: from=<carol@example.net>, size=800, nrcpt=1 (queue active)",
    "Nov 22 07:00:18 mx postfix/smtpd[4]: BBB222: client=localhost[127.0.0.1]",
    "Nov 22 07:00:18 mx postfix/cleanup[2]: BBB222: message-id=<m1@example.net>",
    "Nov 22 07:00:18 mx postfix/qmgr[3]: BBB222: from=<carol@example.net>, size=950, nrcpt=1 (queue active)",
    "Nov 22 07:00:18 mx postfix/smtp[5]: AAA111: to=<dave@example.org>, relay=127.0.0.1[127.0.0.1]:10025, "
    "delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as BBB222)",
    "Nov 22 07:00:18 mx postfix/qmgr[3]: AAA111: removed",
    "Nov 22 07:00:19 mx postfix/smtp[6]: BBB222: to=<dave@example.org>, relay=mx.example.org[198.51.100.1]:25, "
    "delay=1, delays=0/0/0.5/0.5, dsn=5.1.1, status=bounced (host said: 550 no such user)",
    "Nov 22 07:00:19 mx postfix/cleanup[2]: CCC333: message-id=<bounce1@mx>",
    "Nov 22 07:00:19 mx postfix/bounce[7]: BBB222: sender non-delivery notification: CCC333",
    "Nov 22 07:00:19 mx postfix/qmgr[3]: CCC333: from=<>, size=2000, nrcpt=1 (queue active)",
    "Nov 22 07:00:19 mx postfix/qmgr[3]: BBB222: removed",
    "Nov 22 07:00:20 mx postfix/smtp[6]: CCC333: to=<carol@example.net>, relay=out.example.net[192.0.2.10]:25, "
    "delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)",
    "Nov 22 07:00:20 mx postfix/qmgr[3]: CCC333: removed",
    "Nov 22 07:05:00 mx postfix/smtpd[8]: NOQUEUE: reject: RCPT from bad.example.com[203.0.113.5]: 554 5.7.1 "
    "<x@example.org>: Relay access denied; from=<spam@bad.example.com> to=<x@example.org> proto=ESMTP helo=<bad>",
};

TEST(Tracer, ContentFilterHopAndBounceNotice) {
  TraceFilter f;
  f.qid = "AAA111";  // the pre-filter: only AAA111 and possible hops are kept
  TraceRun r(std::move(f), kFilterHop);
  ASSERT_EQ(r.roots.size(), 1u);
  const TraceMessage& m = *r.roots[0];
  EXPECT_EQ(m.queue_id, "AAA111");
  EXPECT_EQ(m.sasl_username, "carol");
  ASSERT_EQ(m.events.size(), 6u);  // connect, client, message-id, qmgr, delivery, removed
  EXPECT_EQ(m.events[0].kind, EventKind::kConnect);
  EXPECT_EQ(m.events[0].line, kFilterHop[0]);
  ASSERT_EQ(m.hops.size(), 1u);
  const TraceMessage& hop = *m.hops[0];
  EXPECT_EQ(hop.queue_id, "BBB222");
  EXPECT_EQ(hop.parent, &m);
  ASSERT_EQ(hop.hops.size(), 1u);
  EXPECT_EQ(hop.hops[0]->queue_id, "CCC333");  // the notice
  std::vector<RecipientOutcome> o = Outcomes(hop);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].to, "dave@example.org");
  EXPECT_EQ(o[0].word, "bounced");
  EXPECT_EQ(Outcomes(m)[0].word, "sent");
  std::string lines;
  RenderTraceLines(r.roots, &lines);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 16);  // every line but the NOQUEUE reject
  EXPECT_EQ(lines.find("NOQUEUE"), std::string::npos);
}

// Proxmox Mail Gateway (shared/corpora/pmg-log-tracker, trimmed): before
// the queue, the session's lines and proxy-accept join the message the
// filter re-injected; after the queue, the delivery to the filter naming the
// filter's ID leads to the re-injection as a hop.
TEST(Tracer, FiltersNamingTheirOwnIdAreFollowed) {
  const std::vector<std::string> before = {
      "Dec 18 15:36:32 pmg postfix/smtpd[29902]: connect from test.localdomain[192.168.22.40]",
      "Dec 18 15:36:33 pmg postfix/smtpd[29902]: NOQUEUE: client=test.localdomain[192.168.22.40]",
      "Dec 18 15:36:37 pmg postfix/smtpd[29713]: connect from localhost.localdomain[127.0.0.1]",
      "Dec 18 15:36:37 pmg postfix/smtpd[29713]: 1C6B541C5D: client=localhost.localdomain[127.0.0.1], orig_client=test.localdomain[192.168.22.40]",
      "Dec 18 15:36:37 pmg postfix/qmgr[6194]: 1C6B541C5D: from=<test@test.localdomain>, size=7298, nrcpt=1 (queue active)",
      "Dec 18 15:36:37 pmg pmg-smtp-filter[30046]: 436445DD3BD7D71595: accept mail to <test2@localhost> (1C6B541C5D) (rule: default-accept)",
      "Dec 18 15:36:37 pmg postfix/smtpd[29902]: proxy-accept: END-OF-MESSAGE: 250 2.5.0 OK (436445DD3BD7D71595); from=<test@test.localdomain> to=<test2@localhost> proto=ESMTP helo=<vger.kernel.org>",
      "Dec 18 15:36:37 pmg postfix/smtp[29913]: 1C6B541C5D: to=<test2@localhost>, relay=192.168.22.40[192.168.22.40]:25, delay=0.15, delays=0.05/0/0.05/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C19A3F62578)",
      "Dec 18 15:36:37 pmg postfix/qmgr[6194]: 1C6B541C5D: removed",
      "Dec 18 15:39:37 pmg postfix/smtpd[29902]: disconnect from test.localdomain[192.168.22.40] ehlo=1 mail=1 rcpt=1 bdat=1 quit=1 commands=5",
  };
  TraceFilter f;
  f.qid = "1C6B541C5D";
  TraceRun r(std::move(f), before);
  ASSERT_EQ(r.roots.size(), 1u);
  const TraceMessage& m = *r.roots[0];
  ASSERT_EQ(m.events.size(), 8u);  // both sessions' lines, qmgr, proxy-accept, delivery, removed
  EXPECT_EQ(m.events[0].line, before[0]);
  EXPECT_EQ(m.events[1].line, before[1]);
  EXPECT_EQ(m.events[5].kind, EventKind::kProxyAccept);

  const std::vector<std::string> after = {
      "Dec 18 15:50:34 pmg postfix/smtpd[1]: CFC5F42740: client=test.localdomain[192.168.22.40]",
      "Dec 18 15:50:35 pmg postfix/qmgr[2]: CFC5F42740: from=<test@test.localdomain>, size=7102, nrcpt=1 (queue active)",
      "Dec 18 15:50:38 pmg postfix/smtpd[3]: 88F2E42667: client=localhost.localdomain[127.0.0.1], orig_client=test.localdomain[192.168.22.40]",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: 88F2E42667: from=<test@test.localdomain>, size=8037, nrcpt=1 (queue active)",
      "Dec 18 15:50:38 pmg pmg-smtp-filter[4]: 4246C5DD1D1130AF87: accept mail to <test1@localhost> (88F2E42667) (rule: default-accept)",
      "Dec 18 15:50:38 pmg postfix/lmtp[5]: CFC5F42740: to=<test1@localhost>, relay=127.0.0.1[127.0.0.1]:10024, delay=3.8, delays=0.19/0/0/3.6, dsn=2.5.0, status=sent (250 2.5.0 OK (4246C5DD1D1130AF87))",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: CFC5F42740: removed",
      "Dec 18 15:50:38 pmg postfix/smtp[6]: 88F2E42667: to=<test1@localhost>, relay=192.168.22.40[192.168.22.40]:25, delay=0.15, delays=0.05/0/0.04/0.05, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as C928BF624F6)",
      "Dec 18 15:50:38 pmg postfix/qmgr[2]: 88F2E42667: removed",
  };
  TraceFilter g;
  g.qid = "CFC5F42740";
  TraceRun a(std::move(g), after);
  ASSERT_EQ(a.roots.size(), 1u);
  ASSERT_EQ(a.roots[0]->hops.size(), 1u);
  EXPECT_EQ(a.roots[0]->hops[0]->queue_id, "88F2E42667");
}

TEST(Tracer, FiltersCombine) {
  {
    TraceFilter f;
    ASSERT_TRUE(f.to.Set("*@example.org", false).ok());
    ASSERT_TRUE(f.client.Set("192.0.2.0/24"));
    TraceRun r(std::move(f), kFilterHop);
    ASSERT_EQ(r.roots.size(), 1u);  // AAA111, with BBB222 under it
    EXPECT_EQ(r.roots[0]->queue_id, "AAA111");
  }
  {
    TraceFilter f;
    f.status = "bounced";
    TraceRun r(std::move(f), kFilterHop);
    ASSERT_EQ(r.roots.size(), 1u);
    EXPECT_EQ(r.roots[0]->queue_id, "BBB222");
  }
  {
    TraceFilter f;  // NOQUEUE rejects match --from/--to/--client
    ASSERT_TRUE(f.client.Set("203.0.113.0/24"));
    ASSERT_TRUE(f.to.Set("x@example.org", false).ok());
    TraceRun r(std::move(f), kFilterHop);
    ASSERT_EQ(r.roots.size(), 1u);
    EXPECT_EQ(r.roots[0]->queue_id, "NOQUEUE");
    EXPECT_EQ(Outcomes(*r.roots[0])[0].word, "rejected");
  }
  {
    TraceFilter f;  // time range: [07:05, ...) holds only the reject
    f.since = 1795331100;  // 2026-11-22 07:05:00 UTC
    TraceRun r(std::move(f), kFilterHop);
    ASSERT_EQ(r.roots.size(), 1u);
    EXPECT_EQ(r.roots[0]->queue_id, "NOQUEUE");
  }
  {
    TraceFilter f;
    f.until = 1795331100;
    ASSERT_TRUE(f.sasl_user.Set("car*", false).ok());
    TraceRun r(std::move(f), kFilterHop);
    ASSERT_EQ(r.roots.size(), 1u);
    EXPECT_EQ(r.roots[0]->queue_id, "AAA111");
  }
  {
    TraceFilter f;
    ASSERT_TRUE(f.host.Set("other", false).ok());
    EXPECT_TRUE(TraceRun(std::move(f), kFilterHop).roots.empty());
  }
}

TEST(Tracer, QueueIdReuseGivesTwoMessages) {
  const std::vector<std::string> lines = {
      "Nov 22 08:00:00 mx postfix/smtpd[1]: DDD444: client=a.example[192.0.2.1]",
      "Nov 22 08:00:00 mx postfix/qmgr[3]: DDD444: from=<a@a.example>, size=10, nrcpt=1 (queue active)",
      "Nov 22 08:00:01 mx postfix/local[4]: DDD444: to=<u@mx>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, "
      "status=sent (delivered to mailbox)",
      "Nov 22 08:00:01 mx postfix/qmgr[3]: DDD444: removed",
      "Nov 22 08:00:30 mx postfix/smtpd[1]: DDD444: client=b.example[192.0.2.2]",
      "Nov 22 08:00:30 mx postfix/qmgr[3]: DDD444: from=<b@b.example>, size=20, nrcpt=1 (queue active)",
      "Nov 22 08:00:31 mx postfix/local[4]: DDD444: to=<v@mx>, relay=local, delay=1, delays=0/0/0/1, dsn=4.0.0, "
      "status=deferred (mailbox full)",
  };
  TraceFilter f;
  f.qid = "DDD444";
  TraceRun r(std::move(f), lines);
  ASSERT_EQ(r.roots.size(), 2u);
  EXPECT_EQ(r.roots[0]->from, "a@a.example");
  EXPECT_EQ(Outcomes(*r.roots[0])[0].word, "sent");
  EXPECT_EQ(r.roots[1]->from, "b@b.example");
  EXPECT_EQ(Outcomes(*r.roots[1])[0].word, "deferred");
  EXPECT_EQ(r.roots[1]->events.size(), 3u);
}

TEST(Tracer, OutputIsSafe) {
  const std::vector<std::string> lines = {
      "Nov 22 09:00:00 mx postfix/smtpd[1]: EEE555: client=evil\x1b[31m[192.0.2.9]",
      "Nov 22 09:00:00 mx postfix/qmgr[3]: EEE555: from=<a\x1b]0;x\x07\xff@x>, size=1, nrcpt=1 (queue active)",
  };
  TraceFilter f;
  TraceRun r(std::move(f), lines);
  ASSERT_EQ(r.roots.size(), 1u);
  for (auto render : {RenderTraceText, RenderTraceLines}) {
    std::string out;
    render(r.roots, &out);
    EXPECT_EQ(out.find('\x1b'), std::string::npos);
    EXPECT_EQ(out.find('\x07'), std::string::npos);
  }
  std::string json;
  RenderTraceJson(r.roots, &json);
  EXPECT_EQ(json.find('\x1b'), std::string::npos);
  EXPECT_EQ(json.find('\xff'), std::string::npos);  // escaped or replaced: valid UTF-8
}

}  // namespace
}  // namespace maillens
