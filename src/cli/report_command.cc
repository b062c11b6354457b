// report_command.cc - `maillens report [FILES]`: the daily summary.
#include "cli/report_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "io/input_set.h"
#include "report/insights.h"
#include "report/render.h"
#include "report/render_html.h"
#include "report/summary.h"

namespace maillens::cli {

namespace {

// Resolves -d into a civil-day range and the title pflogsumm prints.
bool ResolveDay(const std::string& d, int64_t* first, int64_t* last, std::string* title) {
  time_t now = std::time(nullptr);
  struct tm tm;
  localtime_r(&now, &tm);
  int64_t today = DaysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  int64_t day;
  if (d == "today") {
    day = today;
  } else if (d == "yesterday") {
    day = today - 1;
  } else if (d.size() == 10 && d[4] == '-' && d[7] == '-' &&
             std::all_of(d.begin(), d.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); })) {
    int y = std::stoi(d.substr(0, 4)), m = std::stoi(d.substr(5, 2)), dd = std::stoi(d.substr(8, 2));
    if (m < 1 || m > 12 || dd < 1 || dd > 31) return false;
    day = DaysFromCivil(y, m, dd);
  } else {
    return false;
  }
  *first = *last = day;
  // pflogsumm's title: "Mmm dd" (space-padded day).
  time_t t = static_cast<time_t>(day * 86400 + 43200);
  struct tm dt;
  gmtime_r(&t, &dt);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s %2d", kMonthNames[dt.tm_mon], dt.tm_mday);
  *title = buf;
  return true;
}

}  // namespace

int RunReport(ReportArgs a, const char* prog) {
  auto deprecated = [prog](bool given, int64_t* target, const char* old_name, const char* new_name) {
    if (!given) return;
    *target = 0;
    std::fprintf(stderr, "%s: \"%s\" is deprecated, use \"%s=0\" instead\n", prog, old_name, new_name);
  };
  deprecated(a.no_bounce_detail, &a.bounce_detail, "no_bounce_detail", "bounce-detail");
  deprecated(a.no_deferral_detail, &a.deferral_detail, "no_deferral_detail", "deferral-detail");
  deprecated(a.no_reject_detail, &a.reject_detail, "no_reject_detail", "reject-detail");
  deprecated(a.no_smtpd_warnings, &a.smtpd_warning_detail, "no_smtpd_warnings", "smtpd-warning-detail");
  if (a.detail != -2) {
    for (int64_t* v : {&a.top_domains, &a.top_users, &a.bounce_detail, &a.deferral_detail, &a.smtp_detail,
                       &a.smtpd_warning_detail, &a.reject_detail, &a.expired_detail,
                       &a.pscrn_detail})
      if (*v == -1) *v = a.detail;
  }
  PipelineOptions po;
  po.parser.syslog_name = a.syslog_name;
  po.year.fixed_year = a.year;
  RenderOptions ro;
  ro.iso_date_time = a.iso_date_time;
  ro.top_domains = a.top_domains;
  ro.top_users = a.top_users;
  ro.deferral_detail = a.deferral_detail;
  ro.bounce_detail = a.bounce_detail;
  ro.reject_detail = a.reject_detail;
  ro.smtp_detail = a.smtp_detail;
  ro.smtpd_warning_detail = a.smtpd_warning_detail;
  ro.expired_detail = a.expired_detail;
  ro.pscrn_detail = a.pscrn_detail;
  ro.pscrn_stats = a.pscrn_stats;
  ro.quiet = a.quiet;
  ro.problems_first = a.problems_first;
  ro.smtpd_stats = a.smtpd_stats;
  ro.message_detail = a.message_detail;
  ro.zero_fill = a.zero_fill;
  if (!a.day.empty()) {
    if (!ResolveDay(a.day, &po.first_day, &po.last_day, &ro.title_date)) {
      std::fprintf(stderr, "maillens report: -d takes today, yesterday or YYYY-MM-DD\n");
      return kExitUsage;
    }
    po.filter_days = true;
  }
  std::vector<std::string> inputs = a.files.empty() ? std::vector<std::string>{"-"} : a.files;
  po.year.reference_epoch = NewestMtime(inputs);
  StderrReporter reporter;
  Pipeline pipeline(po, &reporter);
  SummaryOptions so;
  if (a.compat == "1.3" || a.compat == "1.3.0") {
    so.compat = Compat::kPflogsumm13;
  } else if (a.compat != "1.1.5" && a.compat != "1.1") {
    std::fprintf(stderr, "%s: --compat takes 1.1.5 or 1.3\n", prog);
    return kExitUsage;
  }
  so.ignore_case = a.ignore_case;
  so.uucp_mung = a.uucp_mung;
  so.verp_mung = a.verp_mung;
  so.verbose_msg_detail = a.verbose_msg_detail;
  so.smtpd_stats = a.smtpd_stats;
  so.message_detail = a.message_detail;
  so.no_no_msg_size = a.no_no_msg_size;
  so.rej_add_from = a.rej_add_from;
  so.rej_add_to = a.rej_add_to;
  so.no_smtpd_warnings = a.no_smtpd_warnings;
  so.dedupe_content_filter = a.dedupe_content_filter;
  so.deferral_detail = a.deferral_detail != 0;
  so.bounce_detail = a.bounce_detail != 0;
  so.reject_detail = a.reject_detail != 0;
  so.smtp_detail = a.smtp_detail != 0;
  so.pscrn_stats = a.pscrn_stats;
  so.pscrn_detail = a.pscrn_detail != 0;
  Summary summary(so);
  pipeline.AddSink(&summary);
  std::unique_ptr<Insights> insights;
  if (a.insights) {
    insights = std::make_unique<Insights>();
    pipeline.AddSink(insights.get());
    ro.insights = insights.get();
  }
  ReportScope scope;  // the HTML report's title: hosts and time span
  if (a.format == "html") pipeline.AddSink(&scope);
  FILE* unparsed = nullptr;
  std::unique_ptr<UnparsedWriter> unparsed_sink;
  if (!a.unparsed_file.empty()) {
    unparsed = std::fopen(a.unparsed_file.c_str(), "w");
    if (unparsed == nullptr) {
      std::perror(("maillens report: " + a.unparsed_file).c_str());
      return kExitUsage;
    }
    unparsed_sink = std::make_unique<UnparsedWriter>(unparsed);
    pipeline.AddSink(unparsed_sink.get());
  }
  InputTally tally;
  int rc = RunInputs(a.files, po.year.reference_epoch, &pipeline, &reporter, &tally, !a.quiet);
  if (unparsed) std::fclose(unparsed);
  if (!tally.any_read()) return rc;
  if (po.filter_days && pipeline.stats().filtered_out > 0 && pipeline.stats().mail_lines == 0 &&
      pipeline.stats().foreign == 0) {
    // -d matched nothing: say what the input does cover.
    auto date = [](int64_t day) {
      time_t t = static_cast<time_t>(day * 86400 + 43200);
      struct tm dt;
      gmtime_r(&t, &dt);
      char buf[16];
      std::strftime(buf, sizeof buf, "%Y-%m-%d", &dt);
      return std::string(buf);
    };
    int64_t lo = pipeline.stats().first_day_seen, hi = pipeline.stats().last_day_seen;
    std::fprintf(stderr, "maillens report: no line of %s in the input; it covers %s%s%s\n",
                 date(po.first_day).c_str(), date(lo).c_str(), lo == hi ? "" : " to ",
                 lo == hi ? "" : date(hi).c_str());
  }

  std::string out;
  if (a.format == "json") {
    RenderJson(summary, pipeline.stats(), ro, &out);
  } else if (a.format == "html") {
    RenderHtml(summary, pipeline.stats(), ro, &scope, &out);
  } else {
    RenderText(summary, ro, &out);
  }
  FILE* f = stdout;
  if (!a.output.empty() && a.output != "-") {
    f = std::fopen(a.output.c_str(), "w");
    if (f == nullptr) {
      std::perror(("maillens report: " + a.output).c_str());
      return kExitUsage;
    }
  }
  std::fwrite(out.data(), 1, out.size(), f);
  if (a.mailq && a.format == "text") {
    // pflogsumm --mailq: the queue as `postqueue -p` shows it.
    std::fputs("\nCurrent Mail Queue\n------------------\n", f);
    std::fflush(f);
    if (FILE* q = popen("postqueue -p", "r")) {
      char buf[8192];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, q)) > 0) std::fwrite(buf, 1, n, f);
      pclose(q);
    }
  }
  if (f != stdout) std::fclose(f);
  return rc;
}


void DashLongOptions(std::vector<std::string>* args) {
  for (std::string& s : *args) {
    if (s == "--") break;
    if (s.size() > 2 && s[0] == '-' && s[1] == '-' && (std::isalnum(static_cast<unsigned char>(s[2])) || s[2] == '_')) {
      size_t end = s.find('=');
      for (size_t i = 2; i < std::min(end, s.size()); ++i)
        if (s[i] == '_') s[i] = '-';
    }
  }
}

void AddReportCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app->add_subcommand("report", "Daily summary of Postfix logs (pflogsumm's numbers)");
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_option("files", args->files, "Log files (rotated sets in any order, any compression); '-' or none: stdin");
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-d,--day", args->day, "Only lines of this day: today, yesterday or YYYY-MM-DD");
  cmd->add_option("--year", args->year, "Year of the first line (traditional timestamps carry none)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_flag("-i,--ignore-case", args->ignore_case, "Lower-case whole addresses, not just domains");
  cmd->add_flag("--iso-date-time", args->iso_date_time, "ISO 8601 dates and times in tables");
  cmd->add_option("--unparsed", args->unparsed_file, "Write lines no parser understood to FILE");
  cmd->add_option("-o,--output", args->output, "Write the report to FILE instead of stdout");
  // pflogsumm's options (its spellings; "_" works for "-" in long names).
  cmd->add_flag("-e", args->message_detail, "Message detail: every message's sender and recipients");
  cmd->add_flag("-q,--quiet", args->quiet, "Leave out sections with nothing to show; no progress line on stderr");
  cmd->add_option("-h", args->top_domains, "Top N in the host/domain summaries (0: none)");
  cmd->add_option("-u", args->top_users, "Top N in the sender/recipient summaries (0: none)");
  cmd->add_option("--detail", args->detail, "Default for every top-N limit not given");
  cmd->add_option("--bounce-detail", args->bounce_detail, "Top N bounce reasons (0: none)");
  cmd->add_option("--deferral-detail", args->deferral_detail, "Top N deferral reasons (0: none)");
  cmd->add_option("--reject-detail", args->reject_detail, "Top N reject/warning/hold/discard details (0: none)");
  cmd->add_option("--smtp-detail", args->smtp_detail, "Top N smtp delivery failures (0: none)");
  cmd->add_option("--smtpd-warning-detail,--warning-detail", args->smtpd_warning_detail, "Top N warnings (0: none)");
  cmd->add_option("--compat", args->compat,
                  "Count and print as this pflogsumm release: 1.1.5 (Debian's, the default) or 1.3 (1.3.0: "
                  "late rejects and cancels not received, 'removed (canceled)' and 'expired' totals, "
                  "'(nn)' / '(top nn of nn)' headings, deferrals by host, SMTP Exceptions)")
      ->check(CLI::IsMember({"1.1.5", "1.1", "1.3", "1.3.0"}));
  cmd->add_option("--expired-detail", args->expired_detail, "With --compat 1.3: top N expired-message relays (0: none)");
  cmd->add_option("--pscrn-detail", args->pscrn_detail, "With --compat 1.3: top N clients per postscreen action (0: none)");
  cmd->add_flag("--pscrn-stats", args->pscrn_stats, "With --compat 1.3: postscreen connection statistics");
  cmd->add_flag("--rej-add-to", args->rej_add_to, "With --compat 1.3: add the recipient to reject detail rows");
  cmd->add_flag("--smtpd-stats", args->smtpd_stats, "smtpd connection statistics");
  cmd->add_flag("--mailq", args->mailq, "Append the current mail queue (postqueue -p)");
  cmd->add_flag("-m,--uucp-mung", args->uucp_mung, "Rewrite UUCP-style bang-paths");
  cmd->add_flag("--no-no-msg-size", args->no_no_msg_size, "Leave out 'Messages with no size data'");
  cmd->add_flag("--problems-first", args->problems_first, "Problem sections before the traffic tables");
  cmd->add_flag("--rej-add-from", args->rej_add_from, "Add the sender to reject detail rows");
  cmd->add_flag("--verbose-msg-detail", args->verbose_msg_detail, "Full reasons, not trimmed");
  cmd->add_flag("--verp-mung{1}", args->verp_mung, "Merge VERP sender addresses (--verp-mung=2: more aggressively)");
  cmd->add_flag("--dedupe-content-filter", args->dedupe_content_filter,
                "Count a message re-injected by a content filter once (linked by 'queued as')");
  cmd->add_flag("--insights", args->insights,
                "Add latency percentiles per domain, deferrals by status, rejects by restriction, SASL failures");
  cmd->add_flag("--zero-fill", args->zero_fill, "A per-day row for every day seen");
  cmd->add_flag("--no-bounce-detail", args->no_bounce_detail, "Deprecated: --bounce-detail=0");
  cmd->add_flag("--no-deferral-detail", args->no_deferral_detail, "Deprecated: --deferral-detail=0");
  cmd->add_flag("--no-reject-detail", args->no_reject_detail, "Deprecated: --reject-detail=0");
  cmd->add_flag("--no-smtpd-warnings", args->no_smtpd_warnings, "Deprecated: --smtpd-warning-detail=0");
  cmd->callback([args, exit_code]() { *exit_code = RunReport(*args, "maillens report"); });
}

}  // namespace maillens::cli
