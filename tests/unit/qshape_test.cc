// qshape_test.cc - postqueue -j parsing and the qshape table: buckets, keys,
// -p rollup, row order, truncation and sender mode.
#include "queue/qshape.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "queue/postqueue.h"

namespace maillens {
namespace {

constexpr int64_t kNow = 1795330000;

// A message in `queue` that arrived `age` seconds before kNow.
QueuedMessage Msg(const std::string& queue, int64_t age, const std::string& sender,
                  const std::vector<std::string>& rcpts) {
  QueuedMessage m;
  m.queue_name = queue;
  m.queue_id = "ABC123";
  m.arrival_time = kNow - age;
  m.sender = sender;
  for (const std::string& r : rcpts) m.recipients.push_back({r, ""});
  return m;
}

// The rendered lines of a table.
std::vector<std::string> Lines(const QshapeTable& t) {
  std::vector<std::string> out;
  std::istringstream in(t.RenderText());
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(QshapeBucket, GeometricBoundaries) {
  QshapeOptions o;
  EXPECT_EQ(QshapeBucket(kNow, kNow, o), 1);
  EXPECT_EQ(QshapeBucket(kNow - 299, kNow, o), 1);
  EXPECT_EQ(QshapeBucket(kNow - 300, kNow, o), 2);
  EXPECT_EQ(QshapeBucket(kNow - 599, kNow, o), 2);
  EXPECT_EQ(QshapeBucket(kNow - 600, kNow, o), 3);
  EXPECT_EQ(QshapeBucket(kNow - 1199, kNow, o), 3);
  EXPECT_EQ(QshapeBucket(kNow - 1200, kNow, o), 4);
  EXPECT_EQ(QshapeBucket(kNow + 100, kNow, o), 1);  // arrival in the future
  EXPECT_EQ(QshapeBucket(kNow - 1279 * 60, kNow, o), 9);
  EXPECT_EQ(QshapeBucket(kNow - 1280 * 60, kNow, o), 10);
  EXPECT_EQ(QshapeBucket(kNow - 30 * 86400, kNow, o), 10);
  o.bucket_minutes = 1;
  EXPECT_EQ(QshapeBucket(kNow - 60, kNow, o), 2);
}

TEST(QshapeBucket, Linear) {
  QshapeOptions o;
  o.linear = true;
  EXPECT_EQ(QshapeBucket(kNow - 299, kNow, o), 1);
  EXPECT_EQ(QshapeBucket(kNow - 300, kNow, o), 2);
  EXPECT_EQ(QshapeBucket(kNow - 600, kNow, o), 3);
  EXPECT_EQ(QshapeBucket(kNow - 900, kNow, o), 4);
  o.bucket_count = 3;
  EXPECT_EQ(QshapeBucket(kNow - 900, kNow, o), 3);
}

TEST(QshapeHeadings, DefaultLinearAndShort) {
  QshapeOptions o;
  EXPECT_EQ(QshapeHeadings(o), (std::vector<std::string>{"T", "5", "10", "20", "40", "80", "160", "320", "640",
                                                          "1280", "1280+"}));
  o.linear = true;
  o.bucket_count = 4;
  EXPECT_EQ(QshapeHeadings(o), (std::vector<std::string>{"T", "5", "10", "15", "15+"}));
  o.bucket_count = 1;
  EXPECT_EQ(QshapeHeadings(o), (std::vector<std::string>{"T", "0+"}));
}

TEST(QshapeDomain, Keys) {
  EXPECT_EQ(QshapeDomain("User@Example.COM"), "example.com");
  EXPECT_EQ(QshapeDomain(""), "MAILER-DAEMON");
  EXPECT_EQ(QshapeDomain("\"a@b\"@c.example"), "c.example");
  EXPECT_EQ(QshapeDomain("x@foo..bar."), "foo.bar");
  EXPECT_EQ(QshapeDomain("x@.foo.bar"), "foo.bar");
  EXPECT_EQ(QshapeDomain("x@."), ".");
  EXPECT_EQ(QshapeDomain("postmaster"), "postmaster");
}

TEST(QshapeDomain, Parents) {
  EXPECT_EQ(QshapeParent("a.b.example.com"), ".b.example.com");
  EXPECT_EQ(QshapeParent(".b.example.com"), ".example.com");
  EXPECT_EQ(QshapeParent(".example.com"), "");
  EXPECT_EQ(QshapeParent("example.com"), "");
  EXPECT_EQ(QshapeParent("MAILER-DAEMON"), "");
}

TEST(QshapeTable, QueuesSelectedAndRecipientsCounted) {
  QshapeTable t(QshapeOptions(), kNow);
  EXPECT_TRUE(t.Add(Msg("active", 10, "a@x.test", {"r1@b.test", "r2@b.test", "r3@c.test"})));
  EXPECT_FALSE(t.Add(Msg("deferred", 10, "a@x.test", {"r1@b.test"})));  // not a default queue
  EXPECT_FALSE(t.Add(Msg("incoming", 10, "a@x.test", {})));            // no recipients left
  std::vector<QshapeRow> rows = t.Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].domain, "TOTAL");
  EXPECT_EQ(rows[0].counts[0], 3u);
  EXPECT_EQ(rows[1].domain, "b.test");
  EXPECT_EQ(rows[1].counts[0], 2u);
  EXPECT_EQ(rows[2].domain, "c.test");
}

TEST(QshapeTable, OrderTotalThenLengthThenName) {
  QshapeOptions o;
  o.queues = {"deferred"};
  QshapeTable t(o, kNow);
  t.Add(Msg("deferred", 0, "s@x", {"a@long-name.test", "b@zz.test", "c@aa.test", "d@mid.test", "e@mid.test"}));
  std::vector<QshapeRow> rows = t.Rows();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].domain, "TOTAL");
  EXPECT_EQ(rows[1].domain, "mid.test");
  EXPECT_EQ(rows[2].domain, "aa.test");
  EXPECT_EQ(rows[3].domain, "zz.test");
  EXPECT_EQ(rows[4].domain, "long-name.test");
}

TEST(QshapeTable, SenderModeCountsMessages) {
  QshapeOptions o;
  o.sender_mode = true;
  o.queues = {"deferred", "hold"};
  QshapeTable t(o, kNow);
  t.Add(Msg("deferred", 0, "a@Example.test", {"r1@b.test", "r2@b.test"}));
  t.Add(Msg("hold", 400, "MAILER-DAEMON", {"r1@b.test"}));
  t.Add(Msg("deferred", 0, "", {"r3@b.test"}));
  std::vector<QshapeRow> rows = t.Rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].counts, (std::vector<uint64_t>{3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(rows[1].domain, "MAILER-DAEMON");
  EXPECT_EQ(rows[1].counts[0], 2u);
  EXPECT_EQ(rows[2].domain, "example.test");
  EXPECT_EQ(rows[2].counts[0], 1u);
}

TEST(QshapeTable, ParentRollupNeedsMinSubdomains) {
  QshapeOptions o;
  o.parent_domains = true;
  o.queues = {"deferred"};
  std::vector<std::string> rcpts;
  for (const char* s : {"a", "b", "c", "d"}) rcpts.push_back(std::string("u@") + s + ".example.com");
  QshapeTable four(o, kNow);
  four.Add(Msg("deferred", 0, "s@x", rcpts));
  four.Add(Msg("deferred", 0, "s@x", {"u@a.example.com"}));  // same child again: not a new subdomain
  for (const QshapeRow& r : four.Rows()) EXPECT_NE(r.domain, ".example.com");
  o.min_subdomains = 4;
  QshapeTable four_shown(o, kNow);
  four_shown.Add(Msg("deferred", 0, "s@x", rcpts));
  std::vector<QshapeRow> rows = four_shown.Rows();
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(rows[1].domain, ".example.com");
  EXPECT_EQ(rows[1].counts[0], 4u);
  EXPECT_EQ(rows[0].counts[0], 4u);  // TOTAL counts each recipient once
  o.min_subdomains = 5;
  rcpts.push_back("u@x.y.example.com");  // a fifth child of .example.com through .y.example.com
  QshapeTable five(o, kNow);
  five.Add(Msg("deferred", 0, "s@x", rcpts));
  bool parent = false, grandchild_parent = false;
  for (const QshapeRow& r : five.Rows()) {
    parent |= r.domain == ".example.com" && r.counts[0] == 5;
    grandchild_parent |= r.domain == ".y.example.com";  // one child only: hidden
  }
  EXPECT_TRUE(parent);
  EXPECT_FALSE(grandchild_parent);
}

TEST(QshapeTable, TextLayoutAndTruncation) {
  QshapeOptions o;
  o.queues = {"deferred"};
  o.parent_domains = true;
  o.min_subdomains = 1;
  QshapeTable t(o, kNow);
  std::string parent = "." + std::string(44, 'b') + ".example";  // 53 bytes
  std::string long_domain = "a" + parent;                          // 54 bytes
  // 700 s is 11.7 minutes: the [10, 20) bucket, headed "20".
  t.Add(Msg("deferred", 700, "s@x", {"u@" + long_domain, "v@short.test"}));
  std::vector<std::string> lines = Lines(t);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], std::string(39, ' ') + "  T  5 10 20 40 80 160 320 640 1280 1280+");
  EXPECT_EQ(lines[1], std::string(34, ' ') + "TOTAL  2  0  0  2  0  0   0   0   0    0     0");
  EXPECT_EQ(lines[2], std::string(29, ' ') + "short.test  1  0  0  1  0  0   0   0   0    0     0");
  // 39-column name field: parents '.+' and their last 37 bytes, others '+' and the last 38.
  EXPECT_EQ(lines[3].substr(0, 39), ".+" + parent.substr(parent.size() - 37));
  EXPECT_EQ(lines[4].substr(0, 39), "+" + long_domain.substr(long_domain.size() - 38));
  for (const std::string& l : lines) EXPECT_EQ(l.size(), 80u);
}

TEST(QshapeTable, NarrowNameFieldKeepsEighteen) {
  QshapeOptions o;
  o.queues = {"deferred"};
  o.bucket_count = 16;  // the counters alone need more than 62 columns
  QshapeTable t(o, kNow);
  t.Add(Msg("deferred", 0, "s@x", {"u@subdomain.example.test"}));
  std::vector<std::string> lines = Lines(t);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].substr(0, 18), "+main.example.test");  // '+' and the last 17 bytes
  EXPECT_EQ(lines[2].size(), 18u + 76u);                   // the width limit gives way
}

TEST(Postqueue, GoodAndBadLines) {
  std::string text =
      "{\"queue_name\": \"deferred\", \"queue_id\": \"592ACA72655\", \"arrival_time\": 1795330819, "
      "\"message_size\": 802, \"forced_expire\": false, \"sender\": \"dave@example.test\", \"recipients\": "
      "[{\"address\": \"u@deferred.test\", \"delay_reason\": \"connect refused\"}, {\"address\": \"v@x.test\"}]}\n"
      "\n"
      "not json\n"
      "{\"queue_name\": \"hold\", \"queue_id\": \"X\", \"sender\": \"\", \"recipients\": []}\n"
      "[1, 2]\n"
      "{\"queue_name\": \"hold\", \"queue_id\": \"Y\", \"arrival_time\": 5, \"sender\": \"\", \"recipients\": "
      "[{\"address\": 3}]}\n"
      "{\"queue_name\": \"hold\", \"queue_id\": \"Z\", \"arrival_time\": 7, \"sender\": \"\", \"recipients\": []}";
  std::vector<QueuedMessage> msgs;
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &msgs, &problems);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].queue_name, "deferred");
  EXPECT_EQ(msgs[0].queue_id, "592ACA72655");
  EXPECT_EQ(msgs[0].arrival_time, 1795330819);
  EXPECT_EQ(msgs[0].message_size, 802u);
  EXPECT_FALSE(msgs[0].forced_expire);
  EXPECT_EQ(msgs[0].sender, "dave@example.test");
  ASSERT_EQ(msgs[0].recipients.size(), 2u);
  EXPECT_EQ(msgs[0].recipients[0].delay_reason, "connect refused");
  EXPECT_EQ(msgs[0].recipients[1].address, "v@x.test");
  EXPECT_EQ(msgs[1].queue_id, "Z");
  EXPECT_EQ(msgs[1].arrival_time, 7);
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].line, 3u);
  EXPECT_EQ(problems[1].line, 4u);  // arrival_time missing
  EXPECT_NE(problems[1].message.find("arrival_time"), std::string::npos);
  EXPECT_EQ(problems[2].line, 5u);
  EXPECT_EQ(problems[3].line, 6u);
}

}  // namespace
}  // namespace maillens
