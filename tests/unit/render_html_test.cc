// render_html_test.cc - ReportScope (hosts and time span for the HTML
// report's title) and RenderHtml's page: title, units, escaping, sections as
// tables, fed through a real Pipeline with a pinned year. The browser checks
// are in tests/web/.
#include "report/render_html.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "util/reporter.h"

namespace maillens {
namespace {

struct Page {
  explicit Page(const std::vector<std::string>& lines, RenderOptions o = {}) {
    setenv("TZ", "UTC", 1);
    tzset();
    PipelineOptions po;
    po.year.fixed_year = 2026;
    RecordingReporter reporter;
    Pipeline pipeline(po, &reporter);
    pipeline.AddSink(&summary);
    pipeline.AddSink(&scope);
    for (const std::string& l : lines) pipeline.ProcessLine(l);
    pipeline.Finish();
    RenderHtml(summary, pipeline.stats(), o, &scope, &html);
  }
  Summary summary;
  ReportScope scope;
  std::string html;
};

const std::vector<std::string> kLog = {
    "Nov 20 10:00:00 mx1 postfix/smtpd[1]: connect from mail.example.com[192.0.2.1]",
    "Nov 20 10:00:01 mx1 postfix/smtpd[1]: AAAAA11111: client=mail.example.com[192.0.2.1]",
    "Nov 20 10:00:02 mx1 postfix/qmgr[3]: AAAAA11111: from=<alice@example.com>, size=3145728, nrcpt=1 (queue active)",
    "Nov 20 10:00:03 mx1 postfix/local[4]: AAAAA11111: to=<bob@example.net>, relay=local, delay=2, delays=1/0/0/1, "
    "dsn=2.0.0, status=sent (delivered to mailbox)",
    "Nov 20 10:00:04 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from mail.example.com[192.0.2.1]: 554 5.7.1 "
    "<x@example.org>: Relay access denied; from=<alice@example.com> to=<x@example.org> proto=ESMTP "
    "helo=<<script>alert(1)</script>>",
    "Nov 20 10:00:05 mx1 postfix/smtpd[1]: warning: <script>alert(2)</script> & <img src=x onerror=alert(3)>",
    "Nov 21 09:00:00 mx2 postfix/smtp[5]: BBBBB22222: to=<zed@slow.test>, relay=none, delay=3, delays=1/0/2/0, "
    "dsn=4.4.1, status=deferred (connect to slow.test[192.0.2.9]:25: Connection refused)",
};

TEST(ReportScope, HostsAndTimeSpan) {
  Page p(kLog);
  ASSERT_FALSE(p.scope.empty());
  std::vector<std::string_view> hosts = p.scope.hosts();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0], "mx1");
  EXPECT_EQ(hosts[1], "mx2");
  EXPECT_FALSE(p.scope.more_hosts());
  EXPECT_EQ(p.scope.first().day, 20);
  EXPECT_EQ(p.scope.first().hour, 10);
  EXPECT_EQ(p.scope.last().day, 21);
  EXPECT_EQ(p.scope.last().hour, 9);
}

TEST(ReportScope, KeepsAtMostKMaxHosts) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < ReportScope::kMaxHosts + 3; ++i)
    lines.push_back("Nov 20 10:00:00 h" + std::to_string(100 + i) + " postfix/smtpd[1]: connect from a[192.0.2.1]");
  Page p(lines);
  EXPECT_EQ(p.scope.hosts().size(), ReportScope::kMaxHosts);
  EXPECT_TRUE(p.scope.more_hosts());
  EXPECT_NE(p.html.find("and others"), std::string::npos);
}

TEST(RenderHtml, TitleNamesHostsAndDateRange) {
  Page p(kLog);
  EXPECT_NE(p.html.find("<title>Mail report for mx1, mx2, 2026-11-20 to 2026-11-21</title>"), std::string::npos)
      << p.html.substr(0, 600);
  EXPECT_NE(p.html.find("Log from 2026-11-20 10:00:00 to 2026-11-21 09:00:00."), std::string::npos);
}

TEST(RenderHtml, SelfContainedWithViewport) {
  Page p(kLog);
  EXPECT_NE(p.html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
            std::string::npos);
  EXPECT_NE(p.html.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(p.html.find("http://"), p.html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(p.html.find("https://"), std::string::npos);
  EXPECT_EQ(p.html.find("<script"), std::string::npos);
  EXPECT_EQ(p.html.find("<pre"), std::string::npos);
}

TEST(RenderHtml, LogTextIsEscaped) {
  Page p(kLog);
  EXPECT_EQ(p.html.find("<script>"), std::string::npos);
  EXPECT_EQ(p.html.find("<img"), std::string::npos);
  EXPECT_NE(p.html.find("&lt;script&gt;alert(2)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(3)&gt;"),
            std::string::npos);
}

TEST(RenderHtml, ControlCharactersShownAsInTheTextReport) {
  Page p({"Nov 20 10:00:00 mx postfix/smtpd[1]: warning: bad \x1b[31mred\x1b[0m text"});
  EXPECT_EQ(p.html.find('\x1b'), std::string::npos);
  EXPECT_NE(p.html.find("bad \\x1b[31mred\\x1b[0m text"), std::string::npos);
}

TEST(RenderHtml, BytesWithUnitsExactInDataV) {
  Page p(kLog);
  // bytes received: 3 MiB exactly.
  EXPECT_NE(p.html.find("<tr data-key=\"bytes_received\"><th scope=\"row\">bytes received</th>"
                        "<td class=\"n b\" data-v=\"3145728\" title=\"3145728 bytes\">3.0 MiB</td>"),
            std::string::npos);
}

TEST(RenderHtml, RejectPercentage) {
  Page p(kLog);
  // 1 rejected of delivered 1 + rejected 1 + discarded 0: 50%.
  EXPECT_NE(p.html.find("data-key=\"rejected_percent\" data-v=\"50\">50%</td>"), std::string::npos);
}

TEST(RenderHtml, SectionsAreTablesAndEmptyOnesSayNone) {
  Page p(kLog);
  EXPECT_NE(p.html.find("<section id=\"rejects\" data-title=\"message reject detail\"><h2>message reject detail</h2>"
                        "<div class=\"tw\"><table>"),
            std::string::npos);
  EXPECT_NE(p.html.find("<section id=\"panics\" data-title=\"Panics\"><h2>Panics</h2><p class=\"none\">none</p>"),
            std::string::npos);
  RenderOptions quiet;
  quiet.quiet = true;
  Page q(kLog, quiet);
  EXPECT_EQ(q.html.find("id=\"panics\""), std::string::npos);  // -q leaves it out, as the text report
}

TEST(RenderHtml, TopNTitlesAsTheTextReport) {
  RenderOptions o;
  o.top_domains = 5;
  o.top_users = 3;
  Page p(kLog, o);
  EXPECT_NE(p.html.find("data-title=\"Host/Domain Summary: Message Delivery (top 5)\""), std::string::npos);
  EXPECT_NE(p.html.find("data-title=\"top 3 Senders by message count\""), std::string::npos);
}

}  // namespace
}  // namespace maillens
