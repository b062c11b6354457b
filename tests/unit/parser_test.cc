// parser_test.cc - ParseMailLine on golden lines of every daemon, on the
// real Postfix 3.7 corpus, and on the expectations of two other parsers'
// test suites (msimerson/postfix-parser, lightmeter).
//
// Most lines are real: realpostfix-sample/maillog (Postfix 3.7.11),
// lightmeter, fail2ban, postfix_exporter and pmg-log-tracker corpora under
// ../shared/corpora. The few synthetic ones are marked.
#include "postfix/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "postfix/fields.h"
#include "syslog/header.h"

namespace maillens {
namespace {

const std::string kCorpora = std::string(MAILLENS_SOURCE_DIR) + "/../shared/corpora";

// One line parsed by the header parser and ParseMailLine. Not copyable: the
// event's views point into line, and ev.header points to h.
struct Parsed {
  explicit Parsed(std::string l, ParserOptions options = {}) : line(std::move(l)) {
    YearPolicy policy;
    policy.fixed_year = 2026;
    HeaderParser hp(policy);
    header_ok = hp.Parse(line, &h);
    if (!header_ok) return;
    origin = ClassifyProgram(h, options);
    if (origin == Origin::kForeign) return;
    ok = ParseMailLine(h, origin, &ev);
  }
  Parsed(const Parsed&) = delete;
  Parsed& operator=(const Parsed&) = delete;

  std::string line;
  bool header_ok = false;
  bool ok = false;
  SyslogHeader h;
  Origin origin = Origin::kForeign;
  Event ev;
};

// The kind as a number (event.h declares EventKindName(), but the library
// does not define it).
std::string KindName(EventKind k) { return "EventKind#" + std::to_string(static_cast<int>(k)); }

std::string Describe(const Parsed& p) {
  std::ostringstream o;
  o << "line: " << p.line << "\n  header_ok=" << p.header_ok << " origin=" << static_cast<int>(p.origin)
    << " ok=" << p.ok << " kind=" << KindName(p.ev.kind) << " daemon=" << DaemonName(p.ev.daemon)
    << " qid=" << p.ev.queue_id;
  return o.str();
}

#define PARSE(var, text)                                  \
  Parsed var(text);                                       \
  SCOPED_TRACE(Describe(var));                            \
  ASSERT_TRUE(var.header_ok);                             \
  ASSERT_TRUE(var.ok);                                    \
  EXPECT_EQ(ViewsOutsideLine(var.ev, var.line), "")

std::string_view StripAngles(std::string_view s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
  return s;
}

// event.h: "every text field is a string_view into the line". Returns the
// names of the fields that are not.
std::string ViewsOutsideLine(const Event& ev, std::string_view line) {
  const std::pair<const char*, std::string_view> views[] = {
      {"queue_id", ev.queue_id}, {"client", ev.client}, {"client_name", ev.client_name},
      {"client_addr", ev.client_addr}, {"client_port", ev.client_port}, {"from", ev.from}, {"to", ev.to},
      {"orig_to", ev.orig_to}, {"stage", ev.stage}, {"reason", ev.reason}, {"helo", ev.helo},
      {"proto", ev.proto}, {"relay", ev.relay}, {"status_word", ev.status_word}, {"delay", ev.delay},
      {"dsn", ev.dsn}, {"status_text", ev.status_text}, {"rest", ev.rest}, {"child_queue_id", ev.child_queue_id},
      {"filter_id", ev.filter_id}, {"message_id", ev.message_id}, {"sasl_method", ev.sasl_method}, {"sasl_username", ev.sasl_username},
      {"sasl_sender", ev.sasl_sender}, {"user", ev.user}, {"text", ev.text}, {"command", ev.command},
  };
  std::string bad;
  for (const auto& [name, v] : views) {
    if (v.empty()) continue;
    if (v.data() == ev.queue_id.data() && v == "NOQUEUE") continue;  // event.h: may be a static string
    if (v.data() < line.data() || v.data() + v.size() > line.data() + line.size())
      bad += std::string(name) + "=\"" + std::string(v) + "\" ";
  }
  return bad;
}

// ---------------------------------------------------------------- smtpd

TEST(Parser, SmtpdConnect) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]");
  EXPECT_EQ(p.origin, Origin::kPostfix);
  EXPECT_EQ(p.ev.kind, EventKind::kConnect);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtpd);
  EXPECT_EQ(p.ev.severity, Severity::kInfo);
  EXPECT_EQ(p.ev.header, &p.h);
  EXPECT_TRUE(p.ev.queue_id.empty());
  EXPECT_EQ(p.ev.client, "localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.client_name, "localhost");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.1");
}

TEST(Parser, SmtpdConnectIpv6) {
  // lightmeter parser_cases.json "ipv6" (SmtpdConnect).
  PARSE(p, "Jan 25 20:12:52 mx postfix/smtps/smtpd[8377]: connect from unknown[1002:1712:4e2b:d061:5dff:19f:c85f:a48f]");
  EXPECT_EQ(p.ev.kind, EventKind::kConnect);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtpd);
  EXPECT_EQ(p.ev.client_name, "unknown");
  EXPECT_EQ(p.ev.client_addr, "1002:1712:4e2b:d061:5dff:19f:c85f:a48f");
}

TEST(Parser, SmtpdDisconnect) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/smtpd[27827]: disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
  EXPECT_EQ(p.ev.kind, EventKind::kDisconnect);
  EXPECT_EQ(p.ev.client, "localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.1");
  EXPECT_EQ(p.ev.command, "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");

  PARSE(q, "Feb 18 09:48:04 xxx postfix/smtpd[50903]: disconnect from unknown[192.0.2.23] ehlo=1 auth=0/1 rset=1 commands=2/3");
  EXPECT_EQ(q.ev.kind, EventKind::kDisconnect);
  EXPECT_EQ(q.ev.client_addr, "192.0.2.23");
  EXPECT_EQ(q.ev.command, "ehlo=1 auth=0/1 rset=1 commands=2/3");
}

TEST(Parser, SmtpdClientWithSasl) {
  PARSE(p, "Nov 22 05:38:35 mx postfix/submission/smtpd[28040]: 736EAA8A042: client=client1.dsl.example.net[127.0.2.1], sasl_method=PLAIN, sasl_username=bob@example.test");
  EXPECT_EQ(p.ev.kind, EventKind::kClient);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtpd);
  EXPECT_EQ(p.h.service, "postfix/submission");
  EXPECT_EQ(p.ev.queue_id, "736EAA8A042");
  EXPECT_EQ(p.ev.client, "client1.dsl.example.net[127.0.2.1]");
  EXPECT_EQ(p.ev.client_name, "client1.dsl.example.net");
  EXPECT_EQ(p.ev.client_addr, "127.0.2.1");
  EXPECT_EQ(p.ev.sasl_method, "PLAIN");
  EXPECT_EQ(p.ev.sasl_username, "bob@example.test");
  EXPECT_TRUE(p.ev.child_queue_id.empty());
}

TEST(Parser, SmtpdClientPlain) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/smtpd[27827]: 479F0A8A60F: client=localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.kind, EventKind::kClient);
  EXPECT_EQ(p.ev.queue_id, "479F0A8A60F");
  EXPECT_EQ(p.ev.client, "localhost[127.0.0.1]");
  EXPECT_TRUE(p.ev.sasl_method.empty());
  EXPECT_TRUE(p.ev.sasl_username.empty());
}

TEST(Parser, SmtpdClientOrigQueueId) {
  // Content-filter re-injection: the message's parent queue ID.
  PARSE(p, "Nov 22 05:38:39 mx postfix/smtpd[29254]: D1A42A8A6C9: client=localhost[127.0.0.1], orig_queue_id=CA43FA8A6C5, orig_client=localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.kind, EventKind::kClient);
  EXPECT_EQ(p.ev.queue_id, "D1A42A8A6C9");
  EXPECT_EQ(p.ev.client, "localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.1");
  EXPECT_EQ(p.ev.child_queue_id, "CA43FA8A6C5");
}

TEST(Parser, SmtpdClientLongQueueIds) {
  // lightmeter "Long queue id (gitlab issue #504)" and msimerson.
  PARSE(p, "Jan 25 06:32:43 mx postfix/smtpd[26382]: 3Pt2mN2VXxznjll: client=h-a4984b7e1cf68ab295d77c5df3[224.93.112.97]");
  EXPECT_EQ(p.ev.kind, EventKind::kClient);
  EXPECT_EQ(p.ev.queue_id, "3Pt2mN2VXxznjll");
  EXPECT_EQ(p.ev.client_addr, "224.93.112.97");
  PARSE(q, "Nov 28 22:50:29 smtp postfix/submission/smtpd[70013]: 3p7RMT0zrYz20p: client=unknown[192.168.0.100], sasl_method=DIGEST-MD5, sasl_username=user@dmain.com");
  EXPECT_EQ(q.ev.queue_id, "3p7RMT0zrYz20p");
  EXPECT_EQ(q.ev.sasl_method, "DIGEST-MD5");
  EXPECT_EQ(q.ev.sasl_username, "user@dmain.com");
  // Synthetic long ID.
  PARSE(r, "Nov 22 05:38:34 mx postfix/smtpd[1]: 4T5kQx1Kz7z9wK: client=localhost[::1]");
  EXPECT_EQ(r.ev.queue_id, "4T5kQx1Kz7z9wK");
  EXPECT_EQ(r.ev.client_addr, "::1");
}

TEST(Parser, QueueIdRecognition) {
  EXPECT_TRUE(fields::IsQueueId("479F0A8A60F"));
  EXPECT_TRUE(fields::IsQueueId("95154657C"));
  EXPECT_TRUE(fields::IsQueueId("4T5kQx1Kz7z9wK"));
  EXPECT_TRUE(fields::IsQueueId("3mPVKl0Mhjz7sXv"));
  EXPECT_TRUE(fields::IsQueueId("44JCRG5tYPzCqt2"));
  EXPECT_FALSE(fields::IsQueueId("NOQUEUE"));
  EXPECT_FALSE(fields::IsQueueId("warning"));
  EXPECT_FALSE(fields::IsQueueId("statistics"));
  EXPECT_FALSE(fields::IsQueueId("ABC"));
  EXPECT_FALSE(fields::IsQueueId("abcdef1234"));  // lower-case hex, no 'z'
}

TEST(Parser, NoqueueRejectRelayDenied) {
  PARSE(p, "Nov 22 05:38:37 mx postfix/smtpd[27827]: NOQUEUE: reject: RCPT from oddball.example.org[127.0.0.30]: 554 5.7.1 <victim4@example.com>: Relay access denied; from=<spam4@example.org> to=<victim4@example.com> proto=ESMTP helo=<relaytest.example.org>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtpd);
  EXPECT_EQ(p.ev.queue_id, "NOQUEUE");
  EXPECT_EQ(p.ev.action, Action::kReject);
  EXPECT_EQ(p.ev.stage, "RCPT");
  EXPECT_EQ(p.ev.client, "oddball.example.org[127.0.0.30]");
  EXPECT_EQ(p.ev.client_name, "oddball.example.org");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.30");
  EXPECT_EQ(p.ev.reason, "554 5.7.1 <victim4@example.com>: Relay access denied");
  EXPECT_TRUE(p.ev.has_from);
  EXPECT_EQ(p.ev.from, "spam4@example.org");
  EXPECT_TRUE(p.ev.has_to);
  EXPECT_EQ(p.ev.to, "victim4@example.com");
  EXPECT_EQ(p.ev.proto, "ESMTP");
  EXPECT_EQ(p.ev.helo, "relaytest.example.org");
}

TEST(Parser, NoqueueRejectEmptyAddresses) {
  // fail2ban: empty sender/recipient and an empty helo.
  PARSE(p, "Feb 21 09:21:54 xxx postfix/smtpd[14398]: NOQUEUE: reject: RCPT from example.com[192.0.43.10]: 450 4.7.1 : Helo command rejected: Host not found; from=<> to=<> proto=ESMTP helo=");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.client_addr, "192.0.43.10");
  EXPECT_TRUE(p.ev.has_from);
  EXPECT_EQ(p.ev.from, "");
  EXPECT_TRUE(p.ev.has_to);
  EXPECT_EQ(p.ev.to, "");
  EXPECT_EQ(p.ev.proto, "ESMTP");
  EXPECT_EQ(p.ev.reason, "450 4.7.1 : Helo command rejected: Host not found");
}

TEST(Parser, RejectReasonWithSemicolons) {
  // fail2ban: the RBL text has its own "; " before the envelope.
  PARSE(p, "Dec 21 21:17:29 xxx postfix/smtpd[7150]: NOQUEUE: reject: RCPT from badserver.example.com[93.184.216.34]: 450 4.7.1 Client host rejected: cannot find your hostname, [93.184.216.34]; from=<badactor@example.com> to=<goodguy@example.com> proto=ESMTP helo=<badserver.example.com>");
  EXPECT_EQ(p.ev.reason, "450 4.7.1 Client host rejected: cannot find your hostname, [93.184.216.34]");
  EXPECT_EQ(p.ev.from, "badactor@example.com");
  EXPECT_EQ(p.ev.to, "goodguy@example.com");
  EXPECT_EQ(p.ev.helo, "badserver.example.com");
}

TEST(Parser, RejectWithoutSender) {
  // Real Postfix 3.7 line: a VRFY reject has no from= (smtpd_check.c
  // log_whatsup appends from=, to=, proto=, helo= only when known).
  PARSE(p, "Nov 22 05:38:41 mx postfix/smtpd[27827]: NOQUEUE: reject: VRFY from unknown[127.0.0.39]: 550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in local recipient table; to=<nosuchuser@example.test> proto=ESMTP helo=<prober.example.org>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.action, Action::kReject);
  EXPECT_EQ(p.ev.stage, "VRFY");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.39");
  EXPECT_EQ(p.ev.reason,
            "550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown in local recipient table");
  EXPECT_FALSE(p.ev.has_from);
  EXPECT_TRUE(p.ev.has_to);
  EXPECT_EQ(p.ev.to, "nosuchuser@example.test");
  EXPECT_EQ(p.ev.proto, "ESMTP");
  EXPECT_EQ(p.ev.helo, "prober.example.org");
}

TEST(Parser, RejectAtHeloAndConnectStages) {
  // fail2ban: no from=/to= before the HELO/EHLO or at CONNECT.
  PARSE(p, "Jan 31 13:55:24 xxx postfix/smtpd[3462]: NOQUEUE: reject: EHLO from s271272.static.corbina.ru[78.107.251.238]: 504 5.5.2 <User>: Helo command rejected: need fully-qualified hostname; proto=SMTP helo=<User>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.stage, "EHLO");
  EXPECT_EQ(p.ev.client_addr, "78.107.251.238");
  EXPECT_EQ(p.ev.reason, "504 5.5.2 <User>: Helo command rejected: need fully-qualified hostname");
  EXPECT_FALSE(p.ev.has_from);
  EXPECT_FALSE(p.ev.has_to);
  EXPECT_EQ(p.ev.proto, "SMTP");
  EXPECT_EQ(p.ev.helo, "User");

  PARSE(q, "Jun  1 19:00:55 mail postfix/smtpd[7749]: NOQUEUE: reject: CONNECT from unknown[192.0.2.114]: 450 4.7.25 Client host rejected: cannot find your hostname, [178.215.236.114]; proto=SMTP");
  EXPECT_EQ(q.ev.kind, EventKind::kReject);
  EXPECT_EQ(q.ev.stage, "CONNECT");
  EXPECT_EQ(q.ev.client_addr, "192.0.2.114");
  EXPECT_EQ(q.ev.reason, "450 4.7.25 Client host rejected: cannot find your hostname, [178.215.236.114]");
  EXPECT_EQ(q.ev.proto, "SMTP");
}

TEST(Parser, RejectWithQueueId) {
  PARSE(p, "Nov 22 05:38:41 mx postfix/smtpd[27827]: 21096A8A709: reject: RCPT from localhost[127.0.0.1]: 550 5.1.1 <nosuch5@example.test>: Recipient address rejected: User unknown in local recipient table; from=<bob@example.test> to=<nosuch5@example.test> proto=ESMTP helo=<client.example.test>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.queue_id, "21096A8A709");
  EXPECT_EQ(p.ev.action, Action::kReject);
  EXPECT_EQ(p.ev.to, "nosuch5@example.test");
  // fail2ban: BDAT, a multi-instance service and a long queue ID.
  PARSE(q, "Mar 11 23:27:54 server postfix-smo/submission/smtpd[22427]: 44JCRG5tYPzCqt2: reject: BDAT from signing-milter.example.com[192.0.2.109]: 550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce; from=<> to=<some@example.com> proto=ESMTP helo=<domain.tld>");
  EXPECT_EQ(q.origin, Origin::kPostfix);
  EXPECT_EQ(q.ev.kind, EventKind::kReject);
  EXPECT_EQ(q.ev.queue_id, "44JCRG5tYPzCqt2");
  EXPECT_EQ(q.ev.stage, "BDAT");
  EXPECT_TRUE(q.ev.has_from);
  EXPECT_EQ(q.ev.from, "");
  EXPECT_EQ(q.ev.to, "some@example.com");
}

TEST(Parser, RejectWarningHoldDiscardFilter) {
  PARSE(w, "Nov 22 05:38:41 mx postfix/smtpd[28046]: NOQUEUE: reject_warning: RCPT from mx9.partner1.test[127.0.1.9]: 554 5.7.1 <trap@example.test>: Recipient address rejected: spam trap hit (warn_if_reject); from=<promo1@partner.test> to=<trap@example.test> proto=ESMTP helo=<mail.partner.test>");
  EXPECT_EQ(w.ev.kind, EventKind::kReject);
  EXPECT_EQ(w.ev.action, Action::kRejectWarning);
  EXPECT_EQ(w.ev.stage, "RCPT");
  EXPECT_EQ(w.ev.from, "promo1@partner.test");
  EXPECT_EQ(w.ev.to, "trap@example.test");

  PARSE(h, "Nov 22 05:38:40 mx postfix/smtpd[28046]: NOQUEUE: hold: RCPT from mx7.partner3.test[127.0.1.7]: <q1@quarantine.test>: Sender address quarantined by sender_access; from=<q1@quarantine.test> to=<alice@example.test> proto=ESMTP helo=<mx.quarantine.test>");
  EXPECT_EQ(h.ev.kind, EventKind::kReject);
  EXPECT_EQ(h.ev.action, Action::kHold);
  EXPECT_EQ(h.ev.reason, "<q1@quarantine.test>: Sender address quarantined by sender_access");
  EXPECT_EQ(h.ev.helo, "mx.quarantine.test");

  PARSE(d, "Nov 22 05:38:41 mx postfix/smtpd[29645]: NOQUEUE: discard: RCPT from mx3.partner3.test[127.0.1.3]: <t1@trash.test>: Sender address discarded by sender_access; from=<t1@trash.test> to=<alice@example.test> proto=ESMTP helo=<mx.trash.test>");
  EXPECT_EQ(d.ev.kind, EventKind::kReject);
  EXPECT_EQ(d.ev.action, Action::kDiscard);
  EXPECT_EQ(d.ev.client_name, "mx3.partner3.test");

  PARSE(f, "Nov 22 05:38:39 mx postfix/smtpd[27827]: NOQUEUE: filter: RCPT from localhost[127.0.0.1]: <scanner1@filtered.test>: Sender address triggers FILTER scan:[127.0.0.1]:10026; from=<scanner1@filtered.test> to=<bob@example.test> proto=ESMTP helo=<client.example.test>");
  EXPECT_EQ(f.ev.kind, EventKind::kReject);
  EXPECT_EQ(f.ev.action, Action::kFilter);
  EXPECT_EQ(f.ev.to, "bob@example.test");
}

TEST(Parser, SmtpdMilterReject) {
  // fail2ban (unpadded day) and tests/data/differences.
  PARSE(p, "Mar 7 02:09:33 server postfix/smtpd[27246]: 1D8CC1CA0A7F: milter-reject: DATA from 66-220-155-151.mail-mail.facebook.com[192.0.2.151]: 550 5.7.1 Command rejected; from=<security@mail.example.com> to=<hostmaster@example.com> proto=ESMTP helo=<192-0-2-151.mail-mail.example.com>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.action, Action::kMilterReject);
  EXPECT_EQ(p.ev.queue_id, "1D8CC1CA0A7F");
  EXPECT_EQ(p.ev.stage, "DATA");
  EXPECT_EQ(p.ev.client_name, "66-220-155-151.mail-mail.facebook.com");
  EXPECT_EQ(p.ev.client_addr, "192.0.2.151");
  EXPECT_EQ(p.ev.reason, "550 5.7.1 Command rejected");
  EXPECT_EQ(p.ev.from, "security@mail.example.com");
  EXPECT_EQ(p.ev.helo, "192-0-2-151.mail-mail.example.com");
  EXPECT_EQ(p.h.day, 7);

  PARSE(q, "Nov 20 10:00:01 mx postfix/smtpd[100]: NOQUEUE: milter-reject: RCPT from a.example.com[192.0.2.1]: 550 5.7.1 Spam; from=<a@example.com> to=<c@example.net> proto=ESMTP helo=<a.example.com>");
  EXPECT_EQ(q.ev.action, Action::kMilterReject);
  EXPECT_EQ(q.ev.queue_id, "NOQUEUE");
  EXPECT_EQ(q.ev.to, "c@example.net");
}

TEST(Parser, LostConnectionAfterData) {
  PARSE(p, "Nov 22 05:38:41 mx postfix/smtpd[27827]: lost connection after DATA (0 bytes) from unknown[127.0.1.8]");
  EXPECT_EQ(p.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_TRUE(p.ev.queue_id.empty());
  EXPECT_EQ(p.ev.text, "lost connection");
  EXPECT_EQ(p.ev.command, "DATA");
  EXPECT_EQ(p.ev.client, "unknown[127.0.1.8]");
  EXPECT_EQ(p.ev.client_addr, "127.0.1.8");

  // Postfix >= 3.10 prefixes the queue ID once the transaction has one.
  PARSE(q, "Nov 20 10:00:01 mx postfix/smtpd[100]: 1A2B3C4D5E: lost connection after DATA (4096 bytes) from a.example.com[192.0.2.1]");
  EXPECT_EQ(q.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(q.ev.queue_id, "1A2B3C4D5E");
  EXPECT_EQ(q.ev.text, "lost connection");
  EXPECT_EQ(q.ev.command, "DATA");
  EXPECT_EQ(q.ev.client_name, "a.example.com");
  EXPECT_EQ(q.ev.client_addr, "192.0.2.1");

  PARSE(r, "Feb 18 09:50:05 xxx postfix/smtpd[42]: lost connection after DATA from good-host.example.com[192.0.2.10]");
  EXPECT_EQ(r.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(r.ev.command, "DATA");
  EXPECT_EQ(r.ev.client_addr, "192.0.2.10");

  PARSE(s, "Sep 17 18:19:20 mxhost postfix/smtpd[12345]: NOQUEUE: lost connection after CONNECT from unknown[192.0.2.25]");
  EXPECT_EQ(s.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(s.ev.command, "CONNECT");
  EXPECT_EQ(s.ev.client_addr, "192.0.2.25");
}

TEST(Parser, OtherAbnormalEnds) {
  PARSE(t, "Jan 28 14:25:35 mail postfix/smtpd[6915]: timeout after END-OF-MESSAGE from localhost[127.0.0.1]");
  EXPECT_EQ(t.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(t.ev.text, "timeout");
  EXPECT_EQ(t.ev.command, "END-OF-MESSAGE");
  PARSE(e, "Jun  3 06:25:43 srv postfix/smtpd[29306]: too many errors after RCPT from example.com[192.0.2.11]");
  EXPECT_EQ(e.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(e.ev.text, "too many errors");
  EXPECT_EQ(e.ev.command, "RCPT");
  EXPECT_EQ(e.ev.client_addr, "192.0.2.11");
  PARSE(i, "Nov 22 05:38:41 mx postfix/smtpd[29645]: improper command pipelining after EHLO from unknown[127.0.0.35]: MAIL FROM:<p@example.org>\\r\\n");
  EXPECT_EQ(i.ev.kind, EventKind::kAbnormalEnd);
  EXPECT_EQ(i.ev.text, "improper command pipelining");
  EXPECT_EQ(i.ev.command, "EHLO");
  EXPECT_EQ(i.ev.client, "unknown[127.0.0.35]");
}

TEST(Parser, SaslFailureWithUsername) {
  PARSE(p, "Nov 22 05:38:37 mx postfix/submission/smtpd[28040]: warning: localhost[127.0.0.1]: SASL PLAIN authentication failed: (reason unavailable), sasl_username=alice@example.test");
  EXPECT_EQ(p.ev.kind, EventKind::kSaslFailure);
  EXPECT_EQ(p.ev.severity, Severity::kWarning);
  EXPECT_EQ(p.ev.client, "localhost[127.0.0.1]");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.1");
  EXPECT_EQ(p.ev.sasl_method, "PLAIN");
  EXPECT_EQ(p.ev.sasl_username, "alice@example.test");
  EXPECT_EQ(p.ev.reason, "(reason unavailable)");
}

TEST(Parser, SaslFailureWithoutUsername) {
  PARSE(p, "Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: warning: laptop.local[192.168.1.2]: SASL PLAIN authentication failed: generic failure");
  EXPECT_EQ(p.ev.kind, EventKind::kSaslFailure);
  EXPECT_EQ(p.ev.client_name, "laptop.local");
  EXPECT_EQ(p.ev.client_addr, "192.168.1.2");
  EXPECT_EQ(p.ev.sasl_method, "PLAIN");
  EXPECT_TRUE(p.ev.sasl_username.empty());
  EXPECT_EQ(p.ev.reason, "generic failure");

  PARSE(q, "Dec  2 22:24:22 hel postfix/smtpd[7676]: warning: 114-44-142-233.dynamic.hinet.net[114.44.142.233]: SASL CRAM-MD5 authentication failed: PDc3OTEwNTkyNTEyMzA2NDIuMTIyODI1MzA2MUBoZWw+");
  EXPECT_EQ(q.ev.kind, EventKind::kSaslFailure);
  EXPECT_EQ(q.ev.sasl_method, "CRAM-MD5");
  EXPECT_EQ(q.ev.client_addr, "114.44.142.233");
  EXPECT_EQ(q.ev.reason, "PDc3OTEwNTkyNTEyMzA2NDIuMTIyODI1MzA2MUBoZWw+");

  // Client with a port (smtpd_client_port_logging).
  PARSE(r, "Aug 4 16:47:52 mail3 postfix/smtpd[31152]: warning: unknown[192.0.2.237]:55729: SASL LOGIN authentication failed: authentication failure");
  EXPECT_EQ(r.ev.kind, EventKind::kSaslFailure);
  EXPECT_EQ(r.ev.client_addr, "192.0.2.237");
  EXPECT_EQ(r.ev.client_port, "55729");
  EXPECT_EQ(r.ev.sasl_method, "LOGIN");

  // Not a per-client failure: stays a plain warning.
  PARSE(s, "Apr 26 10:55:19 tcc1 postfix/smtpd[21126]: warning: SASL authentication failure: Password verification failed");
  EXPECT_EQ(s.ev.kind, EventKind::kWarning);
}

// ------------------------------------------------------------ postscreen

TEST(Parser, PostscreenConnect) {
  PARSE(p, "Feb 24 16:18:40 letterman postfix/postscreen[1234]: CONNECT from [1.2.3.4]:5678 to [5.6.7.8]:25");
  EXPECT_EQ(p.ev.kind, EventKind::kConnect);
  EXPECT_EQ(p.ev.daemon, Daemon::kPostscreen);
  EXPECT_EQ(p.ev.client_addr, "1.2.3.4");
  EXPECT_EQ(p.ev.client_port, "5678");
}

TEST(Parser, PostscreenVerdicts) {
  struct Case {
    const char* line;
    const char* text;
    const char* addr;
    const char* port;
  };
  const Case cases[] = {
      {"Feb 24 16:18:40 letterman postfix/postscreen[1234]: PASS NEW [1.2.3.4]:5678", "PASS NEW", "1.2.3.4", "5678"},
      {"Jan 28 06:40:37 mail postfix/postscreen[15049]: PASS OLD [224.73.110.132]:34764", "PASS OLD",
       "224.73.110.132", "34764"},
      {"Jan 27 07:49:18 mail postfix/postscreen[8291]: DNSBL rank 3 for [155.63.95.6]:63966", "DNSBL", "155.63.95.6",
       "63966"},
      {"Dec 23 19:39:13 xxx postfix/postscreen[21057]: PREGREET 14 after 0.08 from [192.0.2.2]:59415: EHLO ylmf-pc\\r\\n",
       "PREGREET", "192.0.2.2", "59415"},
      {"Dec 24 00:54:36 xxx postfix/postscreen[22515]: HANGUP after 16 from [192.0.2.3]:48119 in tests after SMTP handshake",
       "HANGUP", "192.0.2.3", "48119"},
      {"Jan 28 08:43:48 mail postfix/postscreen[15108]: DISCONNECT [222.85.244.30]:46794", "DISCONNECT",
       "222.85.244.30", "46794"},
      {"Feb 24 16:18:40 letterman postfix/postscreen[3508454]: DENYLISTED [1.2.3.4]:5678", "DENYLISTED", "1.2.3.4",
       "5678"},
      {"Feb 24 16:18:40 letterman postfix/postscreen[3508454]: BLACKLISTED [1.2.3.5]:5678", "BLACKLISTED", "1.2.3.5",
       "5678"},
      {"Feb 24 16:18:40 letterman postfix/postscreen[3508454]: ALLOWLISTED [69.171.232.146]:61236", "ALLOWLISTED",
       "69.171.232.146", "61236"},
      {"Jun  8 23:14:28 proxy2 postfix/postscreen[473]: COMMAND TIME LIMIT from [192.0.2.77]:3608 after CONNECT",
       "COMMAND TIME LIMIT", "192.0.2.77", "3608"},
  };
  for (const Case& c : cases) {
    PARSE(p, c.line);
    EXPECT_EQ(p.ev.kind, EventKind::kPostscreenVerdict);
    EXPECT_EQ(p.ev.daemon, Daemon::kPostscreen);
    EXPECT_EQ(p.ev.text, c.text);
    EXPECT_EQ(p.ev.client_addr, c.addr);
    EXPECT_EQ(p.ev.client_port, c.port);
  }
  PARSE(rank, "Jan 27 11:27:13 mail postfix/postscreen[1675]: DNSBL rank 5 for [8.229.244.8]:41358");
  EXPECT_EQ(rank.ev.reason, "5");
  PARSE(pregreet, "Feb 24 16:18:40 letterman postfix/postscreen[1234]: PREGREET 14 after 0.18 from [1.2.3.4]:5678: EHLO [74.207.242.122]");
  EXPECT_EQ(pregreet.ev.client_addr, "1.2.3.4");
  EXPECT_EQ(pregreet.ev.reason, "EHLO [74.207.242.122]");
}

TEST(Parser, PostscreenNoqueueReject) {
  // Comma-separated envelope (postscreen_smtpd.c).
  PARSE(p, "May  5 15:51:11 xxx postfix/postscreen[1148]: NOQUEUE: reject: RCPT from [216.245.194.173]:60591: 550 5.7.1 Service unavailable; client [216.245.194.173] blocked using rbl.example.com; from=<spammer@example.com>, to=<goodguy@example.com>, proto=ESMTP, helo=<badguy.example.com>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.daemon, Daemon::kPostscreen);
  EXPECT_EQ(p.ev.queue_id, "NOQUEUE");
  EXPECT_EQ(p.ev.action, Action::kReject);
  EXPECT_EQ(p.ev.stage, "RCPT");
  EXPECT_EQ(p.ev.client_addr, "216.245.194.173");
  EXPECT_EQ(p.ev.client_port, "60591");
  EXPECT_EQ(p.ev.reason, "550 5.7.1 Service unavailable; client [216.245.194.173] blocked using rbl.example.com");
  EXPECT_EQ(p.ev.from, "spammer@example.com");
  EXPECT_EQ(p.ev.to, "goodguy@example.com");
  EXPECT_EQ(p.ev.proto, "ESMTP");
  EXPECT_EQ(p.ev.helo, "badguy.example.com");

  PARSE(q, "Feb 24 16:18:40 letterman postfix/postscreen[1234]: NOQUEUE: reject: CONNECT from [1.2.3.4]:5678: too many connections");
  EXPECT_EQ(q.ev.kind, EventKind::kReject);
  EXPECT_EQ(q.ev.stage, "CONNECT");
  EXPECT_EQ(q.ev.client_addr, "1.2.3.4");
  EXPECT_EQ(q.ev.client_port, "5678");
  EXPECT_EQ(q.ev.reason, "too many connections");
}

// ------------------------------------------------------ cleanup / pickup

TEST(Parser, CleanupMessageId) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/cleanup[27831]: 479F0A8A60F: message-id=<rp.42.E0001@example.test>");
  EXPECT_EQ(p.ev.kind, EventKind::kMessageId);
  EXPECT_EQ(p.ev.daemon, Daemon::kCleanup);
  EXPECT_EQ(p.ev.queue_id, "479F0A8A60F");
  EXPECT_EQ(StripAngles(p.ev.message_id), "rp.42.E0001@example.test");
  // A free-form (not bracketed) message-id is kept (lightmeter).
  PARSE(q, "Jun  3 10:40:57 mail postfix/cleanup[9709]: 4AA091855DA0: message-id=656587JHGJHG");
  EXPECT_EQ(q.ev.kind, EventKind::kMessageId);
  EXPECT_EQ(StripAngles(q.ev.message_id), "656587JHGJHG");
}

TEST(Parser, CleanupHeaderActions) {
  PARSE(r, "Nov 22 05:38:39 mx postfix/cleanup[28289]: 73E0CA8A4AE: reject: header Subject: [REJECT] cheap pills 1 from unknown[127.0.1.2]; from=<f1@partner.test> to=<alice@example.test> proto=ESMTP helo=<mx.partner.test>: 5.7.1 message content rejected (header_checks)");
  EXPECT_EQ(r.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(r.ev.daemon, Daemon::kCleanup);
  EXPECT_EQ(r.ev.queue_id, "73E0CA8A4AE");
  EXPECT_EQ(r.ev.action, Action::kReject);
  EXPECT_EQ(r.ev.stage, "header");
  EXPECT_NE(r.ev.reason.find("Subject: [REJECT] cheap pills 1"), std::string_view::npos) << r.ev.reason;
  EXPECT_EQ(r.ev.from, "f1@partner.test");
  EXPECT_EQ(r.ev.to, "alice@example.test");
  EXPECT_EQ(r.ev.helo, "mx.partner.test");

  PARSE(b, "Nov 22 05:38:39 mx postfix/cleanup[28289]: C0E44A8A6C4: reject: body XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X from mx3.partner3.test[127.0.1.3]; from=<gtube@partner.test> to=<bob@example.test> proto=ESMTP helo=<mx.partner.test>: 5.7.1 GTUBE test string (body_checks)");
  EXPECT_EQ(b.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(b.ev.action, Action::kReject);
  EXPECT_EQ(b.ev.stage, "body");
  EXPECT_EQ(b.ev.from, "gtube@partner.test");

  PARSE(w, "Nov 22 05:38:40 mx postfix/cleanup[28289]: 9598BA8A6ED: warning: header Subject: [WARN] maybe spam 1 from mx3.partner3.test[127.0.1.3]; from=<k1@partner.test> to=<bob@example.test> proto=ESMTP helo=<mx.partner.test>: suspicious subject (header_checks)");
  EXPECT_EQ(w.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(w.ev.action, Action::kWarn);
  EXPECT_EQ(w.ev.stage, "header");
  EXPECT_EQ(w.ev.queue_id, "9598BA8A6ED");
  EXPECT_EQ(w.ev.to, "bob@example.test");

  PARSE(h, "Nov 22 05:38:39 mx postfix/cleanup[28289]: E9288A8A6CC: hold: header Subject: [HOLD] invoice 1 from unknown[127.0.1.8]; from=<g1@partner.test> to=<alice@example.test> proto=ESMTP helo=<mx.partner.test>: held for review (header_checks)");
  EXPECT_EQ(h.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(h.ev.action, Action::kHold);
  EXPECT_EQ(h.ev.from, "g1@partner.test");

  PARSE(d, "Nov 22 05:38:40 mx postfix/cleanup[28289]: 4E8BEA8A6E2: discard: header Subject: [DISCARD] newsletter 1 from unknown[127.0.1.8]; from=<h1@partner.test> to=<bob@example.test> proto=ESMTP helo=<mx.partner.test>: discarded by header_checks");
  EXPECT_EQ(d.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(d.ev.action, Action::kDiscard);

  PARSE(x, "Nov 22 05:38:41 mx postfix/cleanup[27831]: E98D6A8A729: redirect: header X-Test-Redirect: yes from unknown[127.0.1.8]; from=<redir@partner.test> to=<bob@example.test> proto=ESMTP helo=<mail.partner.test>: archive@example.test");
  EXPECT_EQ(x.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(x.ev.action, Action::kRedirect);
}

TEST(Parser, CleanupMilterRejectEndOfMessage) {
  PARSE(p, "Feb 16 22:23:12 mx postfix/cleanup[9060]: 769FF2E0760: milter-reject: END-OF-MESSAGE from h-72f555a0840e4b9553[117.165.155.187]: 5.7.1 Spam message rejected; from=<h-59bd@h-183bcda0e2fe4.com> to=<h-688f0f21f362894034ba55@h-ff6b5e9182fd933.com> proto=ESMTP helo=<h-72f555a0840e4b9553>");
  EXPECT_EQ(p.ev.kind, EventKind::kCleanupAction);
  EXPECT_EQ(p.ev.daemon, Daemon::kCleanup);
  EXPECT_EQ(p.ev.queue_id, "769FF2E0760");
  EXPECT_EQ(p.ev.action, Action::kMilterReject);
  EXPECT_EQ(p.ev.stage, "END-OF-MESSAGE");
  EXPECT_EQ(p.ev.client_name, "h-72f555a0840e4b9553");
  EXPECT_EQ(p.ev.client_addr, "117.165.155.187");
  EXPECT_EQ(p.ev.reason, "5.7.1 Spam message rejected");
  EXPECT_EQ(p.ev.from, "h-59bd@h-183bcda0e2fe4.com");
  EXPECT_EQ(p.ev.to, "h-688f0f21f362894034ba55@h-ff6b5e9182fd933.com");
  EXPECT_EQ(p.ev.helo, "h-72f555a0840e4b9553");
}

TEST(Parser, Pickup) {
  PARSE(p, "Nov 22 05:38:40 mx postfix/pickup[27790]: C1AA6A8A6F5: uid=0 from=<root@example.test>");
  EXPECT_EQ(p.ev.kind, EventKind::kPickup);
  EXPECT_EQ(p.ev.daemon, Daemon::kPickup);
  EXPECT_EQ(p.ev.queue_id, "C1AA6A8A6F5");
  EXPECT_TRUE(p.ev.has_from);
  EXPECT_EQ(p.ev.from, "root@example.test");
  EXPECT_TRUE(p.ev.child_queue_id.empty());

  PARSE(q, "Nov 22 05:38:51 mx postfix/pickup[27790]: F2EDCA8A46B: uid=102 from=<bob@example.test> orig_id=EC76BA8A644");
  EXPECT_EQ(q.ev.kind, EventKind::kPickup);
  EXPECT_EQ(q.ev.from, "bob@example.test");
  EXPECT_EQ(q.ev.child_queue_id, "EC76BA8A644");

  PARSE(r, "Feb  1 13:17:02 mail postfix/pickup[28541]: 08ACF1541B01: uid=42 from=<someone>");
  EXPECT_EQ(r.ev.from, "someone");
}

// ------------------------------------------------------------------ qmgr

TEST(Parser, QmgrQueueActive) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/qmgr[27791]: 479F0A8A60F: from=<bob@example.test>, size=1392, nrcpt=1 (queue active)");
  EXPECT_EQ(p.ev.kind, EventKind::kQueueActive);
  EXPECT_EQ(p.ev.daemon, Daemon::kQmgr);
  EXPECT_EQ(p.ev.queue_id, "479F0A8A60F");
  EXPECT_TRUE(p.ev.has_from);
  EXPECT_EQ(p.ev.from, "bob@example.test");
  EXPECT_EQ(p.ev.size, 1392);
  EXPECT_EQ(p.ev.nrcpt, 1);

  PARSE(q, "Jul  5 06:52:11 prd-mx1 postfix/qmgr[20459]: 3mPVKl0Mhjz7sXv: from=<>, size=2666, nrcpt=2 (queue active)");
  EXPECT_EQ(q.ev.kind, EventKind::kQueueActive);
  EXPECT_EQ(q.ev.queue_id, "3mPVKl0Mhjz7sXv");
  EXPECT_TRUE(q.ev.has_from);
  EXPECT_EQ(q.ev.from, "");
  EXPECT_EQ(q.ev.size, 2666);
  EXPECT_EQ(q.ev.nrcpt, 2);
}

TEST(Parser, QmgrExpiredAndRemoved) {
  PARSE(e, "Nov 22 05:39:34 mx postfix/qmgr[27791]: 9AB87A8A62B: from=<bob@example.test>, status=expired, returned to sender");
  EXPECT_EQ(e.ev.kind, EventKind::kExpired);
  EXPECT_EQ(e.ev.queue_id, "9AB87A8A62B");
  EXPECT_EQ(e.ev.from, "bob@example.test");
  EXPECT_EQ(e.ev.status, DeliveryStatus::kExpired);
  EXPECT_EQ(e.ev.status_word, "expired");

  PARSE(f, "Apr 10 14:50:16 mail postfix/qmgr[3663]: BACE842E73: from=<noreply@domain.com>, status=force-expired, returned to sender");
  EXPECT_EQ(f.ev.kind, EventKind::kExpired);
  EXPECT_EQ(f.ev.status_word, "force-expired");

  PARSE(r, "Nov 22 05:38:35 mx postfix/qmgr[27791]: 5A3FCA8A663: removed");
  EXPECT_EQ(r.ev.kind, EventKind::kRemoved);
  EXPECT_EQ(r.ev.daemon, Daemon::kQmgr);
  EXPECT_EQ(r.ev.queue_id, "5A3FCA8A663");
}

// ------------------------------------------------------- delivery agents

TEST(Parser, SmtpDeferredConnectionRefused) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/smtp[27832]: 479F0A8A60F: to=<user1@deferred.test>, relay=none, delay=0.03, delays=0.01/0.01/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2999: Connection refused)");
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtp);
  EXPECT_EQ(p.ev.queue_id, "479F0A8A60F");
  EXPECT_TRUE(p.ev.has_to);
  EXPECT_EQ(p.ev.to, "user1@deferred.test");
  EXPECT_TRUE(p.ev.orig_to.empty());
  EXPECT_EQ(p.ev.relay, "none");
  EXPECT_EQ(p.ev.delay, "0.03");
  EXPECT_DOUBLE_EQ(p.ev.delay_s, 0.03);
  EXPECT_TRUE(p.ev.has_delays);
  EXPECT_FLOAT_EQ(p.ev.delays[0], 0.01f);
  EXPECT_FLOAT_EQ(p.ev.delays[1], 0.01f);
  EXPECT_FLOAT_EQ(p.ev.delays[2], 0.0f);
  EXPECT_FLOAT_EQ(p.ev.delays[3], 0.0f);
  EXPECT_EQ(p.ev.dsn, "4.4.1");
  EXPECT_EQ(p.ev.status, DeliveryStatus::kDeferred);
  EXPECT_EQ(p.ev.status_word, "deferred");
  EXPECT_EQ(p.ev.status_text, "connect to 127.0.0.1[127.0.0.1]:2999: Connection refused");
  EXPECT_TRUE(p.ev.child_queue_id.empty());
}

TEST(Parser, SmtpConnUseAndDelays) {
  PARSE(p, "Nov 22 05:38:45 mx postfix/smtp[29583]: 0CFE0A8A64A: to=<user4@tempfail.test>, relay=127.0.0.1[127.0.0.1]:2527, conn_use=2, delay=10, delays=9.9/0.05/0/0.01, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.3.0 Error: command failed (in reply to RCPT TO command))");
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(p.ev.relay, "127.0.0.1[127.0.0.1]:2527");
  EXPECT_EQ(p.ev.delay, "10");
  EXPECT_DOUBLE_EQ(p.ev.delay_s, 10.0);
  EXPECT_FLOAT_EQ(p.ev.delays[0], 9.9f);
  EXPECT_FLOAT_EQ(p.ev.delays[1], 0.05f);
  EXPECT_FLOAT_EQ(p.ev.delays[2], 0.0f);
  EXPECT_FLOAT_EQ(p.ev.delays[3], 0.01f);
  EXPECT_EQ(p.ev.dsn, "4.3.0");
  EXPECT_EQ(p.ev.status, DeliveryStatus::kDeferred);
  EXPECT_EQ(p.ev.status_text,
            "host 127.0.0.1[127.0.0.1] said: 450 4.3.0 Error: command failed (in reply to RCPT TO command)");
}

TEST(Parser, SmtpSentQueuedAs) {
  PARSE(p, "Nov 22 05:38:39 mx postfix/smtp[29249]: CA43FA8A6C5: to=<bob@example.test>, relay=127.0.0.1[127.0.0.1]:10026, delay=0.03, delays=0/0.01/0.02/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as D1A42A8A6C9)");
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(p.ev.status, DeliveryStatus::kSent);
  EXPECT_EQ(p.ev.status_word, "sent");
  EXPECT_EQ(p.ev.dsn, "2.0.0");
  EXPECT_EQ(p.ev.status_text, "250 2.0.0 Ok: queued as D1A42A8A6C9");
  EXPECT_EQ(p.ev.child_queue_id, "D1A42A8A6C9");
  // Long queue IDs in both places (msimerson).
  PARSE(q, "Jul  5 06:52:11 prd-mx1 postfix/smtp[22030]: 3mPVKl0Mhjz7sXv: to=<56597@continuity.delivery>, relay=10.2.2.85[10.2.2.85]:2527, delay=0.51, delays=0.44/0.01/0.05/0.01, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 3mPVKl3YVXz2pS5Z)");
  EXPECT_EQ(q.ev.queue_id, "3mPVKl0Mhjz7sXv");
  EXPECT_EQ(q.ev.child_queue_id, "3mPVKl3YVXz2pS5Z");
  // A relayed answer quoting another MTA (lightmeter).
  PARSE(r, "May  5 00:00:00 mail postfix/smtp[17709]: AB5501855DA0: to=<to@mail.com>, orig_to=<orig_to@example.com>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.87, delays=0.68/0.01/0/0.18, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 2F01D1855DB2)");
  EXPECT_EQ(r.ev.orig_to, "orig_to@example.com");
  EXPECT_EQ(r.ev.child_queue_id, "2F01D1855DB2");
  EXPECT_EQ(r.ev.status_text, "250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 2F01D1855DB2");
}

TEST(Parser, SmtpTlsField) {
  // Postfix 3.11 adds ", tls=..." before dsn= (tests/data/differences/tls-field.log).
  PARSE(p, "Nov 20 10:00:02 mx postfix/smtp[102]: 1A2B3C4D5E: to=<b@example.net>, relay=mx.example.net[198.51.100.1]:25, delay=2, delays=0.1/0/1/0.9, tls=TLSv1.3, dsn=2.0.0, status=sent (250 2.0.0 Ok)");
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(p.ev.to, "b@example.net");
  EXPECT_EQ(p.ev.relay, "mx.example.net[198.51.100.1]:25");
  EXPECT_EQ(p.ev.delay, "2");
  EXPECT_FLOAT_EQ(p.ev.delays[0], 0.1f);
  EXPECT_FLOAT_EQ(p.ev.delays[2], 1.0f);
  EXPECT_FLOAT_EQ(p.ev.delays[3], 0.9f);
  EXPECT_EQ(p.ev.dsn, "2.0.0");
  EXPECT_EQ(p.ev.status, DeliveryStatus::kSent);
  EXPECT_EQ(p.ev.status_text, "250 2.0.0 Ok");
}

TEST(Parser, SmtpInstanceNameAndQuotedLocalPart) {
  PARSE(p, "Jun 16 00:07:43 smtpnode07 postfix-10.20.30.40/smtp[3022]: 0C31D3D1E6: to=<redacted@aol.com>, relay=mx-aol.mail.gm0.yahoodns.net[11.22.33.44]:25, delay=18910, delays=18900/8.9/0.69/0.03, dsn=4.7.0, status=deferred (host mx-aol.mail.gm0.yahoodns.net[11.22.33.44] said: 421 4.7.0 [TSS04] Messages temporarily deferred (in reply to MAIL FROM command))");
  EXPECT_EQ(p.origin, Origin::kPostfix);
  EXPECT_EQ(p.ev.daemon, Daemon::kSmtp);
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_DOUBLE_EQ(p.ev.delay_s, 18910.0);
  EXPECT_FLOAT_EQ(p.ev.delays[0], 18900.0f);
  EXPECT_FLOAT_EQ(p.ev.delays[1], 8.9f);
  EXPECT_EQ(p.ev.status, DeliveryStatus::kDeferred);
  PARSE(q, "Jul  5 17:24:35 mail postfix/smtp[9635]: D298F2C60812: to=<\"user 1234 with space\"@icloud.com>, relay=mx6.mail.icloud.com[17.178.97.79]:25, delay=428621, delays=428619/0.02/1.9/0, dsn=4.7.0, status=deferred (host mx6.mail.icloud.com[17.178.97.79] refused to talk to me: 550 5.7.0 Blocked)");
  EXPECT_EQ(q.ev.to, "\"user 1234 with space\"@icloud.com");
  EXPECT_EQ(q.ev.relay, "mx6.mail.icloud.com[17.178.97.79]:25");
}

TEST(Parser, LocalDeliveries) {
  PARSE(f, "Nov 22 05:38:36 mx postfix/local[27961]: 3923BA8A402: to=<frank@example.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (forwarded as 3A6F4A8A414)");
  EXPECT_EQ(f.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(f.ev.daemon, Daemon::kLocal);
  EXPECT_EQ(f.ev.relay, "local");
  EXPECT_EQ(f.ev.status, DeliveryStatus::kSent);
  EXPECT_EQ(f.ev.status_text, "forwarded as 3A6F4A8A414");
  EXPECT_EQ(f.ev.child_queue_id, "3A6F4A8A414");
  EXPECT_NE(f.ev.rest.find("forwarded as 3A6F4A8A414"), std::string_view::npos);

  PARSE(o, "Nov 22 05:38:35 mx postfix/local[27961]: 8F044A8A123: to=<root@example.test>, orig_to=<postmaster@example.test>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)");
  EXPECT_EQ(o.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(o.ev.to, "root@example.test");
  EXPECT_EQ(o.ev.orig_to, "postmaster@example.test");
  EXPECT_EQ(o.ev.relay, "local");
  EXPECT_EQ(o.ev.delay, "0");
  EXPECT_EQ(o.ev.status_text, "delivered to mailbox");
  EXPECT_TRUE(o.ev.child_queue_id.empty());

  PARSE(b, "Nov 22 05:38:39 mx postfix/local[27961]: 4D848A8A4A7: to=<permfail@example.test>, relay=local, delay=0.01, delays=0/0/0/0.01, dsn=5.1.1, status=bounced (user unknown. Command output: mailbox permanently disabled )");
  EXPECT_EQ(b.ev.status, DeliveryStatus::kBounced);
  EXPECT_EQ(b.ev.dsn, "5.1.1");

  // Short queue ID, bare orig_to (msimerson).
  PARSE(s, "Jul  5 06:52:11 prd-mx1 postfix/local[1]: 486ED600A5: to=<system@prd.slc.example.net>, orig_to=<system>, relay=local, delay=0.01, delays=0.01/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)");
  EXPECT_EQ(s.ev.queue_id, "486ED600A5");
  EXPECT_EQ(s.ev.orig_to, "system");
}

TEST(Parser, VirtualLmtpPipeErrorDiscard) {
  PARSE(v, "Nov 22 05:38:38 mx postfix/virtual[28047]: E1593A8A2A0: to=<carol@virt.example.test>, orig_to=<sales@virt.example.test>, relay=virtual, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to maildir)");
  EXPECT_EQ(v.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(v.ev.daemon, Daemon::kVirtual);
  EXPECT_EQ(v.ev.orig_to, "sales@virt.example.test");
  EXPECT_EQ(v.ev.relay, "virtual");
  EXPECT_EQ(v.ev.status, DeliveryStatus::kSent);

  PARSE(l, "Jan 10 16:15:30 mail postfix/lmtp[11996]: 400643011B47: to=<recipient@example.com>, relay=relay.example.com[/var/run/dovecot/lmtp], delay=0.06, delays=0.02/0.02/0.01/0.01, dsn=2.0.0, status=sent (250 2.0.0 <recipient@example.com> hz3kESIo+1/dLgAAWP5Hkg Saved)");
  EXPECT_EQ(l.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(l.ev.daemon, Daemon::kLmtp);
  EXPECT_EQ(l.ev.relay, "relay.example.com[/var/run/dovecot/lmtp]");
  EXPECT_EQ(l.ev.status_text, "250 2.0.0 <recipient@example.com> hz3kESIo+1/dLgAAWP5Hkg Saved");
  EXPECT_TRUE(l.ev.child_queue_id.empty());

  PARSE(p, "Jan 25 19:25:19 mx postfix/pipe[6221]: 03EAC2E0EDD: to=<h-7abde52c2@h-ffd2115d4f.com>, relay=dovecot, delay=5.5, delays=5.3/0.01/0/0.16, dsn=2.0.0, status=sent (delivered via dovecot service)");
  EXPECT_EQ(p.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(p.ev.daemon, Daemon::kPipe);
  EXPECT_EQ(p.ev.relay, "dovecot");
  EXPECT_DOUBLE_EQ(p.ev.delay_s, 5.5);
  EXPECT_EQ(p.ev.status_text, "delivered via dovecot service");

  PARSE(e, "Nov 22 05:38:39 mx postfix/error[29013]: 00954A8A317: to=<retired@error.test>, orig_to=<retired@example.test>, relay=none, delay=0.01, delays=0/0.01/0/0, dsn=5.1.2, status=bounced (mail for error.test is disabled (transport_maps test))");
  EXPECT_EQ(e.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(e.ev.daemon, Daemon::kError);
  EXPECT_EQ(e.ev.status, DeliveryStatus::kBounced);
  EXPECT_EQ(e.ev.status_text, "mail for error.test is disabled (transport_maps test)");

  PARSE(d, "Nov 22 05:38:39 mx postfix/discard[29186]: 99A8EA8A6BB: to=<r1@blackhole.test>, relay=none, delay=0.01, delays=0/0.01/0/0, dsn=2.0.0, status=sent (blackhole.test silently discarded)");
  EXPECT_EQ(d.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(d.ev.daemon, Daemon::kDiscard);
  EXPECT_EQ(d.ev.status, DeliveryStatus::kSent);
}

TEST(Parser, SmtpConnectFailureWithoutQueueId) {
  PARSE(p, "Nov 22 05:38:34 mx postfix/smtp[27832]: connect to 127.0.0.1[127.0.0.1]:2999: Connection refused");
  EXPECT_EQ(p.ev.kind, EventKind::kConnectFailure);
  EXPECT_TRUE(p.ev.queue_id.empty());
  EXPECT_EQ(p.ev.relay, "127.0.0.1[127.0.0.1]:2999");
  EXPECT_EQ(p.ev.reason, "Connection refused");
}

TEST(Parser, TlsLines) {
  PARSE(p, "Nov 22 05:38:35 mx postfix/submission/smtpd[28040]: Anonymous TLS connection established from client2.dsl.example.net[127.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256");
  EXPECT_EQ(p.ev.kind, EventKind::kTls);
  PARSE(q, "Jul 24 03:28:15 mail postfix/smtp[24052]: Verified TLS connection established to mx2.comcast.net[2001:558:fe21:2a::6]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)");
  EXPECT_EQ(q.ev.kind, EventKind::kTls);
}

// ------------------------------------------------------ bounce, postsuper

TEST(Parser, BounceNotifications) {
  PARSE(p, "Nov 22 05:38:37 mx postfix/bounce[28551]: 7F5ECA8A68E: sender non-delivery notification: 83084A8A692");
  EXPECT_EQ(p.ev.kind, EventKind::kNotice);
  EXPECT_EQ(p.ev.daemon, Daemon::kBounce);
  EXPECT_EQ(p.ev.queue_id, "7F5ECA8A68E");
  EXPECT_EQ(p.ev.child_queue_id, "83084A8A692");
  EXPECT_EQ(p.ev.text, "sender non-delivery notification");

  PARSE(q, "Nov 22 05:39:34 mx postfix/bounce[30100]: 25212A8A650: sender delay notification: 3C3E1A8A6B1");
  EXPECT_EQ(q.ev.kind, EventKind::kNotice);
  EXPECT_EQ(q.ev.text, "sender delay notification");
  EXPECT_EQ(q.ev.child_queue_id, "3C3E1A8A6B1");

  PARSE(r, "Jul  5 06:52:11 prd-mx1 postfix/bounce[1]: 3mKxY750hmz7scK: sender non-delivery notification: 3mKxYH0vl4z7sWS");
  EXPECT_EQ(r.ev.queue_id, "3mKxY750hmz7scK");
  EXPECT_EQ(r.ev.child_queue_id, "3mKxYH0vl4z7sWS");
}

TEST(Parser, Postsuper) {
  PARSE(r, "Nov 22 05:38:51 mx postfix/postsuper[30523]: 87756A8A625: removed");
  EXPECT_EQ(r.ev.kind, EventKind::kRemoved);
  EXPECT_EQ(r.ev.daemon, Daemon::kPostsuper);
  EXPECT_EQ(r.ev.queue_id, "87756A8A625");
  PARSE(h, "Nov 22 05:38:51 mx postfix/postsuper[30527]: 5F70FA8A619: placed on hold");
  EXPECT_EQ(h.ev.kind, EventKind::kQueueOp);
  EXPECT_EQ(h.ev.text, "placed on hold");
  PARSE(q, "Nov 22 05:38:51 mx postfix/postsuper[30531]: EC76BA8A644: requeued");
  EXPECT_EQ(q.ev.kind, EventKind::kQueueOp);
  EXPECT_EQ(q.ev.text, "requeued");
  PARSE(x, "Nov 22 05:38:51 mx postfix/postsuper[30535]: 119A0A8A14D: released from hold");
  EXPECT_EQ(x.ev.kind, EventKind::kQueueOp);
  EXPECT_EQ(x.ev.text, "released from hold");
  PARSE(s, "Nov 22 05:38:51 mx postfix/postsuper[30523]: Deleted: 1 message");
  EXPECT_NE(s.ev.kind, EventKind::kUnrecognised);
  EXPECT_TRUE(s.ev.queue_id.empty());
}

// ------------------------------------------ master, anvil, diagnostics

TEST(Parser, MasterAndAnvil) {
  PARSE(m, "Nov 22 05:38:34 mx postfix/master[27789]: daemon started -- version 3.7.11, configuration /srv/pfx-test/etc");
  EXPECT_EQ(m.ev.kind, EventKind::kMaster);
  EXPECT_EQ(m.ev.daemon, Daemon::kMaster);
  EXPECT_EQ(m.ev.text, "daemon started -- version 3.7.11, configuration /srv/pfx-test/etc");
  PARSE(a, "Nov 22 05:39:35 mx postfix/anvil[27960]: statistics: max connection rate 35/60s for (127.0.0.1:2525:127.0.0.9) at Nov 22 05:38:49");
  EXPECT_EQ(a.ev.kind, EventKind::kStatistics);
  EXPECT_EQ(a.ev.daemon, Daemon::kAnvil);
  EXPECT_TRUE(a.ev.queue_id.empty());
  PARSE(c, "Nov 22 05:39:35 mx postfix/anvil[27960]: statistics: max cache size 35 at Nov 22 05:38:47");
  EXPECT_EQ(c.ev.kind, EventKind::kStatistics);
  PARSE(s, "Nov 22 05:38:34 mx postfix/postfix-script[27787]: starting the Postfix mail system");
  EXPECT_EQ(s.origin, Origin::kPostfix);
  EXPECT_NE(s.ev.kind, EventKind::kUnrecognised);
}

TEST(Parser, Severities) {
  PARSE(w, "Nov 22 05:38:41 mx postfix/smtpd[29645]: warning: A080AA8A71F: queue file size limit exceeded");
  EXPECT_EQ(w.ev.kind, EventKind::kWarning);
  EXPECT_EQ(w.ev.severity, Severity::kWarning);
  EXPECT_EQ(w.ev.text, "A080AA8A71F: queue file size limit exceeded");
  PARSE(w2, "Mar 16 23:30:44 123-mail postfix/qmgr[29980]: warning: please avoid flushing the whole queue when you have");
  EXPECT_EQ(w2.ev.kind, EventKind::kWarning);
  EXPECT_EQ(w2.ev.daemon, Daemon::kQmgr);
  PARSE(e, "Nov 22 05:38:41 mx postfix/trivial-rewrite[1]: error: open database /etc/postfix/transport.db: No such file or directory");
  EXPECT_EQ(e.ev.kind, EventKind::kError);
  EXPECT_EQ(e.ev.severity, Severity::kError);
  PARSE(f, "Mar 16 12:28:02 123-mail postfix/smtpd[16268]: fatal: file /etc/postfix/main.cf: parameter default_privs: unknown user name value: nobody");
  EXPECT_EQ(f.ev.kind, EventKind::kFatal);
  EXPECT_EQ(f.ev.severity, Severity::kFatal);
  EXPECT_EQ(f.ev.text, "file /etc/postfix/main.cf: parameter default_privs: unknown user name value: nobody");
  // Synthetic: Postfix's msg_panic() prefix.
  PARSE(p, "Nov 22 05:38:41 mx postfix/qmgr[27791]: panic: myfree: corrupt or unallocated memory block");
  EXPECT_EQ(p.ev.kind, EventKind::kPanic);
  EXPECT_EQ(p.ev.severity, Severity::kPanic);
  EXPECT_EQ(p.ev.text, "myfree: corrupt or unallocated memory block");
}

// -------------------------------------------------------------- Dovecot

TEST(Parser, DovecotLogin) {
  PARSE(p, "Jan 28 06:40:38 mail dovecot: imap-login: Login: user=<h-cff5713@h-ffeb17e38996c.com>, method=PLAIN, rip=217.65.140.135, lip=170.45.1.1, mpid=26555, TLS, session=<LWhPxvC5ESVYgp83>");
  EXPECT_EQ(p.origin, Origin::kDovecot);
  EXPECT_EQ(p.ev.daemon, Daemon::kDovecot);
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotLogin);
  EXPECT_EQ(p.ev.user, "h-cff5713@h-ffeb17e38996c.com");
  EXPECT_EQ(p.ev.client_addr, "217.65.140.135");
  EXPECT_EQ(p.ev.sasl_method, "PLAIN");
}

TEST(Parser, DovecotLoginAuthFailures) {
  PARSE(p, "Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS");
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(p.ev.user, "username.bob");
  EXPECT_EQ(p.ev.client_addr, "49.176.98.87");
  PARSE(q, "Jun 12 19:07:29 hostname dovecot[241]: imap-login: Login aborted: Connection closed (auth failed, 3 attempts in 16 secs) (auth_failed): user=<test>, method=PLAIN, rip=192.0.2.241, lip=203.0.113.104, TLS, session=<9ZHq02g3J8S60fan>");
  EXPECT_EQ(q.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(q.ev.user, "test");
  EXPECT_EQ(q.ev.client_addr, "192.0.2.241");
  // Not an authentication failure.
  PARSE(r, "Jan 28 06:40:38 mail dovecot: imap-login: Disconnected (no auth attempts in 6 secs): user=<>, rip=199.33.247.80, lip=170.45.1.1, TLS: Connection closed, session=<B2fYY/G5hhC53GWJ>");
  EXPECT_NE(r.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_NE(r.ev.kind, EventKind::kDovecotLogin);
}

TEST(Parser, DovecotAuthFailureHostless) {
  // Dovecot's own log file (realpostfix-sample/dovecot.log): no host.
  PARSE(p, "Nov 22 05:38:37 auth: Info: passwd-file(alice@example.test,127.0.0.1): Password mismatch");
  EXPECT_EQ(p.origin, Origin::kDovecot);
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(p.ev.user, "alice@example.test");
  EXPECT_EQ(p.ev.client_addr, "127.0.0.1");
  PARSE(q, "Nov 22 05:38:38 auth: Info: passwd-file(admin,127.0.0.66): unknown user");
  EXPECT_EQ(q.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(q.ev.user, "admin");
  EXPECT_EQ(q.ev.client_addr, "127.0.0.66");
  PARSE(m, "Nov 22 05:38:34 master: Info: Dovecot v2.3.19.1 (9b53102964) starting up without any protocols (core dumps disabled)");
  EXPECT_EQ(m.origin, Origin::kDovecot);
  EXPECT_NE(m.ev.kind, EventKind::kDovecotAuthFailure);
}

TEST(Parser, DovecotAuthWorkerFailures) {
  PARSE(p, "Jan 29 05:32:50 mail dovecot: auth-worker(304): pam(username,1.2.3.4): pam_authenticate() failed: Authentication failure (password mismatch?)");
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(p.ev.user, "username");
  EXPECT_EQ(p.ev.client_addr, "1.2.3.4");
  PARSE(q, "Jul 02 13:49:32 hostname dovecot[442]: dovecot: auth(default): pam(account@MYSERVERNAME.com,200.76.17.206): pam_authenticate() failed: User not known to the underlying authentication module: 2 Time(s)");
  EXPECT_EQ(q.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(q.ev.user, "account@MYSERVERNAME.com");
  EXPECT_EQ(q.ev.client_addr, "200.76.17.206");
  PARSE(r, "Jun 11 13:57:17 main dovecot: auth: sql(admin@example.ru,192.168.144.226,<6rXunFtu493AqJDi>): Password mismatch");
  EXPECT_EQ(r.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(r.ev.user, "admin@example.ru");
}

TEST(Parser, DovecotAuthWorkerConnPrefix) {
  // Dovecot 2.3 auth-worker lines carry a "conn unix:auth-worker (...):
  // auth-worker<N>: " prefix before the passdb(user,ip) part (fail2ban
  // corpus). The user and address are those of the passdb part.
  PARSE(p, "Jun 15 11:28:21 hostname dovecot: auth-worker(5787): conn unix:auth-worker (pid=27359,uid=97): auth-worker<55>: pam(webapps,192.0.2.7): unknown user");
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(p.ev.user, "webapps");
  EXPECT_EQ(p.ev.client_addr, "192.0.2.7");
  PARSE(q, "Jun 12 11:48:12 auth-worker(80180): Info: conn unix:auth-worker (uid=143): auth-worker<13247>: sql(support,192.0.2.6): unknown user");
  EXPECT_EQ(q.ev.kind, EventKind::kDovecotAuthFailure);
  EXPECT_EQ(q.ev.user, "support");
  EXPECT_EQ(q.ev.client_addr, "192.0.2.6");
}

TEST(Parser, DovecotLmtpSavedMail) {
  PARSE(p, "Jan 28 06:40:39 mail dovecot: lmtp(h-f16@h-ffeb17e38996c.com)<15080><pPC9MGVcEmDoOgAAWP5Hkg>: msgid=<h-e13b9e542677f148e385fc59c75afc08c78f6aa1@h-de82e022d99.com>: saved mail to INBOX");
  EXPECT_EQ(p.ev.kind, EventKind::kDovecotDelivery);
  EXPECT_EQ(p.ev.user, "h-f16@h-ffeb17e38996c.com");
  PARSE(q, "Jan 28 06:40:39 mail dovecot: lmtp(15080): Connect from local");
  EXPECT_NE(q.ev.kind, EventKind::kDovecotDelivery);
}

TEST(Parser, ForeignPrograms) {
  Parsed spamd("Jul  5 06:52:01 prd-mx1 spamd[11526]: spamd: identified spam (9.3/5.0) for nagios:1209 in 0.8 seconds, 5 bytes.");
  ASSERT_TRUE(spamd.header_ok);
  EXPECT_EQ(spamd.origin, Origin::kForeign);
  Parsed dkim("Apr  5 19:00:02 mail opendkim[195]: 407032C4FF6A: DKIM-Signature field added (s=mail, d=lightmeter.io)");
  ASSERT_TRUE(dkim.header_ok);
  EXPECT_EQ(dkim.origin, Origin::kForeign);
  // --syslog-name makes another name Postfix's.
  ParserOptions opt;
  opt.syslog_name = "mta";
  Parsed mta("Nov 22 05:38:34 mx mta/smtpd[1]: connect from a[192.0.2.1]", opt);
  EXPECT_EQ(mta.origin, Origin::kPostfix);
  EXPECT_TRUE(mta.ok);
  EXPECT_EQ(mta.ev.kind, EventKind::kConnect);
}

TEST(Parser, TruncatedDeliveryLineIsNotADelivery) {
  Parsed p("Jul  5 06:52:11 prd-mx1 postfix/smtp[22030]: 3mPVKl0Mhjz7sXv: to=<56597@con");
  ASSERT_TRUE(p.header_ok);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.ev.kind, EventKind::kUnrecognised);
}

// ------------------------------------------------ the real 3.7 corpus

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(in, l)) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  return lines;
}

TEST(Parser, CorpusRealPostfix37EveryLineParsed) {
  const std::vector<std::string> lines = ReadLines(kCorpora + "/realpostfix-sample/maillog");
  ASSERT_EQ(lines.size(), 1702u);
  YearPolicy policy;
  policy.fixed_year = 2026;
  HeaderParser hp(policy);
  std::vector<std::string> failures;
  std::map<EventKind, int> kinds;
  int qmgr_removed = 0, sent = 0, deferred = 0, bounced = 0, forwarded = 0, queued_as = 0, noqueue_reject = 0,
      noqueue_reject_warning = 0, lost_connection = 0, smtpd_connect = 0;
  for (const std::string& line : lines) {
    SyslogHeader h;
    if (!hp.Parse(line, &h)) {
      failures.push_back("[no header] " + line);
      continue;
    }
    Origin origin = ClassifyProgram(h, ParserOptions());
    if (origin != Origin::kPostfix) {
      failures.push_back("[not classified as Postfix] " + line);
      continue;
    }
    Event ev;
    if (!ParseMailLine(h, origin, &ev) || ev.kind == EventKind::kUnrecognised) {
      failures.push_back("[unparsed] " + line);
      continue;
    }
    std::string outside = ViewsOutsideLine(ev, line);
    if (!outside.empty()) failures.push_back("[views outside the line: " + outside + "] " + line);
    ++kinds[ev.kind];
    if (ev.kind == EventKind::kRemoved && ev.daemon == Daemon::kQmgr) ++qmgr_removed;
    if (ev.kind == EventKind::kConnect && ev.daemon == Daemon::kSmtpd) ++smtpd_connect;
    if (ev.kind == EventKind::kDelivery) {
      if (ev.status == DeliveryStatus::kSent) ++sent;
      if (ev.status == DeliveryStatus::kDeferred) ++deferred;
      if (ev.status == DeliveryStatus::kBounced) ++bounced;
      if (ev.status_text.find("forwarded as ") != std::string_view::npos && !ev.child_queue_id.empty()) ++forwarded;
      if (ev.status_text.find("queued as ") != std::string_view::npos && !ev.child_queue_id.empty()) ++queued_as;
    }
    if (ev.kind == EventKind::kReject && ev.queue_id == "NOQUEUE") {
      if (ev.action == Action::kReject) ++noqueue_reject;
      if (ev.action == Action::kRejectWarning) ++noqueue_reject_warning;
    }
    if (ev.kind == EventKind::kAbnormalEnd && ev.text == "lost connection") ++lost_connection;
  }
  std::string report;
  for (const std::string& f : failures) report += "  " + f + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << lines.size() << " lines not parsed:\n" << report;

  // The figures of realpostfix-sample/log-census.txt (grep counts over the
  // same file), reached through the typed events.
  EXPECT_EQ(smtpd_connect, 237);
  EXPECT_EQ(kinds[EventKind::kDisconnect], 237);
  EXPECT_EQ(kinds[EventKind::kClient], 145);
  EXPECT_EQ(kinds[EventKind::kPickup], 5);
  EXPECT_EQ(kinds[EventKind::kMessageId], 193);
  EXPECT_EQ(kinds[EventKind::kQueueActive], 243);
  EXPECT_EQ(qmgr_removed, 179);
  EXPECT_EQ(sent, 181);
  EXPECT_EQ(deferred, 75);
  EXPECT_EQ(bounced, 15);
  EXPECT_EQ(kinds[EventKind::kExpired], 11);
  EXPECT_EQ(forwarded, 9);
  EXPECT_EQ(queued_as, 6);
  EXPECT_EQ(kinds[EventKind::kNotice], 42);  // 26 non-delivery + 16 delay notifications
  EXPECT_EQ(noqueue_reject, 32);
  EXPECT_EQ(noqueue_reject_warning, 3);
  EXPECT_EQ(kinds[EventKind::kSaslFailure], 19);
  EXPECT_EQ(lost_connection, 3);
  EXPECT_EQ(kinds[EventKind::kStatistics], 4);
  EXPECT_EQ(kinds[EventKind::kTls], 6);
}

TEST(Parser, CorpusRealDovecotEveryLineParsed) {
  const std::vector<std::string> lines = ReadLines(kCorpora + "/realpostfix-sample/dovecot.log");
  ASSERT_FALSE(lines.empty());
  YearPolicy policy;
  policy.fixed_year = 2026;
  HeaderParser hp(policy);
  int failures = 0, auth_failures = 0;
  for (const std::string& line : lines) {
    SyslogHeader h;
    Event ev;
    bool ok = hp.Parse(line, &h) && ClassifyProgram(h, ParserOptions()) == Origin::kDovecot &&
              ParseMailLine(h, Origin::kDovecot, &ev);
    if (!ok) {
      ++failures;
      ADD_FAILURE() << "not parsed: " << line;
    }
    if (ev.kind == EventKind::kDovecotAuthFailure) ++auth_failures;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(auth_failures, 19);
}

// ------------------------------------- other parsers' expectations (JSON)

// A minimal JSON reader: enough for the corpora's cases files.
struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> a;
  std::vector<std::pair<std::string, Json>> o;

  const Json* Get(const std::string& key) const {
    for (const auto& [k, v] : o)
      if (k == key) return &v;
    return nullptr;
  }
  std::string Str(const std::string& key) const {
    const Json* v = Get(key);
    return v && v->type == kString ? v->s : std::string();
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : t_(text) {}
  bool Parse(Json* out) {
    bool ok = Value(out);
    Ws();
    return ok && i_ == t_.size();
  }

 private:
  void Ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
  }
  bool Lit(const char* w) {
    size_t n = std::strlen(w);
    if (t_.compare(i_, n, w) != 0) return false;
    i_ += n;
    return true;
  }
  static void PutUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  bool Hex4(uint32_t* v) {
    if (i_ + 4 > t_.size()) return false;
    *v = static_cast<uint32_t>(std::stoul(t_.substr(i_, 4), nullptr, 16));
    i_ += 4;
    return true;
  }
  bool String(std::string* out) {
    if (t_[i_] != '"') return false;
    ++i_;
    while (i_ < t_.size() && t_[i_] != '"') {
      char c = t_[i_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= t_.size()) return false;
      char e = t_[i_++];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && Lit("\\u")) {
            uint32_t lo;
            if (!Hex4(&lo)) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          PutUtf8(out, cp);
          break;
        }
        default: out->push_back(e);
      }
    }
    if (i_ >= t_.size()) return false;
    ++i_;
    return true;
  }
  bool Value(Json* v) {
    Ws();
    if (i_ >= t_.size()) return false;
    char c = t_[i_];
    if (c == '{') {
      v->type = Json::kObject;
      ++i_;
      Ws();
      if (t_[i_] == '}') return ++i_, true;
      for (;;) {
        Ws();
        std::string k;
        if (!String(&k)) return false;
        Ws();
        if (t_[i_++] != ':') return false;
        Json child;
        if (!Value(&child)) return false;
        v->o.emplace_back(std::move(k), std::move(child));
        Ws();
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (t_[i_] == '}') return ++i_, true;
        return false;
      }
    }
    if (c == '[') {
      v->type = Json::kArray;
      ++i_;
      Ws();
      if (t_[i_] == ']') return ++i_, true;
      for (;;) {
        Json child;
        if (!Value(&child)) return false;
        v->a.push_back(std::move(child));
        Ws();
        if (t_[i_] == ',') {
          ++i_;
          continue;
        }
        if (t_[i_] == ']') return ++i_, true;
        return false;
      }
    }
    if (c == '"') {
      v->type = Json::kString;
      return String(&v->s);
    }
    if (Lit("null")) return v->type = Json::kNull, true;
    if (Lit("true")) return v->type = Json::kBool, v->b = true, true;
    if (Lit("false")) return v->type = Json::kBool, v->b = false, true;
    size_t end = i_;
    while (end < t_.size() && std::strchr("+-0123456789.eE", t_[end]) != nullptr) ++end;
    if (end == i_) return false;
    v->type = Json::kNumber;
    v->n = std::stod(t_.substr(i_, end - i_));
    i_ = end;
    return true;
  }

  const std::string& t_;
  size_t i_ = 0;
};

Json LoadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  Json j;
  EXPECT_FALSE(text.empty()) << "cannot read " << path;
  EXPECT_TRUE(JsonParser(text).Parse(&j)) << "bad JSON in " << path;
  return j;
}

TEST(Parser, JsonReaderSelfTest) {
  std::string text = R"({"a": [1, -2.5e1, true, null, "x\"\u00e9\ud83d\ude00"], "b": {}})";
  Json j;
  ASSERT_TRUE(JsonParser(text).Parse(&j));
  ASSERT_EQ(j.type, Json::kObject);
  const Json* a = j.Get("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->a.size(), 5u);
  EXPECT_EQ(a->a[1].n, -25);
  EXPECT_EQ(a->a[4].s, "x\"\xc3\xa9\xf0\x9f\x98\x80");
  std::string bad = R"({"a": [1, 2)";
  Json k;
  EXPECT_FALSE(JsonParser(bad).Parse(&k));
}

// Splits "Jul  5 06:52:11" into month/day/time.
void CheckDate(const std::string& date, const SyslogHeader& h) {
  std::istringstream in(date);
  std::string mon, time;
  int day = 0;
  in >> mon >> day >> time;
  EXPECT_EQ(MonthFromName(mon), h.month) << date;
  EXPECT_EQ(day, h.day) << date;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", h.hour, h.minute, h.second);
  EXPECT_EQ(time, buf) << date;
}

// Checks one msimerson expectation object against a parsed line. Returns
// how many fields were compared.
int CheckMsimerson(const Json& obj, const Parsed& p) {
  int checked = 0;
  const Event& ev = p.ev;
  for (const auto& [key, val] : obj.o) {
    const std::string& v = val.s;
    SCOPED_TRACE("field " + key + " = " + v);
    if (key == "date") {
      CheckDate(v, p.h);
    } else if (key == "host" && obj.Get("date") != nullptr) {  // else the remote host of an smtp line
      EXPECT_EQ(p.h.host, v);
    } else if (key == "prog") {
      EXPECT_EQ(p.h.program, v);
    } else if (key == "pid") {
      EXPECT_EQ(std::to_string(p.h.pid), v);
    } else if (key == "qid") {
      // Diagnostics keep "QID: ..." in their text ("warning: QID: message has
      // been queued for 2 days", "fatal: append file defer QID: ...").
      if (ev.severity != Severity::kInfo)
        EXPECT_NE(ev.text.find(v), std::string_view::npos) << ev.text;
      else
        EXPECT_EQ(ev.queue_id, v);
    } else if (key == "to") {
      EXPECT_EQ(ev.to, v);
    } else if (key == "orig_to") {
      EXPECT_EQ(ev.orig_to, v);
    } else if (key == "from") {
      EXPECT_TRUE(ev.has_from);
      EXPECT_EQ(ev.from, v);
    } else if (key == "relay") {
      EXPECT_EQ(ev.relay, v);
    } else if (key == "delay") {
      EXPECT_EQ(ev.delay, v);
    } else if (key == "delays") {
      EXPECT_TRUE(ev.has_delays);
      std::istringstream in(v);
      std::string part;
      for (int i = 0; i < 4 && std::getline(in, part, '/'); ++i)
        EXPECT_NEAR(ev.delays[i], std::stod(part), 1e-3 * (1 + std::stod(part))) << "delays[" << i << "]";
    } else if (key == "dsn") {
      EXPECT_EQ(ev.dsn, v);
    } else if (key == "status") {
      // "sent (250 ...)" or msimerson's "forwarded" (see forwardedAs).
      if (v == "forwarded") {
        EXPECT_EQ(ev.status, DeliveryStatus::kSent);
      } else {
        std::string word = v.substr(0, v.find_first_of(" ,"));
        EXPECT_EQ(ev.status_word, word);
        size_t lp = v.find('(');
        if (lp != std::string::npos && ev.kind == EventKind::kDelivery) {
          EXPECT_EQ(ev.status_text, v.substr(lp + 1, v.size() - lp - 2));
        }
      }
    } else if (key == "forwardedAs" || key == "dsnQid") {
      EXPECT_EQ(ev.child_queue_id, v);
    } else if (key == "size") {
      EXPECT_EQ(std::to_string(ev.size), v);
    } else if (key == "nrcpt") {
      EXPECT_EQ(std::to_string(ev.nrcpt), v);
    } else if (key == "message-id") {
      EXPECT_EQ(StripAngles(ev.message_id), v);
    } else if (key == "client") {
      EXPECT_EQ(ev.client, v);
    } else if (key == "sasl_method") {
      EXPECT_EQ(ev.sasl_method, v);
    } else if (key == "sasl_username") {
      EXPECT_EQ(ev.sasl_username, v);
    } else if (key == "mx") {
      EXPECT_EQ(ev.kind, EventKind::kConnectFailure);
      EXPECT_EQ(ev.relay, v);
    } else if (key == "err") {
      EXPECT_EQ(ev.reason, v);
    } else if (key == "statistics") {
      EXPECT_EQ(ev.kind, EventKind::kStatistics);
      EXPECT_NE(ev.text.find(v), std::string_view::npos);
    } else if (key == "postscreen") {
      EXPECT_EQ(ev.kind, EventKind::kPostscreenVerdict);
      EXPECT_EQ(ev.text, v.substr(0, v.find(' ')));
    } else if (key == "msg" && (v == "removed")) {
      EXPECT_EQ(ev.kind, EventKind::kRemoved);
    } else if (key == "msg" && v == "released from hold") {
      EXPECT_EQ(ev.kind, EventKind::kQueueOp);
      EXPECT_EQ(ev.text, v);
    } else {
      continue;  // action/host/msg of informational lines, uid, conn_use: no counterpart
    }
    ++checked;
  }
  return checked;
}

TEST(Parser, CorpusMsimersonCases) {
  Json j = LoadJson(kCorpora + "/postfix-parser-msimerson/cases.json");
  const Json* syslog = j.Get("syslogLines");
  const Json* postfix = j.Get("postfixLines");
  ASSERT_TRUE(syslog && postfix);
  int cases = 0, checked = 0;
  for (const Json& c : syslog->a) {
    const std::string name = c.Str("name");
    const std::string line = c.Str("line");
    const Json* obj = c.Get("obj");
    SCOPED_TRACE("syslogLines: " + name + ": " + line);
    // Postfix writes "to=<%s>" and "from=<%s>" (global/log_adhoc.c,
    // qmgr_message.c); the bracket-less variants are not Postfix's output.
    if (name.find("angle brackets") != std::string::npos) continue;
    Parsed p(line);
    ++cases;
    if (obj == nullptr || obj->type == Json::kNull) {
      EXPECT_FALSE(p.header_ok && p.origin != Origin::kForeign && p.ok)
          << "expected no event, got " << KindName(p.ev.kind);
      continue;
    }
    ASSERT_TRUE(p.header_ok);
    ASSERT_TRUE(p.ok) << KindName(p.ev.kind);
    checked += CheckMsimerson(*obj, p);
  }
  for (const Json& c : postfix->a) {
    const std::string type = c.Str("type");
    const std::string desc = c.Str("desc");
    const std::string msg = c.Str("line");
    const Json* obj = c.Get("obj");
    SCOPED_TRACE("postfixLines: " + type + " / " + desc + ": " + msg);
    // Postfix logs these only with a queue ID; msimerson also accepts them
    // bare, which has no counterpart here.
    if (desc.find("w/o queue ID") != std::string::npos || desc.find("w/o qid") != std::string::npos) continue;
    if (type == "empty") continue;
    // Some "message" entries are whole syslog lines already.
    const bool whole = type == "syslog" || (msg.size() > 16 && msg[3] == ' ' && MonthFromName(msg.substr(0, 3)) != 0);
    std::string line = whole ? msg : "Jul  5 06:52:11 prd-mx1 " + type + "[1]: " + msg;
    Parsed p(line);
    ++cases;
    if (obj == nullptr || obj->type == Json::kNull) {
      EXPECT_FALSE(p.header_ok && p.origin != Origin::kForeign && p.ok)
          << "expected no event, got " << KindName(p.ev.kind);
      continue;
    }
    ASSERT_TRUE(p.header_ok);
    EXPECT_TRUE(p.ok) << "not parsed";
    if (!p.ok) continue;
    if (type == "syslog") {
      // Only the header is expected.
      for (const auto& [k, v] : obj->o) {
        if (k == "date") {
          CheckDate(v.s, p.h);
          ++checked;
        }
        if (k == "host") {
          EXPECT_EQ(p.h.host, v.s);
          ++checked;
        }
        if (k == "prog") {
          EXPECT_EQ(p.h.program, v.s);
          ++checked;
        }
        if (k == "pid") {
          EXPECT_EQ(std::to_string(p.h.pid), v.s);
          ++checked;
        }
        if (k == "msg") {
          EXPECT_EQ(p.h.message, v.s);
          ++checked;
        }
      }
      continue;
    }
    checked += CheckMsimerson(*obj, p);
  }
  EXPECT_GE(cases, 50);
  EXPECT_GE(checked, 150);
}

// lightmeter's assertions are Go: `p.Field ShouldEqual value`. The fields
// that have a counterpart in Event/SyslogHeader are compared.
std::string GoValue(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '`') && v.back() == v.front()) return v.substr(1, v.size() - 2);
  size_t q = v.find("(\"");
  if (q == std::string::npos) q = v.find("(`");
  if (q != std::string::npos && v.size() >= q + 4) return v.substr(q + 2, v.size() - q - 4);  // net.ParseIP("x")
  return v;
}

std::string_view LocalPart(std::string_view a) {
  size_t at = a.rfind('@');
  std::string_view l = at == std::string_view::npos ? a : a.substr(0, at);
  if (l.size() >= 2 && l.front() == '"' && l.back() == '"') l = l.substr(1, l.size() - 2);
  return l;
}
std::string_view DomainPart(std::string_view a) {
  size_t at = a.rfind('@');
  return at == std::string_view::npos ? std::string_view() : a.substr(at + 1);
}

TEST(Parser, CorpusLightmeterCases) {
  Json j = LoadJson(kCorpora + "/lightmeter/parser_cases.json");
  ASSERT_EQ(j.type, Json::kArray);
  int checked = 0, cases = 0;
  for (const Json& c : j.a) {
    const std::string test = c.Str("test");
    const std::string line = c.Str("line");
    SCOPED_TRACE(test + ": " + line);
    std::vector<std::string> kinds;
    for (const Json& k : c.Get("parsed_as")->a) kinds.push_back(k.s);
    Parsed p(line);
    ++cases;
    if (test == "Invalid Line") {
      EXPECT_FALSE(p.header_ok);
      ++checked;
      continue;
    }
    if (kinds.empty()) continue;  // lightmeter's "unsupported" lines: nothing comparable
    ASSERT_TRUE(p.header_ok);
    ASSERT_TRUE(p.ok) << KindName(p.ev.kind);
    const Event& ev = p.ev;
    const bool delivery = kinds[0] == "SmtpSentStatus";
    if (delivery) {
      EXPECT_EQ(ev.kind, EventKind::kDelivery);
    }
    if (kinds[0] == "SmtpdConnect") {
      EXPECT_EQ(ev.kind, EventKind::kConnect);
    }
    if (kinds[0] == "SmtpdDisconnect") {
      EXPECT_EQ(ev.kind, EventKind::kDisconnect);
    }
    if (kinds[0] == "SmtpdMailAccepted") {
      EXPECT_EQ(ev.kind, EventKind::kClient);
    }
    if (kinds[0] == "CleanupMessageAccepted") {
      EXPECT_EQ(ev.kind, EventKind::kMessageId);
    }
    if (kinds[0] == "Pickup") {
      EXPECT_EQ(ev.kind, EventKind::kPickup);
    }
    if (kinds[0] == "QmgrMessageExpired") {
      EXPECT_EQ(ev.kind, EventKind::kExpired);
    }
    if (kinds[0] == "CleanupMilterReject") {
      EXPECT_EQ(ev.kind, EventKind::kCleanupAction);
      EXPECT_EQ(ev.action, Action::kMilterReject);
    }
    if (kinds[0] == "SmtpdReject") {
      EXPECT_EQ(ev.kind, EventKind::kReject);
      EXPECT_EQ(ev.action, Action::kReject);
    }
    // Relay "name[ip]:port".
    std::string_view relay = ev.relay == "none" ? std::string_view() : ev.relay;
    std::string_view rname = relay.substr(0, relay.find('['));
    std::string_view rip, rport;
    if (relay.find('[') != std::string_view::npos) {
      size_t lb = relay.find('['), rb = relay.find(']');
      rip = relay.substr(lb + 1, rb - lb - 1);
      if (rb + 1 < relay.size() && relay[rb + 1] == ':') rport = relay.substr(rb + 2);
    }
    for (const Json& aj : c.Get("assertions")->a) {
      const std::string& a = aj.s;
      size_t sp = a.find(" ShouldEqual ");
      if (sp == std::string::npos) continue;
      const std::string field = a.substr(0, sp);
      const std::string want = GoValue(a.substr(sp + 13));
      SCOPED_TRACE(a);
      if (field == "p.Queue") {
        EXPECT_EQ(ev.queue_id, want);
      } else if (field == "header.Host") {
        EXPECT_EQ(p.h.host, want);
      } else if (field == "header.Daemon") {
        EXPECT_EQ(p.h.daemon, want);
      } else if (field == "header.PID") {
        EXPECT_EQ(std::to_string(p.h.pid), want);
      } else if (field == "header.Time.Day") {
        EXPECT_EQ(std::to_string(p.h.day), want);
      } else if (field == "header.Time.Hour") {
        EXPECT_EQ(std::to_string(p.h.hour), want);
      } else if (field == "header.Time.Minute") {
        EXPECT_EQ(std::to_string(p.h.minute), want);
      } else if (field == "header.Time.Second") {
        EXPECT_EQ(std::to_string(p.h.second), want);
      } else if (field == "p.RecipientLocalPart" && delivery) {
        EXPECT_EQ(LocalPart(ev.to), want);
      } else if (field == "p.RecipientDomainPart" && delivery) {
        EXPECT_EQ(DomainPart(ev.to), want);
      } else if (field == "p.OrigRecipientLocalPart" && delivery) {
        EXPECT_EQ(LocalPart(ev.orig_to), want);
      } else if (field == "p.OrigRecipientDomainPart" && delivery) {
        EXPECT_EQ(DomainPart(ev.orig_to), want);
      } else if (field == "p.SenderLocalPart") {
        EXPECT_EQ(LocalPart(ev.from), want);
      } else if (field == "p.SenderDomainPart") {
        EXPECT_EQ(DomainPart(ev.from), want);
      } else if (field == "p.Sender") {
        EXPECT_EQ(ev.from, want);
      } else if (field == "p.RelayName" && delivery) {
        EXPECT_EQ(rname, want);
      } else if (field == "p.RelayIP" && delivery) {
        EXPECT_EQ(rip, want);
      } else if (field == "p.RelayPort" && delivery) {
        EXPECT_EQ(rport.empty() ? std::string("0") : std::string(rport), want);
      } else if (field == "p.Delay" && delivery) {
        EXPECT_NEAR(ev.delay_s, std::stod(want), 1e-6);
      } else if (field.rfind("p.Delays.", 0) == 0 && delivery) {
        static const char* kNames[] = {"Smtpd", "Cleanup", "Qmgr", "Smtp"};
        for (int i = 0; i < 4; ++i)
          if (field == std::string("p.Delays.") + kNames[i]) {
            EXPECT_NEAR(ev.delays[i], std::stod(want), 1e-3 * (1 + std::stod(want)));
          }
      } else if (field == "p.Dsn" && delivery) {
        EXPECT_EQ(ev.dsn, want);
      } else if (field == "p.Status" && delivery) {
        if (want == "SentStatus") {
          EXPECT_EQ(ev.status, DeliveryStatus::kSent);
        }
        else if (want == "DeferredStatus") EXPECT_EQ(ev.status, DeliveryStatus::kDeferred);
        else if (want == "BouncedStatus") EXPECT_EQ(ev.status, DeliveryStatus::kBounced);
        else ADD_FAILURE() << "unknown status " << want;
      } else if (field == "p.ExtraMessage" && delivery) {
        EXPECT_EQ("(" + std::string(ev.status_text) + ")", want);
      } else if (field == "e.Queue" && delivery) {
        EXPECT_EQ(ev.child_queue_id, want);
      } else if (field == "p.MessageId") {
        // lightmeter flags corrupted IDs and keeps the part in brackets.
        if (c.Str("test").find("corrupted") == std::string::npos &&
            c.Str("test").find("suspicious") == std::string::npos)
          EXPECT_EQ(StripAngles(ev.message_id), want);
        else
          EXPECT_NE(ev.message_id.find(want.substr(0, 40)), std::string_view::npos);
      } else if (field == "p.IP") {
        EXPECT_EQ(ev.client_addr, want);
      } else {
        continue;
      }
      ++checked;
    }
  }
  EXPECT_EQ(cases, 40);
  EXPECT_GE(checked, 150);
}


// ------------------------------------------- issue 13: before-queue filters, census
TEST(Parser, ProxyRejectIsAReject) {
  // pmg-log-tracker/test_input_mixed line 8.
  PARSE(p, "Dec 18 15:04:15 pmg postfix/smtpd[21842]: proxy-reject: END-OF-MESSAGE: 554 5.7.1 Rejected for policy reasons (381C4E5DFA31DF9E90F); from=<mailtestsender2@localhost.localdomain> to=<pmgtest@localhost.localdomain> proto=ESMTP helo=<localhost.localdomain>");
  EXPECT_EQ(p.ev.kind, EventKind::kReject);
  EXPECT_EQ(p.ev.action, Action::kProxyReject);
  EXPECT_STREQ(ActionName(p.ev.action), "proxy-reject");
  EXPECT_EQ(p.ev.queue_id, "NOQUEUE");
  EXPECT_EQ(p.ev.stage, "END-OF-MESSAGE");
  EXPECT_EQ(p.ev.reason, "554 5.7.1 Rejected for policy reasons (381C4E5DFA31DF9E90F)");
  EXPECT_EQ(p.ev.from, "mailtestsender2@localhost.localdomain");
  EXPECT_EQ(p.ev.to, "pmgtest@localhost.localdomain");
  EXPECT_EQ(p.ev.helo, "localhost.localdomain");
  EXPECT_EQ(p.ev.proto, "ESMTP");
  // The issue's minimal line; an envelope with a semicolon in the reply text.
  PARSE(q, "Nov 20 10:00:00 mx postfix/smtpd[1]: proxy-reject: END-OF-MESSAGE: 554 5.7.1 Rejected; from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<x>");
  EXPECT_EQ(q.ev.kind, EventKind::kReject);
  EXPECT_EQ(q.ev.to, "d@e.f");
  EXPECT_EQ(q.ev.reason, "554 5.7.1 Rejected");
  // Postfix 3.10+ puts the queue ID first.
  PARSE(r, "Nov 20 10:00:00 mx postfix/smtpd[1]: 4BDA1C2BF1: proxy-reject: END-OF-MESSAGE: 451 4.3.0 Try again; x; from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<x>");
  EXPECT_EQ(r.ev.queue_id, "4BDA1C2BF1");
  EXPECT_EQ(r.ev.reason, "451 4.3.0 Try again; x");
}

TEST(Parser, ProxyAcceptNamesTheNextQueueId) {
  PARSE(p, "Nov 20 10:00:00 mx postfix/smtpd[1]: NOQUEUE: proxy-accept: END-OF-MESSAGE: 250 2.0.0 Ok: queued as 4BDA1C2BF1; from=<a@b.c> to=<d@e.f> proto=ESMTP helo=<x>");
  EXPECT_EQ(p.ev.kind, EventKind::kProxyAccept);
  EXPECT_EQ(p.ev.child_queue_id, "4BDA1C2BF1");
  EXPECT_EQ(p.ev.to, "d@e.f");
  // PMG's filter answers with its own ID, no Postfix queue ID.
  PARSE(q, "Dec 18 15:06:26 pmg postfix/smtpd[21949]: proxy-accept: END-OF-MESSAGE: 250 2.5.0 OK (381C4E5DFA32622BFC4); from=<mailtestsender2@localhost.localdomain> to=<pmgtest@localhost.localdomain> proto=ESMTP helo=<localhost.localdomain>");
  EXPECT_EQ(q.ev.kind, EventKind::kProxyAccept);
  EXPECT_EQ(q.ev.child_queue_id, "");
  EXPECT_EQ(q.ev.filter_id, "381C4E5DFA32622BFC4");  // resolved by the pipeline (filter_links.h)
  EXPECT_EQ(p.ev.filter_id, "");  // a queue ID named: no filter ID wanted
}

// PMG's after-queue filter: Postfix's delivery to it names the filter's ID;
// the filter's own line names the queue ID it re-injected as.
TEST(Parser, ContentFilterIdsAndHandOffs) {
  PARSE(d, "Dec 18 15:50:38 proxmox-new postfix/lmtp[13008]: CFC5F42740: to=<test1@localhost>, relay=127.0.0.1[127.0.0.1]:10024, delay=3.8, delays=0.19/0/0/3.6, dsn=2.5.0, status=sent (250 2.5.0 OK (4246C5DD1D1130AF87))");
  EXPECT_EQ(d.ev.kind, EventKind::kDelivery);
  EXPECT_EQ(d.ev.child_queue_id, "");
  EXPECT_EQ(d.ev.filter_id, "4246C5DD1D1130AF87");
  PARSE(e, "Nov 20 10:00:00 mx postfix/smtp[2]: 4BDA1C2BF1: to=<a@b.c>, relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5CEB2D3C02)");
  EXPECT_EQ(e.ev.child_queue_id, "5CEB2D3C02");
  EXPECT_EQ(e.ev.filter_id, "");
  // Replies whose parentheses hold no ID.
  EXPECT_EQ(fields::TrailingFilterId("250 2.0.0 Ok (mail accepted for delivery)"), "");
  EXPECT_EQ(fields::TrailingFilterId("250 ok (ab)"), "");
  EXPECT_EQ(fields::TrailingFilterId("250 ok(4246C5DD1D1130AF87)"), "");
  EXPECT_EQ(fields::TrailingFilterId("250 ok (4246C5DD1D1130AF87) x"), "");
  EXPECT_EQ(fields::TrailingFilterId("250 ok (4246C5DD1D1130AF87)"), "4246C5DD1D1130AF87");
  EXPECT_EQ(fields::HandedOnQueueId("250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 5CEB2D3C02"), "5CEB2D3C02");
  EXPECT_EQ(fields::HandedOnQueueId("delivered via local; forwarded as 5CEB2D3C02"), "5CEB2D3C02");
  EXPECT_EQ(fields::HandedOnQueueId("queued as 5CEB2D3C02x!"), "");  // the whole word is judged

  Parsed h("Dec 18 15:50:38 proxmox-new pmg-smtp-filter[12979]: 4246C5DD1D1130AF87: accept mail to <test1@localhost> (88F2E42667) (rule: default-accept)");
  ASSERT_TRUE(h.header_ok);
  EXPECT_EQ(h.origin, Origin::kForeign);
  FilterHandOff off;
  ASSERT_TRUE(ParseFilterHandOff(h.h, &off));
  EXPECT_EQ(off.filter_id, "4246C5DD1D1130AF87");
  EXPECT_EQ(off.recipient, "test1@localhost");
  EXPECT_EQ(off.queue_id, "88F2E42667");
  for (const char* other : {
           "Dec 18 15:50:38 proxmox-new pmg-smtp-filter[12979]: 4246C5DD1D1130AF87: block mail to <test1@localhost> (rule: x)",
           "Dec 18 15:50:38 proxmox-new pmg-smtp-filter[12979]: 4246C5DD1D1130AF87: accept mail to <test1@localhost> (not-a-qid) (rule: x)",
           "Dec 18 15:50:38 proxmox-new other-filter[12979]: 4246C5DD1D1130AF87: accept mail to <test1@localhost> (88F2E42667) (rule: x)",
           "Dec 18 15:50:38 proxmox-new pmg-smtp-filter[12979]: 4246C5DD1D1130AF87: accept mail to <test1@localhost",
       }) {
    Parsed o(other);
    ASSERT_TRUE(o.header_ok);
    EXPECT_FALSE(ParseFilterHandOff(o.h, &off)) << other;
  }
}

TEST(Parser, RepeatNoticesAndCompatibilityNotices) {
  PARSE(a, "Nov 20 10:00:00 mx postfix/smtpd[1]: last message repeated 3 times");
  EXPECT_EQ(a.ev.kind, EventKind::kRepeated);
  PARSE(b, "Nov 20 10:00:00 mx postfix/smtp[2]: message repeated 12 times: [ connect to x[192.0.2.1]:25: Connection refused]");
  EXPECT_EQ(b.ev.kind, EventKind::kRepeated);
  PARSE(c, "Nov 20 10:00:00 mx postfix[3]: Postfix is running with backwards-compatible default settings");
  EXPECT_EQ(c.ev.kind, EventKind::kIgnored);
  PARSE(d, "Nov 20 10:00:00 mx postfix/postfix-script[3]: See http://www.postfix.org/COMPATIBILITY_README.html for details");
  EXPECT_EQ(d.ev.kind, EventKind::kIgnored);
  Parsed e("Nov 20 10:00:00 mx postfix/smtpd[1]: message repeated often");
  EXPECT_NE(e.ev.kind, EventKind::kRepeated);
}

TEST(Parser, DeliveryStatusVocabulary) {
  PARSE(a, "Nov 20 10:00:00 mx postfix/smtp[2]: 4BDA1C2BF1: to=<a@example.net>, relay=example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)");
  EXPECT_EQ(a.ev.status, DeliveryStatus::kDeliverable);
  EXPECT_STREQ(DeliveryStatusName(a.ev.status), "deliverable");
  PARSE(b, "Nov 20 10:00:00 mx postfix/smtp[2]: 4BDA1C2BF1: to=<a@example.net>, relay=example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=undeliverable (550 5.1.1 no)");
  EXPECT_EQ(b.ev.status, DeliveryStatus::kUndeliverable);
  EXPECT_STREQ(DeliveryStatusName(b.ev.status), "undeliverable");
  EXPECT_STREQ(DeliveryStatusName(DeliveryStatus::kExpired), "expired");
  EXPECT_STREQ(DeliveryStatusName(DeliveryStatus::kOther), "unknown-status");
}

}  // namespace
}  // namespace maillens
