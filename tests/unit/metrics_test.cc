// metrics_test.cc - PostfixMetrics: counting per line kind, state round trip, escaping.
#include "metrics/postfix_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metrics/histogram.h"
#include "pipeline/pipeline.h"
#include "postfix/classify.h"
#include "util/reporter.h"
#include "util/text_escape.h"

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
  AppendPrometheusLabelValue(&out, "a\\b\"c\nd");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
  PostfixMetrics m;
  Feed({"Feb 11 16:49:27 mx postfix/a\"b\\c[9]: garbage nobody parses"}, &m);
  std::string exp;
  m.WriteMetrics(&exp);
  EXPECT_NE(exp.find("program=\"postfix/a\\\"b\\\\c\""), std::string::npos) << exp;
}

TEST(PostfixMetrics, ExporterHistogramsTlsAndTimeouts) {
  PostfixMetrics m;
  Feed({"Feb 11 16:49:24 mx postfix/qmgr[4]: AAB4D259B1: from=<u@example.org>, size=2500, nrcpt=3 (queue active)",
        "Feb 11 16:49:25 mx postfix/smtp[5]: AAB4D259B1: to=<r@example.net>, relay=mx.example.net[198.51.100.1]:25, "
        "delay=1.5, delays=0.1/0.2/0.5/0.7, dsn=2.0.0, status=sent (250 OK)",
        "Feb 11 16:49:25 mx postfix/smtp[5]: AAB4D259B1: to=<d@example.net>, relay=mx.example.net[198.51.100.1]:25, "
        "delay=9, delays=0.1/0.2/4/4.7, dsn=4.4.1, status=deferred (connect timeout)",
        "Feb 11 16:49:25 mx postfix/smtp[5]: Verified TLS connection established to mx.example.net[198.51.100.1]:25: "
        "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519",
        "Feb 11 16:49:25 mx postfix/smtp[5]: connect to mx.example.com[192.0.2.9]:25: Connection timed out",
        "Feb 11 16:49:25 mx postfix/postscreen[6]: DNSBL rank 3 for [192.0.2.7]:4321",
        "Feb 11 16:49:25 mx postfix/smtpd[7]: warning: hostname h.example does not resolve to address 192.0.2.8"},
       &m);
  const Histogram* size = m.HistogramOf("postfix_qmgr_messages_inserted_size_bytes");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->count(), 1u);
  EXPECT_EQ(size->sum(), 2500);
  ASSERT_NE(m.HistogramOf("postfix_qmgr_messages_inserted_receipients"), nullptr);
  EXPECT_EQ(m.HistogramOf("postfix_qmgr_messages_inserted_recipients")->sum(), 3);
  // The deferred attempt is left out (Hsn723 #425); stages are labelled.
  const Histogram* xfer = m.HistogramOf("postfix_smtp_delivery_delay_seconds", "stage=\"transmission\"");
  ASSERT_NE(xfer, nullptr);
  EXPECT_EQ(xfer->count(), 1u);
  EXPECT_DOUBLE_EQ(xfer->sum(), 0.7);
  EXPECT_DOUBLE_EQ(m.HistogramOf("maillens_delivery_delay_seconds", "stage=\"total\"")->sum(), 1.5);
  EXPECT_EQ(m.HistogramOf("postfix_postscreen_dnsbl_rank")->sum(), 3);
  EXPECT_EQ(m.Value("postfix_smtp_tls_connections_total",
                    "trust=\"Verified\",protocol=\"TLSv1.3\",cipher=\"TLS_AES_256_GCM_SHA384\",secret_bits=\"256\","
                    "algorithm_bits=\"256\""),
            1u);
  EXPECT_EQ(m.Value("postfix_smtp_connection_timed_out_total"), 1u);
  EXPECT_EQ(m.Value("postfix_smtpd_forward_confirmed_reverse_dns_errors_total"), 1u);
  EXPECT_EQ(m.Value("postfix_unsupported_log_entries_total", "service=\"smtpd\",level=\"warning\""), 0u);
  std::string exp;
  m.WriteMetrics(&exp);
  EXPECT_NE(exp.find("postfix_smtp_delivery_delay_seconds_bucket{stage=\"transmission\",le=\"1\"} 1\n"),
            std::string::npos)
      << exp;
  EXPECT_NE(exp.find("postfix_qmgr_messages_inserted_size_bytes_bucket{le=\"1000\"} 0\n"), std::string::npos);
  EXPECT_NE(exp.find("postfix_qmgr_messages_inserted_size_bytes_bucket{le=\"10000\"} 1\n"), std::string::npos);
  // Go's spelling of the bounds (client_golang), not "1000000".
  EXPECT_NE(exp.find("postfix_qmgr_messages_inserted_size_bytes_bucket{le=\"1e+06\"} 1\n"), std::string::npos);
  EXPECT_NE(exp.find("postfix_smtp_delivery_delay_seconds_bucket{stage=\"transmission\",le=\"172800\"} 1\n"),
            std::string::npos);
}

TEST(PostfixMetrics, DestinationDomainsAreBoundedAndNeverMove) {
  MetricsOptions o;
  o.top_domains = 2;
  o.domain_min_deliveries = 3;
  PostfixMetrics m(o);
  std::vector<std::string> lines;
  auto to = [&lines](const std::string& domain) {
    lines.push_back("Feb 11 16:49:25 mx postfix/smtp[5]: AAB4D259B1: to=<r@" + domain +
                    ">, relay=mx[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 OK)");
  };
  for (int i = 0; i < 4; ++i) to("Big.Example");   // admitted at its 3rd delivery
  for (int i = 0; i < 50; ++i) to("junk" + std::to_string(i) + ".example");  // one-offs
  for (int i = 0; i < 3; ++i) to("second.example");  // admitted
  for (int i = 0; i < 5; ++i) to("third.example");    // no room left
  Feed(lines, &m);
  EXPECT_EQ(m.Value("maillens_deliveries_by_domain_total", "domain=\"big.example\",status=\"sent\""), 2u);
  EXPECT_EQ(m.Value("maillens_deliveries_by_domain_total", "domain=\"second.example\",status=\"sent\""), 1u);
  EXPECT_EQ(m.Value("maillens_deliveries_by_domain_total", "domain=\"third.example\",status=\"sent\""), 0u);
  EXPECT_EQ(m.Value("maillens_deliveries_by_domain_total", "domain=\"other\",status=\"sent\""), 2u + 50 + 2 + 5);
  // Admitted domains survive a restart; the next delivery counts on.
  PostfixMetrics b(o);
  ASSERT_TRUE(b.LoadState(m.SaveState()));
  EXPECT_EQ(b.SaveState(), m.SaveState());
  Feed({lines.back(), lines.front()}, &b);
  EXPECT_EQ(b.Value("maillens_deliveries_by_domain_total", "domain=\"big.example\",status=\"sent\""), 3u);
}

TEST(PostfixMetrics, RejectClassesRblsLevelsAndOpendkim) {
  PostfixMetrics m;
  Feed({"Feb 11 16:49:26 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 Service "
        "unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://x; from=<s@example.com> "
        "to=<r@example.net> proto=ESMTP helo=<x>",
        "Feb 11 16:49:26 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 "
        "<r@example.net>: Relay access denied; from=<s@example.com> to=<r@example.net> proto=ESMTP helo=<x>",
        "Feb 11 16:49:26 mx postfix/qmgr[1]: warning: lots of deferred mail, that is bad for performance",
        "Feb 11 16:49:26 mx postfix/smtpd[1]: fatal: file /etc/postfix/main.cf: parameter default_privs",
        "Feb 11 16:49:26 mx opendkim[3]: AAB4D259B1: DKIM-Signature field added (s=mail, d=example.org)",
        "Feb 11 16:49:26 mx dovecot: imap-login: Login: user=<u>, method=PLAIN, rip=192.0.2.3"},
       &m);
  EXPECT_EQ(m.Value("maillens_rejects_total", "service=\"smtpd\",stage=\"RCPT\",class=\"rbl\""), 1u);
  EXPECT_EQ(m.Value("maillens_rejects_total", "service=\"smtpd\",stage=\"RCPT\",class=\"relay\""), 1u);
  EXPECT_EQ(m.Value("maillens_rbl_rejects_total", "rbl=\"zen.spamhaus.org\""), 1u);
  EXPECT_EQ(m.Value("maillens_log_messages_total", "service=\"qmgr\",level=\"warning\""), 1u);
  EXPECT_EQ(m.Value("postfix_unsupported_log_entries_total", "service=\"qmgr\",level=\"warning\""), 1u);
  EXPECT_EQ(m.Value("postfix_unsupported_log_entries_total", "service=\"smtpd\",level=\"fatal\""), 1u);
  EXPECT_EQ(m.Value("postfix_unsupported_log_entries_total", "service=\"\",level=\"\""), 1u);  // dovecot
  EXPECT_EQ(m.Value("opendkim_signatures_added_total", "subject=\"mail\",domain=\"example.org\""), 1u);
  EXPECT_EQ(m.Value("maillens_lines_read_total"), 6u);
}

TEST(TlsSession, ParsesEstablishedLinesOnly) {
  TlsSession t;
  ASSERT_TRUE(ParseTlsEstablished("Anonymous TLS connection established from c.example[192.0.2.2]: TLSv1.2 with "
                                  "cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
                                  &t));
  EXPECT_EQ(t.trust, "Anonymous");
  EXPECT_FALSE(t.outgoing);
  EXPECT_EQ(t.peer, "c.example[192.0.2.2]");
  EXPECT_EQ(t.protocol, "TLSv1.2");
  EXPECT_EQ(t.cipher, "ECDHE-RSA-AES256-GCM-SHA384");
  EXPECT_EQ(t.secret_bits, "256");
  EXPECT_EQ(t.algorithm_bits, "256");
  EXPECT_FALSE(ParseTlsEstablished("SSL_accept error from c.example[192.0.2.2]: -1", &t));
  EXPECT_FALSE(ParseTlsEstablished("Anonymous TLS connection established from x: TLSv1.3 with cipher Y (a/b bits)", &t));
  EXPECT_FALSE(ParseTlsEstablished("Anonymous TLS connection established from x: TLSv1.3 with cipher Y (256", &t));
}

// strconv.FormatFloat(f, 'g', -1, 64), as Go exporters print le= and sums.
TEST(Histogram, GoFloatForm) {
  const std::pair<double, const char*> kCases[] = {
      {0, "0"},          {1, "1"},          {0.001, "0.001"},      {0.0001, "0.0001"}, {1e-5, "1e-05"},
      {100000, "100000"}, {172800, "172800"}, {1e6, "1e+06"},        {1.5e6, "1.5e+06"}, {123456789, "1.23456789e+08"},
      {1e9, "1e+09"},    {21.5, "21.5"},    {-2.5e-7, "-2.5e-07"}, {1e100, "1e+100"},
  };
  for (const auto& [v, want] : kCases) {
    std::string s;
    AppendGoFloat(&s, v);
    EXPECT_EQ(s, want) << v;
  }
}

TEST(Histogram, StateRoundTripAndCumulativeExposition) {
  constexpr double kBounds[] = {1, 10};
  Histogram h(2);
  h.Observe(kBounds, 0.5);
  h.Observe(kBounds, 10);
  h.Observe(kBounds, 11);
  std::string state;
  h.Save(&state);
  Histogram g(2);
  ASSERT_TRUE(g.Load(state, 2));
  EXPECT_EQ(g.counts(), h.counts());
  EXPECT_EQ(g.sum(), 21.5);
  EXPECT_FALSE(g.Load("1 2", 2));
  std::string out;
  AppendHistogram(&out, "x", "a=\"b\"", kBounds, h);
  EXPECT_EQ(out,
            "x_bucket{a=\"b\",le=\"1\"} 1\nx_bucket{a=\"b\",le=\"10\"} 2\nx_bucket{a=\"b\",le=\"+Inf\"} 3\n"
            "x_sum{a=\"b\"} 21.5\nx_count{a=\"b\"} 3\n");
}

}  // namespace
}  // namespace maillens
