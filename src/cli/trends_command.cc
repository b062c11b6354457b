// trends_command.cc - `maillens trends` and `maillens anomalies`: one pass
// over the logs into history::Bucketer's series (trends/).
#include "cli/trends_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "alert/actions.h"
#include "cli/input_runner.h"
#include "history/series.h"
#include "trends/anomaly.h"
#include "trends/trends.h"
#include "util/duration.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

// A --since/--from/--until value (doc/time.md); "" leaves *epoch. False after a message.
bool TimeArg(const char* cmd, const char* opt, const std::string& text, int64_t* epoch) {
  if (text.empty()) return true;
  if (ParseTimeSpec(text, static_cast<int64_t>(std::time(nullptr)), epoch)) return true;
  std::fprintf(stderr, "maillens %s: %s takes a time: epoch, YYYY-MM-DD[Thh:mm[:ss][zone]], today, 1h (doc/time.md), not \"%s\"\n",
               cmd, opt, TerminalSafe(text).c_str());
  return false;
}

struct AnomalyArgs : OneShotArgs {
  std::string since;
  trends::AnomalyOptions options;
  bool no_weekly = false;
  std::string exec;
};

// --exec: each new anomaly as an alert notification through the alert
// actions (alert/actions.h: MAILLENS_ALERT_* environment, JSON on stdin).
class AnomalyNotifier {
 public:
  explicit AnomalyNotifier(const std::string& program)
      : runner_({Spec(program)}, [](const std::string& e) {
          std::fprintf(stderr, "maillens anomalies: --exec: %s\n", TerminalSafe(e).c_str());
          failed_ = true;
        }) {
    for (int k = 0; k < trends::kAnomalyKindCount; ++k) {
      rules_[k].name = std::string("anomaly_") + trends::AnomalyKindName(static_cast<trends::AnomalyKind>(k));
      rules_[k].expr = trends::kBaselineSentence;
      rules_[k].actions = {"exec"};
    }
  }
  void Notify(const trends::Anomaly& a) {
    alert::Notification n;
    n.finding.rule = &rules_[static_cast<int>(a.kind)];
    n.finding.key = a.key;
    n.finding.value = a.seen;
    n.finding.critical = n.finding.warning = a.high;
    n.finding.has_warning = true;
    n.finding.baseline = a.expected;
    n.finding.severity = a.severity == trends::AnomalySeverity::kCritical ? alert::Severity::kCritical
                                                                         : alert::Severity::kWarning;
    n.time = a.window_end;
    n.since = a.slot;
    runner_.Notify(n);
  }
  static bool failed() { return failed_; }

 private:
  static alert::ActionSpec Spec(const std::string& program) {
    alert::ActionSpec s;
    s.name = "exec";
    s.command = {program};
    return s;
  }
  alert::Rule rules_[trends::kAnomalyKindCount];
  alert::ActionRunner runner_;
  static inline bool failed_ = false;
};

struct TrendsArgs : OneShotArgs {
  trends::TrendsOptions options;
  std::string from, until;
  uint32_t campaign_min = 100;
};

// The first and last line time seen: what the input covers.
class CoverageSink : public EventSink {
 public:
  void OnEvent(const Event& ev, const Message*) override {
    if (ev.header == nullptr) return;
    first = std::min(first, ev.header->epoch);
    last = std::max(last, ev.header->epoch + 1);
  }
  int64_t first = INT64_MAX, last = INT64_MIN;
};

}  // namespace

void AddTrendsCommands(CLI::App* app, int* exit_code) {
  auto tr = std::make_shared<TrendsArgs>();
  CLI::App* tc = AddOneShotCommand(app, "trends",
                           "Traffic by hour/weekday/day/week with a heat map, growing and shrinking domains and "
                           "campaigns, each figure against the previous period",
                           tr.get(), {"text", "json", "html"});
  tc->add_option("--by", tr->options.by, "Rows per hour, weekday, day or week")
      ->capture_default_str()->check(CLI::IsMember({"hour", "weekday", "day", "week"}));
  tc->add_option("--domain", tr->options.domain, "Only this recipient domain's figures");
  tc->add_option("--user", tr->options.user, "Only this SASL user's figures");
  tc->add_option("--from", tr->from, "Period start (default: the hour of the input's first line; doc/time.md)");
  tc->add_option("--until", tr->until, "Period end (default: the end of the hour of its last line)");
  tc->add_option("--top", tr->options.top, "Domains listed as growing/shrinking")->capture_default_str();
  tc->add_option("--campaign-min", tr->campaign_min,
                 "Campaign: distinct recipients of one sender or SASL user within 10 minutes")
      ->capture_default_str()->check(CLI::Range(1u, 100000000u));
  tc->callback([tr, exit_code]() {
    if (!TimeArg("trends", "--from", tr->from, &tr->options.from) ||
        !TimeArg("trends", "--until", tr->until, &tr->options.until)) {
      *exit_code = kExitUsage;
      return;
    }
    if (!tr->options.domain.empty() && !tr->options.user.empty()) {
      std::fprintf(stderr, "maillens trends: --domain and --user: one at a time\n");
      *exit_code = kExitUsage;
      return;
    }
    history::Bucketer bucketer;
    trends::CampaignSink campaigns(tr->campaign_min);
    CoverageSink coverage;
    bool read;
    int rc = RunOneShot(*tr, {&bucketer, &campaigns, &coverage}, &read);
    if (!read) {
      *exit_code = rc;
      return;
    }
    campaigns.Finish();
    trends::TrendsReport report;
    std::string error;
    if (!trends::BuildTrends(bucketer.pending(), coverage.first, coverage.last, tr->options, campaigns.campaigns(),
                             &report, &error)) {
      std::fprintf(stderr, "maillens trends: %s\n", error.c_str());
      *exit_code = rc != kExitOk ? rc : kExitUsage;
      return;
    }
    std::string out;
    if (tr->format == "json") trends::RenderTrendsJson(report, &out);
    else if (tr->format == "html") trends::RenderTrendsHtml(report, &out);
    else trends::RenderTrendsText(report, &out);
    *exit_code = WriteOutput(tr->output, out, "trends") ? rc : kExitUsage;
  });

  auto an = std::make_shared<AnomalyArgs>();
  CLI::App* cmd = AddOneShotCommand(app, "anomalies",
                            "Anomalies against the seasonal baseline (same slot 1-3 days and 1-3 weeks back): "
                            "volume, rejects, queue, per-domain bounce/deferral ratio, SASL users",
                            an.get(), {"text", "json"});
  cmd->add_option("--since", an->since, "Only report slots from this time on (earlier input is history)");
  cmd->add_option("--k", an->options.baseline.k, "Band half-width in robust standard deviations")
      ->capture_default_str()->check(CLI::Range(0.5, 100.0));
  cmd->add_option("--factor", an->options.baseline.factor,
                  "Flagged values are also at least this many times (at most 1/this of) expected")
      ->capture_default_str()->check(CLI::Range(1.0, 1000.0));
  cmd->add_option("--min-volume", an->options.min_volume, "Volume spikes: at least this many per 10 minutes")
      ->capture_default_str();
  cmd->add_option("--min-attempts", an->options.min_attempts,
                  "Domain ratios: at least this many delivery attempts in the hour so far")->capture_default_str();
  cmd->add_option("--min-user-volume", an->options.min_user_volume,
                  "SASL users: at least this many messages in the hour so far")->capture_default_str();
  cmd->add_option("--exec", an->exec,
                  "Run PROGRAM for each anomaly (alert action: MAILLENS_ALERT_* environment, JSON on stdin)");
  cmd->add_flag("--no-weekly", an->no_weekly, "Leave out the weekly lags (1-3 weeks back): for logs under 3 weeks");
  cmd->callback([an, exit_code]() {
    int64_t since = INT64_MIN;
    if (!TimeArg("anomalies", "--since", an->since, &since)) {
      *exit_code = kExitUsage;
      return;
    }
    trends::AnomalyOptions o = an->options;
    if (an->no_weekly) o.baseline.weekly_lags = false, o.baseline.min_weekly_lags = 0, o.baseline.min_lags = 3;
    trends::AnomalySink sink(o, since);
    std::unique_ptr<AnomalyNotifier> notifier;
    if (!an->exec.empty()) {
      notifier = std::make_unique<AnomalyNotifier>(an->exec);
      sink.detector().on_anomaly = [&notifier](const trends::Anomaly& a) { notifier->Notify(a); };
    }
    bool read;
    int rc = RunOneShot(*an, {&sink}, &read);
    if (!read) {
      *exit_code = rc;
      return;
    }
    sink.Finish();
    std::string out;
    if (an->format == "json") trends::RenderAnomaliesJson(sink.detector(), &out);
    else trends::RenderAnomaliesText(sink.detector(), &out);
    if (!WriteOutput(an->output, out, "anomalies")) {
      *exit_code = kExitUsage;
      return;
    }
    // Like `check`: 1 when something was found (input problems: 2 is usage, so 3 here would clash).
    *exit_code = rc != kExitOk ? rc : sink.detector().anomalies().empty() ? kExitOk : kExitInputProblem;
  });
}

}  // namespace maillens::cli
