// trace_command.cc - `maillens trace [FILTERS] [FILES]`.
#include "cli/trace_command.h"

#include <cstdio>
#include <memory>

#include "cli/input_runner.h"
#include "cli/qshape_command.h"
#include "io/input_set.h"
#include "pipeline/input_order.h"
#include "trace/search.h"
#include "trace/tracer.h"

namespace maillens::cli {

int RunTrace(const TraceArgs& a) {
  TraceFilter f;
  f.qid = a.qid;
  f.status = a.status;
  const std::pair<TextPattern*, const std::string*> patterns[] = {
      {&f.message_id, &a.message_id}, {&f.from, &a.from}, {&f.to, &a.to},
      {&f.sasl_user, &a.sasl_user},   {&f.host, &a.host}};
  for (auto [pattern, text] : patterns) {
    Status st = pattern->Set(*text, a.regex);
    if (!st.ok()) {
      std::fprintf(stderr, "maillens trace: %s\n", st.ToString().c_str());
      return kExitUsage;
    }
  }
  if (!f.client.Set(a.client)) {
    std::fprintf(stderr, "maillens trace: --client takes an IP address, a CIDR range or a hostname\n");
    return kExitUsage;
  }
  if ((!a.since.empty() && !ParseReferenceTime(a.since, &f.since)) ||
      (!a.until.empty() && !ParseReferenceTime(a.until, &f.until))) {
    std::fprintf(stderr, "maillens trace: --since/--until take a time: epoch, YYYY-MM-DD[Thh:mm[:ss][zone]], today, 1h, Nov 22 06:00 (doc/time.md)\n");
    return kExitUsage;
  }
  PipelineOptions po = OneShotOptions(a.files, a.syslog_name, a.year);
  StderrReporter reporter;
  Pipeline pipeline(po, &reporter);
  const bool search = f.QidOnly() && a.search && !a.files.empty();
  const std::string qid = f.qid;
  Tracer tracer(std::move(f));
  pipeline.AddSink(&tracer);
  pipeline.assembler().AddListener(&tracer);
  // --search with --qid alone on plain files: parse only the lines the literal
  // search finds (trace/search.h); anything else, or a search past its caps,
  // reads every line.
  QidSearchStats st;
  int rc = kExitOk;
  if (!search || !SearchQidLines(OrderInputs(a.files, po.year.reference_epoch), qid, po.parser, &pipeline, &st)) {
    InputTally tally;
    rc = RunInputs(a.files, po.year.reference_epoch, &pipeline, &reporter, &tally, !a.quiet);
    if (!tally.any_read()) return rc;
    if (a.stats)
      std::fprintf(stderr, "maillens trace: read every line (%llu)%s%s\n",
                   static_cast<unsigned long long>(pipeline.stats().lines), *st.gave_up ? ": " : "", st.gave_up);
  } else if (a.stats) {
    std::fprintf(stderr,
                 "maillens trace: searched %zu literals in %zu passes (%zu MB), parsed %zu lines, dated %zu more\n",
                 st.ids, st.rounds, st.bytes >> 20, st.lines, st.dated);
  }
  pipeline.Finish();
  std::vector<const TraceMessage*> roots = tracer.Finish();
  if (roots.empty()) {
    // grep's convention: no match is exit 1, said on stderr.
    std::fprintf(stderr, "maillens trace: no message matched\n");
    return kExitInputProblem;
  }
  std::string out;
  if (a.format == "json") {
    RenderTraceJson(roots, &out);
  } else if (a.format == "lines") {
    RenderTraceLines(roots, &out);
  } else {
    RenderTraceText(roots, &out);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rc;
}

void AddTraceCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<TraceArgs>();
  CLI::App* cmd = app->add_subcommand("trace", "Where did a message go: its lifecycle, hops and final outcome");
  cmd->set_help_flag("--help", "Print this help message and exit");
  cmd->add_option("files", args->files, "Log files (rotated sets in any order, any compression); '-' or none: stdin");
  cmd->add_option("--qid", args->qid, "Queue ID (exact)");
  cmd->add_option("--message-id", args->message_id, "Message-ID (exact or glob; <> optional)");
  cmd->add_option("--from", args->from, "Envelope sender (exact or glob, case-insensitive)");
  cmd->add_option("--to", args->to, "A recipient, or its original address (exact or glob)");
  cmd->add_option("--client", args->client, "smtpd client: IP address, CIDR range or hostname glob");
  cmd->add_option("--sasl-user", args->sasl_user, "SASL user name (exact or glob)");
  cmd->add_option("--status", args->status, "A recipient's final outcome")
      ->check(CLI::IsMember(OutcomeWords()));
  cmd->add_option("--since", args->since, "Messages with events at or after this time (epoch, ISO 8601, today, 1h, Nov 22 06:00)");
  cmd->add_option("--until", args->until, "Messages with events before this time (epoch, ISO 8601, today, 1h, Nov 22 06:00)");
  cmd->add_option("--host", args->host, "Syslog host name (exact or glob)");
  cmd->add_flag("--regex", args->regex, "Patterns of --message-id/--from/--to/--sasl-user/--host are RE2 regexes");
  cmd->add_option("--format", args->format, "text (timelines), json (one object per message), lines (the log lines)")
      ->check(CLI::IsMember({"text", "json", "lines"}));
  cmd->add_option("--year", args->year, "Year of the first line (traditional timestamps carry none)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix");
  cmd->add_flag("--quiet", args->quiet, "No progress line on stderr");
  cmd->add_flag("--search", args->search,
                "With --qid alone on plain files: find the message's lines (and its hops') by literal search and "
                "parse only those; several times faster on big logs (doc/trace.md says when it can differ)");
  cmd->add_flag("--stats", args->stats, "Say on stderr how the input was read (searched or every line)");
  cmd->callback([args, exit_code]() { *exit_code = RunTrace(*args); });
}

}  // namespace maillens::cli
