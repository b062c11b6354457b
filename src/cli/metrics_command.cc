// metrics_command.cc - `maillens metrics`: the counters `serve` exposes, for a finished log.
#include "cli/metrics_command.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/input_runner.h"
#include "io/input_set.h"
#include "metrics/exporter_compat.h"
#include "metrics/postfix_metrics.h"

namespace maillens::cli {

void AddMetricsCommand(CLI::App* app, int* exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app->add_subcommand(
      "metrics", "Print the Prometheus metrics `serve` would expose after reading LOGFILES (text format)");
  cmd->add_option("LOGFILES", *files, "Log files (any compression; - or none for stdin)");
  auto options = std::make_shared<MetricsOptions>();
  auto syslog_name = std::make_shared<std::string>();
  cmd->add_option("--syslog-name", *syslog_name, "Also treat this syslog name as Postfix");
  auto compat = std::make_shared<std::string>();
  cmd->add_option("--metrics-compat", *compat,
                  "Expose exactly one exporter's series instead of maillens' set (doc/metrics.md)")
      ->check(CLI::IsMember({"kumina", "hsn723"}));
  auto service_labels = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--metrics-service-label", *service_labels,
                  "With --metrics-compat hsn723: TYPE=NAME reads postfix/NAME as TYPE, e.g. smtp=relay/smtp "
                  "(repeatable; Hsn723's --postfix.TYPE_service_label)")
      ->allow_extra_args(false);
  cmd->add_option("--top-domains", options->top_domains,
                  "Destination domains with series of their own in maillens_deliveries_by_domain_total")
      ->capture_default_str();
  cmd->add_option("--domain-min-deliveries", options->domain_min_deliveries,
                  "Deliveries a domain needs before it gets its own series")
      ->capture_default_str();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_flag("--quiet", *quiet, "No progress line on stderr");
  cmd->callback([files, options, syslog_name, compat, service_labels, quiet, exit_code] {
    // The year does not matter here: no family depends on time.
    PipelineOptions po = OneShotOptions(*files, *syslog_name, 0);
    StderrReporter reporter;
    Pipeline pipeline(po, &reporter);
    MetricsCompat mode = MetricsCompat::kNone;
    ParseMetricsCompat(*compat, &mode);
    PostfixMetrics metrics(*options);
    ExporterCompatMetrics exporter(mode);
    std::string error;
    if (!ApplyServiceLabels(*service_labels, &exporter, &error)) {
      std::fprintf(stderr, "maillens metrics: %s\n", error.c_str());
      *exit_code = 2;
      return;
    }
    LiveSink* sink = mode == MetricsCompat::kNone ? static_cast<LiveSink*>(&metrics) : &exporter;
    pipeline.AddSink(sink);
    InputTally tally;
    *exit_code = RunInputs(*files, po.year.reference_epoch, &pipeline, &reporter, &tally, !*quiet);
    if (!tally.any_read()) return;
    std::string out;
    sink->WriteMetrics(&out);
    std::fwrite(out.data(), 1, out.size(), stdout);
  });
}

}  // namespace maillens::cli
