// metrics_test.cc - PostfixMetrics: counting per line kind, state round trip, escaping.
#include "metrics/postfix_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens {
namespace {

// Feeds `lines` through a pipeline into `m`.
void Feed(const std::vector<std::string>& lines, PostfixMetrics* m) {
  RecordingReporter rep;
  PipelineOptions o;
  o.year.fixed_year = 2026;
  Pipeline p(o, &rep);
  p.AddSink(m);
  for (const std::string& l : lines) p.ProcessLine(l);
  p.Finish();
}

const std::vector<std::string> kLines = {
    "Feb 11 16:49:24 mx postfix/smtpd[1]: connect from unknown[192.0.2.1]",
    "Feb 11 16:49:24 mx postfix/submission/smtpd[2]: connect from a.example[192.0.2.2]",
    "Feb 11 16:49:24 mx postfix/submission/smtpd[2]: AAB4D259B1: client=a.example[192.0.2.2], "
    "sasl_method=PLAIN, sasl_username=u",
    "Feb 11 16:49:24 mx postfix/cleanup[3]: AAB4D259B1: message-id=<x@example>",
    "Feb 11 16:49:24 mx postfix/qmgr[4]: AAB4D259B1: from=<u@example.org>, size=100, nrcpt=1 (queue active)",
    "Feb 11 16:49:25 mx postfix/smtp[5]: AAB4D259B1: to=<r@example.net>, relay=mx.example.net[198.51.100.1]:25, "
    "delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 OK)",
    "Feb 11 16:49:25 mx postfix/qmgr[4]: AAB4D259B1: removed",
    "Feb 11 16:49:26 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 "
    "<r@example.net>: Relay access denied; from=<s@example.com> to=<r@example.net> proto=ESMTP helo=<x>",
    "Feb 11 16:49:26 mx postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: "
    "UGFzc3dvcmQ6",
    "Feb 11 16:49:27 mx postfix/smtpd[1]: disconnect from unknown[192.0.2.1] ehlo=1 quit=1 commands=2",
};

TEST(PostfixMetrics, CountsPerLineKindIncludingMultiPartServices) {
  PostfixMetrics m;
  Feed(kLines, &m);
  EXPECT_EQ(m.Value("maillens_lines_read_total"), kLines.size());
  EXPECT_EQ(m.Value("postfix_smtpd_connects_total"), 2u);  // incl. postfix/submission/smtpd
  EXPECT_EQ(m.Value("postfix_smtpd_disconnects_total"), 1u);
  EXPECT_EQ(m.Value("postfix_smtpd_messages_processed_total", "sasl_method=\"PLAIN\""), 1u);
  EXPECT_EQ(m.Value("postfix_cleanup_messages_processed_total"), 1u);
  EXPECT_EQ(m.Value("postfix_smtp_messages_processed_total", "status=\"sent\""), 1u);
  EXPECT_EQ(m.Value("maillens_deliveries_total", "status=\"sent\""), 1u);
  EXPECT_EQ(m.Value("postfix_qmgr_messages_removed_total"), 1u);
  EXPECT_EQ(m.Value("postfix_smtpd_messages_rejected_total", "code=\"554\""), 1u);
  EXPECT_EQ(m.Value("postfix_smtpd_sasl_authentication_failures_total"), 1u);
}

TEST(PostfixMetrics, SaveLoadRoundTripIsExact) {
  PostfixMetrics a;
  Feed(kLines, &a);
  Feed({"Feb 11 16:49:27 mx postfix/weird[9]: some \"odd\\ line\nnobody parses"}, &a);
  std::string state = a.SaveState();
  PostfixMetrics b;
  ASSERT_TRUE(b.LoadState(state));
  EXPECT_EQ(b.SaveState(), state);
  std::string ea, eb;
  a.WriteMetrics(&ea);
  b.WriteMetrics(&eb);
  EXPECT_EQ(ea, eb);
  EXPECT_FALSE(b.LoadState("7 1 99:short\n"));
  EXPECT_FALSE(b.LoadState("999 1 0:\n"));
  EXPECT_EQ(b.SaveState(), state);  // a failed load leaves the state alone
}

TEST(PostfixMetrics, LabelValuesAreEscaped) {
  std::string out;
  AppendLabelValue("a\\b\"c\nd", &out);
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
  PostfixMetrics m;
  Feed({"Feb 11 16:49:27 mx postfix/a\"b\\c[9]: garbage nobody parses"}, &m);
  std::string exp;
  m.WriteMetrics(&exp);
  EXPECT_NE(exp.find("program=\"postfix/a\\\"b\\\\c\""), std::string::npos) << exp;
}

}  // namespace
}  // namespace maillens
