// report_command.h - `maillens report` (and `maillens pflogsumm`): options and the run.
#ifndef MAILLENS_CLI_REPORT_COMMAND_H_
#define MAILLENS_CLI_REPORT_COMMAND_H_

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace maillens::cli {

// Everything a report run takes; the pflogsumm options keep pflogsumm's
// meaning (limits: -1 all, 0 none, N the top N).
struct ReportArgs {
  std::vector<std::string> files;
  std::string format = "text";
  std::string day;
  int year = 0;
  std::string syslog_name;
  bool ignore_case = false;
  bool iso_date_time = false;
  std::string unparsed_file;
  std::string output;
  // pflogsumm's options.
  bool message_detail = false;  // -e
  bool quiet = false;           // -q
  int64_t top_domains = -1;     // -h
  int64_t top_users = -1;       // -u
  int64_t detail = -2;          // --detail (-2: not given)
  int64_t bounce_detail = -1, deferral_detail = -1, reject_detail = -1, smtp_detail = -1,
          smtpd_warning_detail = -1, expired_detail = -1, pscrn_detail = -1;
  bool pscrn_stats = false, rej_add_to = false;
  std::string compat = "1.1.5";  // --compat: the pflogsumm release counted like, 1.1.5 or 1.3
  bool smtpd_stats = false, mailq = false, uucp_mung = false, no_no_msg_size = false, problems_first = false,
       rej_add_from = false, verbose_msg_detail = false, zero_fill = false;
  int verp_mung = 0;
  bool insights = false;
  bool dedupe_content_filter = false;  // maillens's own sections (report/insights.h)
  bool no_bounce_detail = false, no_deferral_detail = false, no_reject_detail = false, no_smtpd_warnings = false;
};

// Adds the `report` subcommand to `app`; its callback runs the report and
// stores the exit code in *exit_code.
void AddReportCommand(CLI::App* app, int* exit_code);

// Applies --detail and the deprecated --no-*-detail forms as pflogsumm does
// (warnings on stderr), then runs the report. Returns the exit code.
int RunReport(ReportArgs a, const char* prog_name);

// pflogsumm's own command line (`maillens pflogsumm ARGS`, or the binary
// called as `pflogsumm`): Getopt::Long rules, "_" as "-" in --long options.
int RunPflogsumm(int argc, char** argv);

// In place: "--no_bounce_detail" -> "--no-bounce-detail" for every argument
// before "--" (only the name part, before '=').
void DashLongOptions(std::vector<std::string>* args);

}  // namespace maillens::cli

#endif  // MAILLENS_CLI_REPORT_COMMAND_H_
