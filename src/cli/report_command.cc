// report_command.cc - `maillens report [FILES]`: the daily summary.
#include "cli/report_command.h"

#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "io/input_set.h"
#include "report/render.h"
#include "report/summary.h"

namespace maillens::cli {

namespace {

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
};

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
  } else if (d.size() == 10 && d[4] == '-' && d[7] == '-') {
    day = DaysFromCivil(std::stoi(d.substr(0, 4)), std::stoi(d.substr(5, 2)), std::stoi(d.substr(8, 2)));
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

int RunReport(const ReportArgs& a) {
  PipelineOptions po;
  po.parser.syslog_name = a.syslog_name;
  po.year.fixed_year = a.year;
  RenderOptions ro;
  ro.iso_date_time = a.iso_date_time;
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
  Summary summary(SummaryOptions{a.ignore_case});
  pipeline.AddSink(&summary);
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
  int rc = RunInputs(a.files, &pipeline, &reporter);
  if (unparsed) std::fclose(unparsed);

  std::string out;
  if (a.format == "json") {
    RenderJson(summary, pipeline.stats(), ro, &out);
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
  if (f != stdout) std::fclose(f);
  return rc;
}

}  // namespace

void AddReportCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app->add_subcommand("report", "Daily summary of Postfix logs (pflogsumm's numbers)");
  cmd->add_option("files", args->files, "Log files (rotated sets in any order, any compression); '-' or none: stdin");
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("-d,--day", args->day, "Only lines of this day: today, yesterday or YYYY-MM-DD");
  cmd->add_option("--year", args->year, "Year of the first line (traditional timestamps carry none)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_flag("-i,--ignore-case", args->ignore_case, "Lower-case whole addresses, not just domains");
  cmd->add_flag("--iso-date-time", args->iso_date_time, "ISO 8601 dates and times in tables");
  cmd->add_option("--unparsed", args->unparsed_file, "Write lines no parser understood to FILE");
  cmd->add_option("-o,--output", args->output, "Write the report to FILE instead of stdout");
  cmd->callback([args, exit_code]() { *exit_code = RunReport(*args); });
}

}  // namespace maillens::cli
