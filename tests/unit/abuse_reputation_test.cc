// abuse_reputation_test.cc - ReputationDetector (abuse/reputation.h): the
// pattern table on providers' reply texts, and what counts.
#include "abuse/reputation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens {
namespace {

// Provider and id of the pattern `text` matches, or "-".
std::string Match(const std::string& text) {
  int i = MatchReputation(text);
  if (i < 0) return "-";
  return std::string(ReputationPatterns()[i].provider) + "/" + ReputationPatterns()[i].id;
}

TEST(ReputationPatterns, ProvidersRepliesMatchTheirRow) {
  EXPECT_EQ(Match("said: 421-4.7.28 [192.0.2.1 15] Our system has detected an unusual rate of 421-4.7.28 "
                  "unsolicited mail originating from your IP address. - gsmtp"),
            "Gmail/4.7.28");
  EXPECT_EQ(Match("421-4.7.0 [1.2.3.4      15] Our system has detected an unusual rate of 421-4.7.0 unsolicited "
                  "mail originating from your IP address. bv15si - gsmtp"),
            "Gmail/4.7.0");
  EXPECT_EQ(Match("550-5.7.1 Our system has detected that this 550-5.7.1 message is likely unsolicited mail. - gsmtp"),
            "Gmail/5.7.1");
  EXPECT_EQ(Match("550-5.7.1 [2001:db8::1] Our system has detected an unusual rate 550-5.7.1 of unsolicited mail "
                  "originating from your IP address. ... has been blocked. u66si15473913qki.107 - gsmtp"),
            "Gmail/5.7.1-rate");
  EXPECT_EQ(Match("550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send email directly "
                  "to our servers. Please use the SMTP relay at your service provider instead. - gsmtp"),
            "Gmail/5.7.1-direct");
  EXPECT_EQ(Match("451 4.7.651 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation."),
            "Microsoft/4.7.650");
  EXPECT_EQ(Match("550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet "
                  "service provider since part of their network is on our block list (S3150)."),
            "Microsoft/S3150");
  EXPECT_EQ(Match("block list (AS3150)"), "Microsoft/S3150");
  EXPECT_EQ(Match("550 5.7.606 Access denied, banned sending IP [192.0.2.1]."), "Microsoft/5.7.606-649");
  EXPECT_EQ(Match("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred"), "Yahoo/TSS04");
  EXPECT_EQ(Match("553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred"), "Yahoo/TSS09");
  EXPECT_EQ(Match("421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred"), "Yahoo/TS0x");
  EXPECT_EQ(Match("550 5.7.1 [CS01] Message rejected due to local policy. https://support.apple.com/en-us/HT204137"),
            "Apple iCloud/CS01");
  EXPECT_EQ(Match("554-gmx.net (mxgmx104) Nemesis ESMTP Service not available 554-IP address is block listed."),
            "GMX/WEB.DE/block-listed");
  EXPECT_EQ(Match("421 mwinf5c15 ME Too many connections, slow down. OFR004_104 [104]"), "Orange/OFR");
  EXPECT_EQ(Match("Client host [192.0.2.1] blocked using zen.spamhaus.org"), "Spamhaus (block list)/listed");
  EXPECT_EQ(Match("blocked using Barracuda Reputation; http://bbl.barracudacentral.com/q.cgi"),
            "Barracuda (block list)/listed");
}

TEST(ReputationPatterns, EveryNeedleMustOccur) {
  // Gmail's 4.7.0 row needs "gsmtp": another host's 4.7.0 wording is not Gmail.
  EXPECT_EQ(Match("421 4.7.0 unusual rate of unsolicited mail"), "-");
  EXPECT_EQ(Match("452 4.2.2 Mailbox full"), "-");
  EXPECT_EQ(Match("450 4.7.1 Client host rejected: cannot find your hostname"), "-");
  EXPECT_EQ(Match(""), "-");
}

TEST(ReputationPatterns, EveryRowHasAProviderIdMeaningAndANeedle) {
  for (const ReputationPattern& p : ReputationPatterns()) {
    EXPECT_NE(std::string(p.provider), "");
    EXPECT_NE(std::string(p.id), "");
    EXPECT_NE(std::string(p.meaning), "");
    EXPECT_FALSE(p.needles[0].empty()) << p.provider << " " << p.id;
  }
}

struct RepRun {
  explicit RepRun(const std::vector<std::string>& lines) {
    RecordingReporter rep;
    PipelineOptions o;
    o.year.fixed_year = 2026;
    Pipeline p(o, &rep);
    p.AddSink(&d);
    for (const std::string& l : lines) p.ProcessLine(l);
    p.Finish();
  }
  ReputationDetector d;
};

std::string Delivery(const std::string& time, const std::string& status, const std::string& text) {
  return "Nov  3 " + time + " mx postfix/smtp[300]: 4A5B6C7D8E: to=<a@example.com>, relay=mx.example.com[192.0.2.9]:25, "
         "delay=1, delays=0.1/0/0.5/0.4, dsn=4.7.0, status=" + status + " (" + text + ")";
}

TEST(ReputationDetector, CountsDeferralsAndBouncesPerProviderWithFirstAndLastSeen) {
  const std::string tss04 = "host mx.yahoodns.net[192.0.2.9] said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 deferred";
  RepRun r({Delivery("10:00:00", "deferred", tss04), Delivery("11:30:00", "deferred", tss04),
         Delivery("10:15:00", "bounced", "host x said: 554 ... (S3150)"),
         Delivery("10:20:00", "sent", "250 OK [TSS04] S3150"),  // sent: never counted
         Delivery("10:25:00", "deferred", "host x said: 450 4.2.0 Greylisted"),
         "Nov  3 10:30:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 554 5.7.1 Service "
         "unavailable; Client host [198.51.100.9] blocked using zen.spamhaus.org; from=<a@b.example> "
         "to=<c@d.example> proto=ESMTP helo=<x>"});
  std::vector<const ReputationFinding*> f = r.d.Findings();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0]->provider, "Yahoo");
  EXPECT_EQ(f[0]->deferred, 2u);
  EXPECT_EQ(f[0]->bounced, 0u);
  EXPECT_EQ(f[0]->last_seen - f[0]->first_seen, 5400);
  EXPECT_EQ(f[0]->sample_text, tss04);
  EXPECT_EQ(f[0]->sample_relay, "mx.example.com[192.0.2.9]:25");
  EXPECT_EQ(f[0]->sample_queue_id, "4A5B6C7D8E");
  EXPECT_EQ(f[1]->provider, "Microsoft");
  EXPECT_EQ(f[1]->bounced, 1u);
  EXPECT_EQ(r.d.examined(), 4u);
}

TEST(ReputationDetector, OnNewReportsEachFirstSightingOnce) {
  std::vector<std::string> seen;
  RecordingReporter rep;
  PipelineOptions o;
  o.year.fixed_year = 2026;
  Pipeline p(o, &rep);
  ReputationDetector d;
  d.on_new = [&](const ReputationFinding& f) { seen.push_back(f.provider + "/" + f.id); };
  p.AddSink(&d);
  for (const char* t : {"421 4.7.0 [TSS04] deferred", "421 4.7.0 [TSS04] again", "550 5.7.1 (S3150)",
                        "554 Client host [192.0.2.1] blocked using bl.example.net"})
    p.ProcessLine(Delivery("10:00:00", "deferred", t));
  p.Finish();
  EXPECT_EQ(seen, (std::vector<std::string>{"Yahoo/TSS04", "Microsoft/S3150", "Other block lists/bl.example.net"}));
}

TEST(ReputationDetector, OtherBlockListsByNameAreCapped) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < ReputationDetector::kMaxListNames + 10; ++i)
    lines.push_back(Delivery("10:00:00", "bounced",
                             "host x said: 554 Client host [192.0.2.1] blocked using bl" + std::to_string(i) +
                                 ".example.net; see it"));
  lines.push_back(Delivery("10:00:01", "deferred", "host x said: 421 your IP is blacklisted here"));
  RepRun r(lines);
  std::vector<const ReputationFinding*> f = r.d.Findings();
  EXPECT_EQ(f.size(), ReputationDetector::kMaxListNames);
  EXPECT_EQ(f[0]->provider, "Other block lists");
  EXPECT_EQ(f[0]->id, "bl0.example.net");
}

TEST(ReputationDetector, RenderingsEscapeReplyText) {
  RepRun r({Delivery("10:00:00", "deferred", "said: [TSS04] \x1b]0;pwned\x07 <img src=x onerror=alert(1)>")});
  std::string text, json;
  RenderReputationText(r.d, &text);
  RenderReputationJson(r.d, &json);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("\\x1b]0;pwned\\x07"), std::string::npos);
  EXPECT_NE(json.find("\\u001b]0;pwned\\u0007"), std::string::npos);
  EXPECT_NE(json.find("\"provider\": \"Yahoo\""), std::string::npos);
}

}  // namespace
}  // namespace maillens
