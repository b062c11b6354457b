// exporter_compat_test.cc - ExporterCompatMetrics: kumina/Hsn723 line rules, exposition form, state.
#include "metrics/exporter_compat.h"

#include <gtest/gtest.h>

#include <string>

namespace maillens {
namespace {

std::string Expose(ExporterCompatMetrics& m) {
  std::string out;
  m.WriteMetrics(&out);
  return out;
}

bool Has(const std::string& exp, const std::string& line) { return exp.find(line + "\n") != std::string::npos; }

TEST(ExporterCompat, KuminaRules) {
  ExporterCompatMetrics m(MetricsCompat::kKumina);
  // Timed out: `^connect\s+to\s+(.*)\[(.*)\]:(\d+):\s+Connection timed out$`.
  m.Line("Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25: Connection timed out");
  m.Line("Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25:  Connection timed out");
  m.Line("Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25: Connection timed out.");  // no
  m.Line("Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example:25: Connection timed out");  // no '['
  // Relay and delays: the relay token must end in ", "; the last valid delays= wins.
  m.Line("Nov 22 10:00:00 mx postfix/pipe[2]: Q1: to=<u@x>, relay=dovecot, delay=1, delays=1/2/3/4, dsn=2.0.0, "
         "status=sent (x, delays=9/9/9/9, y)");
  m.Line("Nov 22 10:00:00 mx postfix/pipe[2]: Q2: to=<u@x>, relay=dovecot delay=1, delays=1/2/3/4, status=sent");
  // Unanchored tag match: a foreign line quoting a postfix tag counts as postfix.
  m.Line("Nov 22 10:00:00 mx mypostfix/smtpd[3]: connect from a[192.0.2.2]");
  m.Line("Nov 22 10:00:00 mx postfix/submission/smtpd[3]: connect from a[192.0.2.2]");
  m.Line("");
  m.Line("Nov 22 10:00:00 mx postfix/smtpd[4]: Q3: client=a[192.0.2.2], sasl_method=PLAIN, sasl_username=u");
  const std::string exp = Expose(m);
  EXPECT_TRUE(Has(exp, "postfix_smtp_connection_timed_out_total 2")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_unsupported_log_entries_total{service=\"smtp\"} 2")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_pipe_delivery_delay_seconds_sum{relay=\"dovecot\",stage=\"before_queue_manager\"} 9"))
      << exp;
  EXPECT_TRUE(Has(exp, "postfix_unsupported_log_entries_total{service=\"pipe\"} 1")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_smtpd_connects_total 1")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_unsupported_log_entries_total{service=\"\"} 2")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_smtpd_messages_processed_total{sasl_method=\"PLAIN,\"} 1")) << exp;
  // kumina has no Hsn723 families; plain ones are present at 0, vectors not.
  EXPECT_EQ(exp.find("postfix_postscreen"), std::string::npos);
  EXPECT_TRUE(Has(exp, "postfix_cleanup_messages_not_accepted_total 0"));
  EXPECT_EQ(exp.find("postfix_smtp_tls_connections_total"), std::string::npos);
  EXPECT_NE(exp.find("# TYPE postfix_smtp_status_deferred counter\n"), std::string::npos);
}

TEST(ExporterCompat, Hsn723ServiceLabelsAndLevels) {
  ExporterCompatMetrics m(MetricsCompat::kHsn723);
  std::string error;
  ASSERT_TRUE(ApplyServiceLabels({"smtp=relay/smtp"}, &m, &error));
  EXPECT_FALSE(ApplyServiceLabels({"nosuch=x"}, &m, &error));
  EXPECT_FALSE(ApplyServiceLabels({"smtp"}, &m, &error));
  m.Line("Nov 22 10:00:00 mx postfix/relay/smtp[1]: Q1: to=<u@x>, relay=a[192.0.2.1]:25, delay=1, "
         "delays=0/0/0/1, dsn=5.1.1, status=bounced (no)");
  m.Line("Nov 22 10:00:00 mx postfix/smtp[1]: warning: something odd");
  m.Line("Nov 22 10:00:00 mx postfix/qmgr[2]: Q2: from=<s@x>, status=force-expired, returned to sender");
  const std::string exp = Expose(m);
  EXPECT_TRUE(Has(exp, "postfix_smtp_messages_processed_total{status=\"bounced\"} 1")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_smtp_bounced_messages_by_dsn_total{dsn=\"5.1.1\"} 1")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_unsupported_log_entries_total{level=\"warning\",service=\"smtp\"} 1")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_qmgr_messages_expired_total 1")) << exp;
}

TEST(ExporterCompat, GoCounterFormStateAndBound) {
  ExporterCompatMetrics m(MetricsCompat::kKumina);
  for (int i = 0; i < 1000000; ++i) m.Line("Nov 22 10:00:00 mx postfix/qmgr[1]: Q: removed");
  m.Line("Nov 22 10:00:00 mx postfix/qmgr[1]: Q: from=<a@b>, size=123456789012345678901234567890, nrcpt=2 (q)");
  std::string exp = Expose(m);
  EXPECT_TRUE(Has(exp, "postfix_qmgr_messages_removed_total 1e+06")) << exp;
  EXPECT_TRUE(Has(exp, "postfix_qmgr_messages_inserted_size_bytes_bucket{le=\"1e+09\"} 0")) << exp;
  ExporterCompatMetrics r(MetricsCompat::kKumina);
  ASSERT_TRUE(r.LoadState(m.SaveState()));
  EXPECT_EQ(Expose(r), exp);
  EXPECT_FALSE(r.LoadState("c 9999 1 0:\n"));
  ExporterCompatMetrics b(MetricsCompat::kKumina);
  for (size_t i = 0; i <= ExporterCompatMetrics::kMaxSeries; ++i)
    b.Line("Nov 22 10:00:00 mx postfix/smtpd[1]: lost connection after X" + std::to_string(i) + " from a");
  exp = Expose(b);
  EXPECT_TRUE(Has(exp, "maillens_compat_dropped_series_total 1")) << exp.substr(exp.size() - 300);
}

}  // namespace
}  // namespace maillens
