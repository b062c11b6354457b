// assembler_test.cc - message lifecycles through the Assembler.
#include "assemble/assembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "assemble/filter_links.h"
#include "postfix/parser.h"
#include "syslog/header.h"

namespace maillens {
namespace {

class RecordingListener : public Assembler::Listener {
 public:
  void OnMessageReleased(const Message& m) override { released.push_back(m); }
  std::vector<Message> released;
};

// Parses log lines (all of one stream, year 2026, UTC) and feeds them.
class Feeder {
 public:
  explicit Feeder(Assembler::Options options = {}) : assembler(options), header_parser_(Policy()) {
    setenv("TZ", "UTC", 1);
    tzset();
    assembler.AddListener(&listener);
  }
  // Returns the message the line was attached to (nullptr without a queue ID).
  Message* Feed(const std::string& line) {
    line_ = line;
    if (!header_parser_.Parse(line_, &header_)) {
      ADD_FAILURE() << "no header: " << line;
      return nullptr;
    }
    Origin origin = ClassifyProgram(header_, ParserOptions());
    if (!ParseMailLine(header_, origin, &event_)) {
      ADD_FAILURE() << "not parsed: " << line;
      return nullptr;
    }
    return assembler.Feed(event_);
  }
  int64_t epoch() const { return header_.epoch; }

  Assembler assembler;
  RecordingListener listener;

 private:
  static YearPolicy Policy() {
    YearPolicy p;
    p.fixed_year = 2026;
    return p;
  }
  HeaderParser header_parser_;
  std::string line_;
  SyslogHeader header_;
  Event event_;
};

int64_t Utc(int y, int mo, int d, int h, int mi, int s) {
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

TEST(Assembler, FullLifecycleReleasedAfterLinger) {
  Feeder f;
  Message* m = f.Feed("Nov 22 05:38:34 mx postfix/smtpd[27827]: 479F0A8A60F: client=localhost[127.0.0.1]");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->queue_id, "479F0A8A60F");
  EXPECT_EQ(m->host, "mx");
  EXPECT_EQ(m->origin, Message::Origin::kSmtpd);
  EXPECT_EQ(m->client, "localhost[127.0.0.1]");
  EXPECT_EQ(m->first_seen, Utc(2026, 11, 22, 5, 38, 34));
  EXPECT_EQ(f.assembler.in_flight(), 1u);

  m = f.Feed("Nov 22 05:38:34 mx postfix/cleanup[27831]: 479F0A8A60F: message-id=<rp.42.E0001@example.test>");
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->message_id.find("rp.42.E0001@example.test"), std::string::npos);

  m = f.Feed("Nov 22 05:38:35 mx postfix/qmgr[27791]: 479F0A8A60F: from=<bob@example.test>, size=1392, nrcpt=2 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size, 1392);
  EXPECT_EQ(m->nrcpt, 2);
  EXPECT_EQ(m->from, "bob@example.test");
  EXPECT_TRUE(m->has_from);
  EXPECT_EQ(m->queue_active, 1u);

  m = f.Feed("Nov 22 05:38:35 mx postfix/local[27961]: 479F0A8A60F: to=<root@example.test>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->sent, 1u);
  m = f.Feed("Nov 22 05:38:36 mx postfix/smtp[27832]: 479F0A8A60F: to=<user1@deferred.test>, relay=none, delay=2, delays=0/0/2/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2999: Connection refused)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->deferred, 1u);
  EXPECT_EQ(m->sent, 1u);

  m = f.Feed("Nov 22 05:38:37 mx postfix/qmgr[27791]: 479F0A8A60F: removed");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->removed);
  // Still held during the linger time.
  EXPECT_EQ(f.assembler.in_flight(), 1u);
  EXPECT_TRUE(f.listener.released.empty());

  // Log time moves on (lines without a queue ID still advance the clock).
  EXPECT_EQ(f.Feed("Nov 22 05:38:50 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]"), nullptr);
  EXPECT_TRUE(f.listener.released.empty());
  EXPECT_EQ(f.Feed("Nov 22 05:41:00 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]"), nullptr);

  ASSERT_EQ(f.listener.released.size(), 1u);
  const Message& r = f.listener.released[0];
  EXPECT_EQ(r.queue_id, "479F0A8A60F");
  EXPECT_EQ(r.host, "mx");
  EXPECT_EQ(r.size, 1392);
  EXPECT_EQ(r.sent, 1u);
  EXPECT_EQ(r.deferred, 1u);
  EXPECT_TRUE(r.removed);
  EXPECT_EQ(r.origin, Message::Origin::kSmtpd);
  EXPECT_EQ(r.first_seen, Utc(2026, 11, 22, 5, 38, 34));
  EXPECT_EQ(r.last_seen, Utc(2026, 11, 22, 5, 38, 37));
  EXPECT_EQ(f.assembler.in_flight(), 0u);
  EXPECT_EQ(f.assembler.released(), 1u);

  // Nothing more is released later.
  f.Feed("Nov 22 07:00:00 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]");
  EXPECT_EQ(f.listener.released.size(), 1u);
}

TEST(Assembler, DeliveryAfterRemovedFindsItsMessage) {
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: 5F70FA8A619: client=localhost[127.0.0.1]");
  f.Feed("Nov 22 05:38:34 mx postfix/qmgr[3]: 5F70FA8A619: from=<bob@example.test>, size=1180, nrcpt=2 (queue active)");
  f.Feed("Nov 22 05:38:35 mx postfix/local[4]: 5F70FA8A619: to=<a@example.test>, relay=local, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (delivered to mailbox)");
  Message* m = f.Feed("Nov 22 05:38:35 mx postfix/qmgr[3]: 5F70FA8A619: removed");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->removed);
  // syslog order: the agent's line lands after qmgr's "removed".
  m = f.Feed("Nov 22 05:38:36 mx postfix/local[5]: 5F70FA8A619: to=<b@example.test>, relay=local, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (delivered to mailbox)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size, 1180);  // the message is still known
  EXPECT_EQ(m->sent, 2u);
  EXPECT_TRUE(m->removed);
  EXPECT_EQ(m->origin, Message::Origin::kSmtpd);
  EXPECT_EQ(f.assembler.in_flight(), 1u);
  EXPECT_TRUE(f.listener.released.empty());

  f.Feed("Nov 22 05:42:00 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]");
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].sent, 2u);
  EXPECT_EQ(f.listener.released[0].size, 1180);
  EXPECT_EQ(f.assembler.in_flight(), 0u);
}

TEST(Assembler, LateLineExtendsLinger) {
  Feeder f;
  f.Feed("Nov 22 05:00:00 mx postfix/smtpd[1]: 5F70FA8A619: client=localhost[127.0.0.1]");
  f.Feed("Nov 22 05:00:01 mx postfix/qmgr[3]: 5F70FA8A619: from=<bob@example.test>, size=10, nrcpt=1 (queue active)");
  f.Feed("Nov 22 05:00:02 mx postfix/qmgr[3]: 5F70FA8A619: removed");
  // 50 s after removed, a late line; 70 s after removed it is only 20 s old.
  f.Feed("Nov 22 05:00:52 mx postfix/local[5]: 5F70FA8A619: to=<b@example.test>, relay=local, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (delivered to mailbox)");
  f.Feed("Nov 22 05:01:12 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]");
  EXPECT_TRUE(f.listener.released.empty());
  Message* m = f.Feed("Nov 22 05:01:20 mx postfix/local[5]: 5F70FA8A619: to=<c@example.test>, relay=local, delay=2, delays=0/0/0/2, dsn=2.0.0, status=sent (delivered to mailbox)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size, 10);
  EXPECT_EQ(m->sent, 2u);
  f.Feed("Nov 22 05:05:00 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]");
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].sent, 2u);
}

TEST(Assembler, QueueIdReuseStartsFreshMessage) {
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: ABCDE12345: client=first.example.com[192.0.2.1]");
  f.Feed("Nov 22 05:38:34 mx postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=100, nrcpt=1 (queue active)");
  f.Feed("Nov 22 05:38:35 mx postfix/smtp[4]: ABCDE12345: to=<x@example.net>, relay=mx.example.net[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)");
  f.Feed("Nov 22 05:38:35 mx postfix/qmgr[3]: ABCDE12345: removed");
  ASSERT_TRUE(f.listener.released.empty());

  // Within the linger time the same queue ID names a new message.
  Message* m = f.Feed("Nov 22 05:38:40 mx postfix/smtpd[1]: ABCDE12345: client=second.example.org[192.0.2.2]");
  ASSERT_EQ(f.listener.released.size(), 1u);  // the old one, released at once
  const Message& old = f.listener.released[0];
  EXPECT_EQ(old.client, "first.example.com[192.0.2.1]");
  EXPECT_EQ(old.size, 100);
  EXPECT_EQ(old.sent, 1u);
  EXPECT_TRUE(old.removed);

  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->queue_id, "ABCDE12345");
  EXPECT_EQ(m->client, "second.example.org[192.0.2.2]");
  EXPECT_EQ(m->size, -1);
  EXPECT_EQ(m->sent, 0u);
  EXPECT_FALSE(m->removed);
  EXPECT_EQ(m->queue_active, 0u);
  EXPECT_EQ(m->first_seen, Utc(2026, 11, 22, 5, 38, 40));
  EXPECT_EQ(f.assembler.in_flight(), 1u);

  m = f.Feed("Nov 22 05:38:41 mx postfix/qmgr[3]: ABCDE12345: from=<b@example.org>, size=222, nrcpt=1 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size, 222);
  EXPECT_EQ(m->from, "b@example.org");

  // The lingering entry of the old message must not release the new one.
  f.Feed("Nov 22 05:45:00 mx postfix/smtpd[1]: connect from localhost[127.0.0.1]");
  EXPECT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.assembler.in_flight(), 1u);
  f.assembler.Finish();
  ASSERT_EQ(f.listener.released.size(), 2u);
  EXPECT_EQ(f.listener.released[1].size, 222);
}

TEST(Assembler, QueueIdReuseByPickup) {
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/pickup[1]: ABCDE12345: uid=0 from=<root>");
  f.Feed("Nov 22 05:38:34 mx postfix/qmgr[3]: ABCDE12345: from=<root@mx.example.org>, size=100, nrcpt=1 (queue active)");
  f.Feed("Nov 22 05:38:35 mx postfix/qmgr[3]: ABCDE12345: removed");
  Message* m = f.Feed("Nov 22 05:38:36 mx postfix/pickup[1]: ABCDE12345: uid=1000 from=<user>");
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].origin, Message::Origin::kPickup);
  EXPECT_EQ(f.listener.released[0].size, 100);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->origin, Message::Origin::kPickup);
  EXPECT_EQ(m->from, "user");
  EXPECT_EQ(m->size, -1);
  EXPECT_FALSE(m->removed);
}

TEST(Assembler, LiveMessageNotResetByRepeatedClient) {
  // Without "removed", a second client= line is not a reuse.
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: ABCDE12345: client=a[192.0.2.1]");
  f.Feed("Nov 22 05:38:34 mx postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=100, nrcpt=1 (queue active)");
  Message* m = f.Feed("Nov 22 05:38:35 mx postfix/smtpd[1]: ABCDE12345: client=a[192.0.2.1]");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size, 100);
  EXPECT_TRUE(f.listener.released.empty());
  EXPECT_EQ(f.assembler.in_flight(), 1u);
}

// Options for tests whose few lines stand for a busy log: every line confirms
// a clock jump, and one event counts as enough volume.
Assembler::Options FewLines() {
  Assembler::Options o;
  o.clock_confirm = 1;
  o.idle_events = 1;
  o.linger_events = 1000000;
  return o;
}

TEST(Assembler, IdleMessageReleasedAfterTenDays) {
  Feeder f(FewLines());
  Message* m = f.Feed("Nov  1 10:00:00 mx postfix/smtpd[1]: ABCDE12345: client=a.example.com[192.0.2.1]");
  ASSERT_NE(m, nullptr);
  f.Feed("Nov  1 10:00:01 mx postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=100, nrcpt=1 (queue active)");
  f.Feed("Nov  1 10:00:02 mx postfix/smtp[4]: ABCDE12345: to=<x@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to example.net[192.0.2.9]:25: Connection refused)");
  // A message that keeps being retried is not idle.
  f.Feed("Nov  1 10:00:03 mx postfix/smtpd[1]: BCDEF23456: client=b.example.com[192.0.2.2]");
  f.Feed("Nov  1 10:00:04 mx postfix/qmgr[3]: BCDEF23456: from=<b@example.com>, size=100, nrcpt=1 (queue active)");

  f.Feed("Nov  5 10:00:00 mx postfix/smtp[4]: BCDEF23456: to=<y@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to example.net[192.0.2.9]:25: Connection refused)");
  f.Feed("Nov 10 10:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  EXPECT_TRUE(f.listener.released.empty());  // 9 days: not yet
  EXPECT_EQ(f.assembler.in_flight(), 2u);

  f.Feed("Nov 11 12:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].queue_id, "ABCDE12345");
  EXPECT_EQ(f.listener.released[0].deferred, 1u);
  EXPECT_FALSE(f.listener.released[0].removed);
  EXPECT_EQ(f.assembler.in_flight(), 1u);

  f.Feed("Nov 15 12:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  ASSERT_EQ(f.listener.released.size(), 2u);
  EXPECT_EQ(f.listener.released[1].queue_id, "BCDEF23456");
  EXPECT_EQ(f.assembler.in_flight(), 0u);
}

TEST(Assembler, FinishReleasesEverything) {
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: ABCDE12345: client=a[192.0.2.1]");
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: BCDEF23456: client=b[192.0.2.2]");
  f.Feed("Nov 22 05:38:35 mx postfix/pickup[2]: CDEF034567: uid=0 from=<root>");
  f.Feed("Nov 22 05:38:36 mx postfix/qmgr[3]: CDEF034567: removed");
  EXPECT_EQ(f.assembler.in_flight(), 3u);
  EXPECT_TRUE(f.listener.released.empty());
  f.assembler.Finish();
  EXPECT_EQ(f.listener.released.size(), 3u);
  EXPECT_EQ(f.assembler.in_flight(), 0u);
  EXPECT_EQ(f.assembler.released(), 3u);
  std::vector<std::string> ids;
  for (const Message& m : f.listener.released) ids.push_back(m.queue_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"ABCDE12345", "BCDEF23456", "CDEF034567"}));
  // The lingering entry of the removed message does not fire later.
  f.Feed("Nov 22 06:38:36 mx postfix/smtpd[1]: connect from a[192.0.2.1]");
  EXPECT_EQ(f.listener.released.size(), 3u);
  // Finish on an empty assembler is harmless.
  f.assembler.Finish();
  EXPECT_EQ(f.listener.released.size(), 3u);
}

TEST(Assembler, KeyedByHostAndQueueId) {
  Feeder f;
  Message* a = f.Feed("Nov 22 05:38:34 mx1 postfix/smtpd[1]: ABCDE12345: client=a[192.0.2.1]");
  Message* b = f.Feed("Nov 22 05:38:34 mx2 postfix/smtpd[1]: ABCDE12345: client=b[192.0.2.2]");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(f.assembler.in_flight(), 2u);
  Message* m = f.Feed("Nov 22 05:38:35 mx1 postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=11, nrcpt=1 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->host, "mx1");
  EXPECT_EQ(m->client, "a[192.0.2.1]");
  m = f.Feed("Nov 22 05:38:35 mx2 postfix/qmgr[3]: ABCDE12345: from=<b@example.com>, size=22, nrcpt=1 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->host, "mx2");
  EXPECT_EQ(m->client, "b[192.0.2.2]");
  EXPECT_EQ(m->size, 22);
}

TEST(Assembler, EventsWithoutQueueId) {
  Feeder f;
  EXPECT_EQ(f.Feed("Nov 22 05:38:37 mx postfix/smtpd[27827]: NOQUEUE: reject: RCPT from oddball.example.org[127.0.0.30]: 554 5.7.1 <victim4@example.com>: Relay access denied; from=<spam4@example.org> to=<victim4@example.com> proto=ESMTP helo=<relaytest.example.org>"),
            nullptr);
  EXPECT_EQ(f.Feed("Nov 22 05:38:37 mx postfix/smtpd[27827]: connect from localhost[127.0.0.1]"), nullptr);
  EXPECT_EQ(f.Feed("Nov 22 05:38:37 mx postfix/smtp[27832]: connect to 127.0.0.1[127.0.0.1]:2999: Connection refused"),
            nullptr);
  EXPECT_EQ(f.assembler.in_flight(), 0u);
}

TEST(Assembler, FirstActivationDefinesSize) {
  Feeder f;
  f.Feed("Nov 22 05:38:34 mx postfix/smtpd[1]: ABCDE12345: client=a[192.0.2.1]");
  f.Feed("Nov 22 05:38:35 mx postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=100, nrcpt=2 (queue active)");
  Message* m = f.Feed("Nov 22 06:38:35 mx postfix/qmgr[3]: ABCDE12345: from=<a@example.com>, size=100, nrcpt=1 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->queue_active, 2u);
  EXPECT_EQ(m->nrcpt, 2);
  EXPECT_EQ(m->size, 100);
}

TEST(Assembler, PreQueueMessageParkedNotReleased) {
  // smtpd logs no "removed" when the client leaves after RCPT: a message that
  // never reached qmgr, and is not on hold, is parked after idle_events
  // events: out of the in-flight table, never shown to the Listener.
  Feeder f(FewLines());
  f.Feed("Nov  1 10:00:00 mx postfix/smtpd[1]: ABCDE12345: client=a.example.com[192.0.2.1]");
  f.Feed("Nov  1 10:00:00 mx postfix/smtpd[2]: NOQUEUE: hold: RCPT from b.example.com[192.0.2.2]: <b@example.com>: Sender address triggers HOLD action; from=<b@example.com> to=<x@example.net> proto=ESMTP helo=<b>");
  f.Feed("Nov  1 10:00:01 mx postfix/smtpd[2]: BCDEF23456: client=b.example.com[192.0.2.2]");
  f.Feed("Nov  1 10:00:02 mx postfix/cleanup[5]: CDEF345678: hold: header Subject: x from c[192.0.2.3]; from=<c@example.com> to=<x@example.net> proto=ESMTP helo=<c>");
  f.Feed("Nov  1 12:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  EXPECT_TRUE(f.listener.released.empty());
  EXPECT_EQ(f.assembler.parked(), 1u);
  EXPECT_EQ(f.assembler.in_flight(), 2u);  // both held messages stay
  // A new client= line for the parked queue ID: reused, the old one is done.
  Message* m = f.Feed("Nov  1 12:00:01 mx postfix/smtpd[1]: ABCDE12345: client=z.example.com[192.0.2.9]");
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].client, "a.example.com[192.0.2.1]");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->client, "z.example.com[192.0.2.9]");
  EXPECT_EQ(f.assembler.parked(), 0u);
}

// Issue 13.1: qmgr's from= more than an hour after client= (pflogsumm keeps
// sender and size): one message, not two.
TEST(Assembler, LateQmgrLineMergesIntoItsMessage) {
  Assembler::Options o;
  o.idle_events = 4;  // so that this short log parks the message
  Feeder f(o);
  f.Feed("Nov  1 00:01:02 mail postfix/smtpd[1]: 163CB3EE5E7F: client=a.example.com[192.0.2.1]");
  f.Feed("Nov  1 00:01:02 mail postfix/cleanup[2]: 163CB3EE5E7F: message-id=<x@example.com>");
  for (int i = 0; i < 20; ++i) f.Feed("Nov  1 01:01:03 mail postfix/smtpd[9]: connect from b.example.com[192.0.2.2]");
  EXPECT_EQ(f.assembler.parked(), 1u);
  Message* m = f.Feed("Nov  1 01:01:03 mail postfix/qmgr[3]: 163CB3EE5E7F: from=<s@example.com>, size=12321, nrcpt=1 (queue active)");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->origin, Message::Origin::kSmtpd);
  EXPECT_EQ(m->message_id, "<x@example.com>");
  EXPECT_EQ(m->queue_active, 1u);
  EXPECT_EQ(f.assembler.parked(), 0u);
  f.Feed("Nov  1 01:01:03 mail postfix/smtp[4]: 163CB3EE5E7F: to=<a.foo@example.net>, relay=example.net[198.51.100.1]:25, delay=0.67, delays=0.1/0.37/0.13/0.07, dsn=2.0.0, status=sent (250 ok)");
  f.assembler.Finish();
  ASSERT_EQ(f.listener.released.size(), 1u);
  EXPECT_EQ(f.listener.released[0].from, "s@example.com");
  EXPECT_EQ(f.listener.released[0].size, 12321);
  EXPECT_EQ(f.listener.released[0].sent, 1u);
  EXPECT_EQ(f.listener.released[0].origin, Message::Origin::kSmtpd);
}

// Issue 13.1: one stray line from another host, hours ahead, neither moves
// the clock nor releases anything.
TEST(Assembler, StrayLineAheadReleasesNothing) {
  Feeder f;
  f.Feed("Nov 20 10:00:00 mx1 postfix/smtpd[1]: AAAA11111: client=a.example.com[192.0.2.1]");
  f.Feed("Nov 20 10:00:00 mx1 postfix/smtpd[2]: BBBB22222: client=b.example.com[192.0.2.2]");
  f.Feed("Nov 20 12:00:00 mx2 postfix/anvil[300]: statistics: max connection rate 1/60s for (smtp:192.0.2.1) at Nov 20 11:59:00");
  EXPECT_EQ(f.assembler.clock(), Utc(2026, 11, 20, 10, 0, 0));
  Message* a = f.Feed("Nov 20 10:00:01 mx1 postfix/qmgr[3]: AAAA11111: from=<a@example.com>, size=100, nrcpt=1 (queue active)");
  Message* b = f.Feed("Nov 20 10:00:01 mx1 postfix/qmgr[3]: BBBB22222: from=<b@example.com>, size=200, nrcpt=1 (queue active)");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->origin, Message::Origin::kSmtpd);
  EXPECT_TRUE(f.listener.released.empty());
  EXPECT_EQ(f.assembler.in_flight(), 2u);
}

// A real jump (16 lines agreeing) does move the clock, to the earliest of them.
TEST(Assembler, ClockFollowsConfirmedJump) {
  Feeder f;
  f.Feed("Nov 20 10:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  for (int i = 0; i < 15; ++i) f.Feed("Nov 21 08:00:00 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  EXPECT_EQ(f.assembler.clock(), Utc(2026, 11, 20, 10, 0, 0));
  f.Feed("Nov 21 08:00:05 mx postfix/smtpd[1]: connect from a.example.com[192.0.2.1]");
  EXPECT_EQ(f.assembler.clock(), Utc(2026, 11, 21, 8, 0, 0));
}

// Memory stays bounded on a stream of pre-queue messages that never
// complete: parked ones beyond max_parked and in-flight ones beyond
// max_in_flight are released oldest first and counted.
TEST(Assembler, NeverCompletedMessagesStayUnderTheCaps) {
  Assembler::Options o;
  o.idle_events = 100;
  o.sweep_events = 50;
  o.max_parked = 1000;
  o.max_in_flight = 800;
  Feeder f(o);
  char line[160];
  for (int i = 0; i < 20000; ++i) {
    snprintf(line, sizeof line, "Nov 20 10:%02d:%02d mx postfix/smtpd[1]: %05XABCDE: client=a.example.com[192.0.2.1]",
             (i / 600) % 60, (i / 10) % 60, i);
    f.Feed(line);
    ASSERT_LE(f.assembler.in_flight(), o.max_in_flight);
    ASSERT_LE(f.assembler.parked(), o.max_parked);
  }
  EXPECT_GT(f.assembler.evicted(), 15000u);
  EXPECT_EQ(f.assembler.evicted(), f.listener.released.size());
  EXPECT_EQ(f.listener.released[0].queue_id, "00000ABCDE");  // oldest first
  f.assembler.Finish();
  EXPECT_EQ(f.listener.released.size(), 20000u);
}

// filter_links.h: a hand-off per recipient, found by recipient, by the
// filter's ID alone, per host; the oldest forgotten past the cap.
TEST(FilterLinks, FindsHandOffsAndStaysBounded) {
  FilterLinks l;
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", "a@x"), "");
  l.Note("pmg", "4246C5DD1D1130AF87", "a@x", "88F2E42667");
  l.Note("pmg", "4246C5DD1D1130AF87", "b@x", "99A3F53778");
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", "a@x"), "88F2E42667");
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", "b@x"), "99A3F53778");
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", "c@x"), "99A3F53778");  // the last one named
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", ""), "99A3F53778");
  EXPECT_EQ(l.Find("other", "4246C5DD1D1130AF87", "a@x"), "");
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF88", "a@x"), "");
  for (size_t i = 0; i < FilterLinks::kMaxLinks; ++i) l.Note("pmg", "ID" + std::to_string(i) + "XYZ", "", "ABCDEF1234");
  EXPECT_EQ(l.Find("pmg", "4246C5DD1D1130AF87", "a@x"), "");  // forgotten
  EXPECT_EQ(l.Find("pmg", "ID0XYZ", ""), "ABCDEF1234");
  EXPECT_EQ(l.Find("pmg", "ID65535XYZ", ""), "ABCDEF1234");
}

}  // namespace
}  // namespace maillens
