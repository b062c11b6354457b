// dashboard_view_test.cc - DashboardView (dashboard/dashboard_view.h) fed
// through a real Pipeline, its JSON, its bounds and its state round trip;
// BucketQuantile (metrics/histogram.h).
#include "dashboard/dashboard_view.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "metrics/histogram.h"
#include "pipeline/pipeline.h"
#include "util/json_writer.h"
#include "util/reporter.h"

namespace maillens {
namespace {

void Feed(DashboardView* v, const std::vector<std::string>& lines) {
  setenv("TZ", "UTC", 1);
  tzset();
  PipelineOptions o;
  o.year.fixed_year = 2026;
  RecordingReporter rep;
  Pipeline p(o, &rep);
  p.AddSink(v);
  for (const std::string& l : lines) p.ProcessLine(l);
  p.Finish();
}

std::string Destinations(const DashboardView& v, size_t limit = 10, size_t reasons = 5) {
  std::string out;
  JsonWriter w(&out, false);
  w.BeginObject();
  v.WriteDestinations(&w, limit, reasons);
  w.EndObject();
  return out;
}

std::string Auth(const DashboardView& v) {
  std::string out;
  JsonWriter w(&out, false);
  w.BeginObject();
  v.WriteAuthFailures(&w, 10);
  w.EndObject();
  return out;
}

const std::vector<std::string> kLog = {
    "Nov 22 05:38:34 mx postfix/smtp[1]: 4A1B2C3D4E1: to=<u1@Deferred.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, "
    "status=deferred (connect to 127.0.0.1[127.0.0.1]:2999: Connection refused)",
    "Nov 22 05:38:35 mx postfix/smtp[1]: 4A1B2C3D4E1: to=<u2@deferred.test>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, "
    "status=deferred (connect to 127.0.0.1[127.0.0.1]:2999: Connection refused)",
    "Nov 22 05:38:35 mx postfix/smtp[1]: 4A1B2C3D4E2: to=<a@ok.test>, relay=mx.ok.test[127.0.0.2]:25, delay=0.2, "
    "delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
    "Nov 22 05:38:36 mx postfix/smtp[1]: 4A1B2C3D4E3: to=<b@ok.test>, relay=mx.ok.test[127.0.0.2]:25, delay=0.2, "
    "delays=0/0/0.1/0.1, dsn=5.1.1, status=bounced (host mx.ok.test[127.0.0.2] said: 550 5.1.1 no such user "
    "(in reply to RCPT TO command))",
    "Nov 22 05:38:37 mx postfix/smtpd[2]: warning: unknown[127.0.0.66]: SASL LOGIN authentication failed: "
    "(reason unavailable), sasl_username=admin",
    "Nov 22 05:38:38 mx postfix/smtpd[2]: warning: unknown[127.0.0.66]: SASL LOGIN authentication failed: "
    "(reason unavailable), sasl_username=<b>\t\x1b[31m%",
};

TEST(DashboardView, CountsDomainsReasonsAndAuthFailures) {
  DashboardView v;
  Feed(&v, kLog);
  std::string d = Destinations(v);
  // Most failures first; the domain lower-cased; the report's deferral key.
  EXPECT_EQ(d,
            "{\"domains_tracked\":2,\"domains\":[{\"domain\":\"deferred.test\",\"sent\":0,\"deferred\":2,\"bounced\":0,"
            "\"deferral_reasons\":[{\"reason\":\"4.4.1 127.0.0.1[127.0.0.1]:2999: Connection refused\",\"count\":2}],"
            "\"bounce_reasons\":[]},{\"domain\":\"ok.test\",\"sent\":1,\"deferred\":0,\"bounced\":1,"
            "\"deferral_reasons\":[],\"bounce_reasons\":[{\"reason\":\"5.1.1 5.1.1 "
            "no such user (in reply to RCPT TO command)\",\"count\":1}]}]}");
  std::string a = Auth(v);
  EXPECT_NE(a.find("\"auth_failures_total\":2"), std::string::npos) << a;
  EXPECT_NE(a.find("{\"ip\":\"127.0.0.66\",\"count\":2}"), std::string::npos) << a;
  // Log bytes are JSON-escaped (tab, ESC), never raw.
  EXPECT_NE(a.find("{\"user\":\"<b>\\t\\u001b[31m%\",\"count\":1}"), std::string::npos) << a;
}

TEST(DashboardView, StateRoundTripsExactly) {
  DashboardView v;
  Feed(&v, kLog);
  DashboardView w;
  ASSERT_TRUE(w.LoadState(v.SaveState()));
  EXPECT_EQ(Destinations(w), Destinations(v));
  EXPECT_EQ(Auth(w), Auth(v));
  EXPECT_EQ(w.SaveState().size(), v.SaveState().size());
  // Counting goes on from the loaded state.
  Feed(&w, {kLog[0]});
  EXPECT_NE(Destinations(w).find("\"deferred\":3"), std::string::npos) << Destinations(w);
  EXPECT_FALSE(w.LoadState("D\t1\tx\n"));    // malformed: the state is kept
  EXPECT_FALSE(w.LoadState("R\t1\tnodomain\n"));
  EXPECT_NE(Destinations(w).find("\"deferred\":3"), std::string::npos);
  EXPECT_TRUE(w.LoadState(""));
  EXPECT_EQ(Destinations(w), "{\"domains_tracked\":0,\"domains\":[]}");
}

TEST(DashboardView, BoundedKeys) {
  DashboardView v;
  std::vector<std::string> lines;
  for (size_t i = 0; i < DashboardView::kMaxDomains + 5; ++i)
    lines.push_back("Nov 22 05:38:34 mx postfix/smtp[1]: 4A1B2C3D4E1: to=<u@d" + std::to_string(i) +
                    ".test>, relay=x[127.0.0.2]:25, delay=1, delays=0/0/1/0, dsn=2.0.0, status=sent (250 ok)");
  for (size_t i = 0; i < DashboardView::kMaxReasons + 3; ++i)
    lines.push_back("Nov 22 05:38:35 mx postfix/smtp[1]: 4A1B2C3D4E2: to=<u@d0.test>, relay=none, delay=1, delays=0/0/1/0, "
                    "dsn=4.4.1, status=deferred (reason " + std::to_string(i) + ")");
  Feed(&v, lines);
  std::string d = Destinations(v, 1, 100);
  EXPECT_NE(d.find("\"domains_tracked\":" + std::to_string(DashboardView::kMaxDomains + 1)), std::string::npos);
  EXPECT_NE(d.find("{\"reason\":\"(other reasons)\",\"count\":3}"), std::string::npos) << d;
  std::string all = Destinations(v, 100000, 1);
  EXPECT_NE(all.find("{\"domain\":\"(other)\",\"sent\":5,"), std::string::npos);
}

TEST(BucketQuantile, UpperBoundOfTheRanksBucket) {
  const double bounds[] = {1, 10, 60};
  Histogram h(3);
  EXPECT_TRUE(std::isnan(BucketQuantile(bounds, h, 0.5)));
  for (double v : {0.5, 0.7, 5.0, 30.0, 100.0}) h.Observe(bounds, v);
  EXPECT_EQ(BucketQuantile(bounds, h, 0.4), 1);   // rank 2 of 5
  EXPECT_EQ(BucketQuantile(bounds, h, 0.5), 10);  // rank 3
  EXPECT_EQ(BucketQuantile(bounds, h, 0.8), 60);  // rank 4
  EXPECT_TRUE(std::isinf(BucketQuantile(bounds, h, 0.99)));
}

}  // namespace
}  // namespace maillens
