// alert_test.cc - alert rules: windows, the expression parser, the config
// reader, evaluation over real log lines, alert states and saved state.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "alert/actions.h"
#include "alert/engine.h"
#include "alert/rule.h"
#include "alert/window.h"
#include "pipeline/pipeline.h"

namespace maillens::alert {
namespace {

// 2026-11-22 10:00:00 UTC.
constexpr int64_t kT0 = 1795341600;

TEST(CountWindow, CountsInHalfOpenWindowsAndPrunes) {
  CountWindow w;
  w.Add(100);
  w.Add(100, 2);
  w.Add(105);
  w.Add(103);  // out of order: counted in the newest second
  EXPECT_EQ(w.Count(99, 100), 3u);
  EXPECT_EQ(w.Count(100, 105), 2u);
  EXPECT_EQ(w.Count(0, 1000), 5u);
  EXPECT_EQ(w.Count(105, 1000), 0u);
  w.Prune(100);
  EXPECT_EQ(w.Count(100, 1000), 2u);
  std::string saved;
  w.Save(&saved);
  CountWindow back;
  ASSERT_TRUE(back.Load(saved));
  EXPECT_EQ(back.Count(100, 1000), 2u);
  EXPECT_FALSE(back.Load("x"));
  EXPECT_FALSE(back.Load("0 5:3 4:4"));  // not increasing
}

TEST(RuleExpr, ParsesTheDocumentedForms) {
  Rule r;
  std::string err;
  ASSERT_TRUE(ParseRuleExpr("queue.deferred > 1000", &r, &err)) << err;
  EXPECT_EQ(r.fn, Rule::Fn::kQueue);
  EXPECT_EQ(r.queue, "deferred");
  EXPECT_EQ(r.critical, 1000);
  ASSERT_TRUE(ParseRuleExpr("rate(rejected, 5m) > 500", &r, &err)) << err;
  EXPECT_EQ(r.fn, Rule::Fn::kCount);
  EXPECT_EQ(r.counter, Counter::kRejected);
  EXPECT_EQ(r.window, 300);
  EXPECT_EQ(r.key, KeyDim::kNone);
  ASSERT_TRUE(ParseRuleExpr("bounce_ratio(domain, 1h) > 0.2", &r, &err)) << err;
  EXPECT_EQ(r.fn, Rule::Fn::kBounceRatio);
  EXPECT_EQ(r.key, KeyDim::kDomain);
  EXPECT_DOUBLE_EQ(r.critical, 0.2);
  ASSERT_TRUE(ParseRuleExpr("auth_failures(ip, 10m) >= 20", &r, &err)) << err;
  EXPECT_EQ(r.counter, Counter::kAuthFailures);
  EXPECT_EQ(r.key, KeyDim::kIp);
  EXPECT_EQ(r.cmp, Cmp::kGe);
  ASSERT_TRUE(ParseRuleExpr("volume(1h) > 3 * same_hour_last_week", &r, &err)) << err;
  EXPECT_TRUE(r.relative);
  EXPECT_EQ(r.counter, Counter::kReceived);
  EXPECT_EQ(r.critical, 3);
  ASSERT_TRUE(ParseRuleExpr("count(sent, 1h) < same_hour_last_week * 0.5", &r, &err)) << err;
  EXPECT_TRUE(r.relative);
  EXPECT_EQ(r.cmp, Cmp::kLt);
  EXPECT_DOUBLE_EQ(r.critical, 0.5);
}

TEST(RuleExpr, RejectsMistakesWithAReason) {
  Rule r;
  for (const char* bad : {"queue.nope > 1", "rate(rejected) > 1", "rate(rejected, 5x) > 1", "rejected(5m) 3",
                          "sent(5m) > ", "sent(5m) > 3 extra", "frobs(5m) > 1", "sent(5m) > 2 * yesterday",
                          "queue.total > same_hour_last_week", "sent(9d) > 1", "sent(country, 5m) > 1"}) {
    std::string err;
    EXPECT_FALSE(ParseRuleExpr(bad, &r, &err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

TEST(AlertConfig, ReadsRulesAndActionsAndRefusesTypos) {
  auto cfg = toml::parse(R"(
[[alert]]
name = "rejects"
expr = "rate(rejected, 5m) > 500"
warning = 300
repeat = "30m"
actions = ["ops"]

[alert_action.ops]
type = "webhook"
url = "http://127.0.0.1:9/hook"
)");
  std::vector<Rule> rules;
  std::vector<ActionSpec> actions;
  std::string err;
  ASSERT_TRUE(ParseAlertConfig(cfg, &rules, &actions, &err)) << err;
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].repeat, 1800);
  EXPECT_EQ(*rules[0].warning, 300);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].type, ActionSpec::Type::kWebhook);

  for (const char* bad : {"[[alert]]\nname='a'\nexpr='sent(5m) > 1'\nthreshold=3\n",
                          "[[alert]]\nname='a'\nexpr='sent(5m) > 1'\nactions=['nope']\n",
                          "[[alert]]\nexpr='sent(5m) > 1'\n",
                          "[[alert]]\nname='a'\nexpr='sent(5m) >'\n",
                          "[alert_action.x]\ntype='exec'\n",
                          "[alert_action.x]\ntype='carrier-pigeon'\n"}) {
    rules.clear();
    actions.clear();
    err.clear();
    EXPECT_FALSE(ParseAlertConfig(toml::parse(bad), &rules, &actions, &err)) << bad;
    EXPECT_FALSE(err.empty());
  }
}

// Feeds log lines (year 2026, UTC) through a pipeline into `engine`.
void Feed(AlertEngine* engine, const std::vector<std::string>& lines) {
  PipelineOptions po;
  po.year.fixed_year = 2026;
  Pipeline p(po, nullptr);
  p.AddSink(engine);
  for (const std::string& l : lines) p.ProcessLine(l);
  p.Finish();
}

std::vector<Rule> Rules(std::initializer_list<const char*> exprs) {
  std::vector<Rule> rules;
  int i = 0;
  for (const char* e : exprs) {
    Rule r;
    std::string err;
    EXPECT_TRUE(ParseRuleExpr(e, &r, &err)) << err;
    r.name = "r" + std::to_string(i++);
    rules.push_back(r);
  }
  return rules;
}

std::string Reject(const char* time, const char* ip) {
  return std::string("Nov 22 ") + time + " mx postfix/smtpd[11]: NOQUEUE: reject: RCPT from unknown[" + ip +
         "]: 554 5.7.1 <u@example.org>: Relay access denied; from=<s@spam.test> to=<u@example.org> proto=ESMTP "
         "helo=<x>";
}

std::string Delivery(const char* time, const char* qid, const char* to, const char* status) {
  return std::string("Nov 22 ") + time + " mx postfix/smtp[12]: " + qid + ": to=<" + to +
         ">, relay=mx.example.net[198.51.100.7]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=" +
         (std::string(status) == "sent" ? "2.0.0" : "5.1.1") + ", status=" + status + " (reply)";
}

std::string SaslFail(const char* time, const char* ip) {
  return std::string("Nov 22 ") + time + " mx postfix/submission/smtpd[13]: warning: unknown[" + ip +
         "]: SASL LOGIN authentication failed: UGFzc3dvcmQ6";
}

TEST(AlertEngine, CountsRejectsPerWindowAndPerKey) {
  AlertEngine e(Rules({"rate(rejected, 5m) > 2", "rejected(ip, 5m) > 1"}));
  Feed(&e, {Reject("09:54:00", "192.0.2.1"), Reject("09:56:00", "192.0.2.1"), Reject("09:57:00", "192.0.2.2"),
            Reject("09:59:59", "192.0.2.1")});
  std::vector<Finding> f = e.Evaluate(kT0, {});
  ASSERT_EQ(f.size(), 2u);  // r0 once; r1 for the one key above 1
  EXPECT_EQ(f[0].value, 3);  // 09:54:00 is outside (09:55:00, 10:00:00]
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  EXPECT_EQ(f[1].key, "192.0.2.1");
  EXPECT_EQ(f[1].value, 2);
  EXPECT_EQ(f[1].severity, Severity::kCritical);
  // Outside every window: all OK, per-key rule reports its highest key.
  f = e.Evaluate(kT0 + 3600, {});
  for (const Finding& x : f) EXPECT_EQ(x.severity, Severity::kOk);
}

TEST(AlertEngine, BounceRatioPerDomainNeedsEnoughDeliveries) {
  std::vector<Rule> rules = Rules({"bounce_ratio(domain, 1h) > 0.2"});
  rules[0].min_count = 3;
  AlertEngine e(rules);
  Feed(&e, {Delivery("09:10:00", "4A1B2C3D01", "a@bad.test", "bounced"), Delivery("09:11:00", "4A1B2C3D02", "b@BAD.test", "bounced"),
            Delivery("09:12:00", "4A1B2C3D03", "c@bad.test", "sent"), Delivery("09:13:00", "4A1B2C3D04", "d@few.test", "bounced")});
  std::vector<Finding> f = e.Evaluate(kT0, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].key, "bad.test");  // case-folded; few.test has too few deliveries
  EXPECT_NEAR(f[0].value, 2.0 / 3, 1e-9);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
}

TEST(AlertEngine, QueueRulesAreUnknownWithoutASnapshot) {
  std::vector<Rule> rules = Rules({"queue.deferred > 1000"});
  rules[0].warning = 500;
  AlertEngine e(rules);
  EXPECT_TRUE(e.needs_queue());
  EXPECT_EQ(e.Evaluate(kT0, {})[0].severity, Severity::kUnknown);
  QueueCounts q;
  q.known = true;
  q.deferred = 700;
  EXPECT_EQ(e.Evaluate(kT0, q)[0].severity, Severity::kWarning);
  q.deferred = 1001;
  EXPECT_EQ(e.Evaluate(kT0, q)[0].severity, Severity::kCritical);
}

TEST(AlertEngine, SameHourLastWeek) {
  AlertEngine e(Rules({"auth_failures(1h) > 3 * same_hour_last_week"}));
  // One failure a week ago, 4 now: 4 > 3 * 1.
  Feed(&e, {SaslFail("Nov 15 09:30:00", "192.0.2.9").substr(7), SaslFail("09:10:00", "192.0.2.9"),
            SaslFail("09:20:00", "192.0.2.9"), SaslFail("09:30:00", "192.0.2.9"), SaslFail("09:40:00", "192.0.2.9")});
  std::vector<Finding> f = e.Evaluate(kT0, {});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].value, 4);
  EXPECT_EQ(f[0].baseline, 1);
  EXPECT_EQ(f[0].critical, 3);
  EXPECT_EQ(f[0].severity, Severity::kCritical);
  // No traffic a week before that: no baseline, no alert.
  f = e.Evaluate(kT0 - 86400 * 7 + 3600, {});
  EXPECT_EQ(f[0].severity, Severity::kOk);
}

TEST(AlertEngine, FiresRepeatsAndResolvesOnce) {
  std::vector<Rule> rules = Rules({"rejected(ip, 5m) > 1"});
  rules[0].repeat = 600;
  AlertEngine e(rules);
  std::vector<Notification> got;
  e.set_notifier([&got](const Notification& n) { got.push_back(n); });
  Feed(&e, {Reject("09:59:00", "192.0.2.1"), Reject("09:59:30", "192.0.2.1")});
  e.Tick(kT0);
  e.Tick(kT0 + 1);  // still firing: no duplicate
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, Notification::Kind::kFiring);
  EXPECT_EQ(got[0].finding.key, "192.0.2.1");
  // Keep it firing past the repeat interval.
  Feed(&e, {Reject("10:09:00", "192.0.2.1"), Reject("10:09:30", "192.0.2.1")});
  e.Tick(kT0 + 601);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].kind, Notification::Kind::kRepeat);
  EXPECT_EQ(got[1].since, kT0);
  e.Tick(kT0 + 1200);  // the window has emptied
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].kind, Notification::Kind::kResolved);
  e.Tick(kT0 + 1300);
  EXPECT_EQ(got.size(), 3u);
}

TEST(AlertEngine, StateSurvivesARestartWithHostileKeys) {
  std::vector<Rule> rules = Rules({"auth_failures(user, 10m) > 1"});
  AlertEngine a(rules);
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i)
    lines.push_back(std::string("Nov 22 09:5") + std::to_string(i) +
                    ":00 mx dovecot: auth: passwd-file(we\tird%20 user\x1b[31m,192.0.2.5): unknown user");
  Feed(&a, lines);
  int notices = 0;
  a.set_notifier([&notices](const Notification&) { ++notices; });
  a.Tick(kT0);
  std::string saved = a.SaveState();
  AlertEngine b(rules);
  int notices_b = 0;
  b.set_notifier([&notices_b](const Notification&) { ++notices_b; });
  ASSERT_TRUE(b.LoadState(saved));
  EXPECT_EQ(b.SaveState(), saved);
  std::vector<Finding> fa = a.Evaluate(kT0, {}), fb = b.Evaluate(kT0, {});
  ASSERT_EQ(fa.size(), fb.size());
  EXPECT_EQ(fa[0].key, fb[0].key);
  EXPECT_EQ(fa[0].value, fb[0].value);
  b.Tick(kT0 + 1);  // already firing before the restart: no second notice
  EXPECT_EQ(notices_b, 0);
  EXPECT_FALSE(b.LoadState("garbage"));
}

TEST(AlertActions, JsonAndLineAreSafeForHostileKeys) {
  Rule r;
  std::string err;
  ASSERT_TRUE(ParseRuleExpr("auth_failures(user, 10m) > 1", &r, &err));
  r.name = "auth";
  Notification n;
  n.finding.rule = &r;
  n.finding.key = "evil\x1b]0;title\x07\n\"user\xff";
  n.finding.value = 5;
  n.finding.critical = 1;
  n.finding.severity = Severity::kCritical;
  std::string line = AlertLine(n);
  EXPECT_EQ(line.find('\x1b'), std::string::npos);
  EXPECT_EQ(line.find('\x07'), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  std::string json = AlertJson(n);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_NE(json.find("\\u001b"), std::string::npos);
}

}  // namespace
}  // namespace maillens::alert
