// check_command.cc - `maillens check`: evaluates alert rules over logs once
// and answers like a monitoring plugin.
//
// Output (Nagios plugin guidelines): the first line is
//   MAILLENS STATUS - summary | 'label'=value[UOM];warn;crit;min;max ...
// further lines list every alert that fires. The built-in figures (sent,
// deferred, bounced, rejected, received, auth failures in --window, and the
// queue when known) are always in the performance data, so `check` with no
// rules is the seeds' 5-minute cron script in one line.
#include "cli/check_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

#include <toml++/toml.h>

#include "alert/actions.h"
#include "alert/engine.h"
#include "alert/rule.h"
#include "cli/input_runner.h"
#include "cli/qshape_command.h"
#include "io/input_set.h"
#include "pipeline/pipeline.h"
#include "queue/postqueue.h"
#include "util/duration.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

constexpr int kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3;

// UNKNOWN with a reason, as plugins report their own failures.
int Unknown(const std::string& why) {
  std::printf("MAILLENS UNKNOWN - %s\n", TerminalSafe(why).c_str());
  return kUnknown;
}

// A perfdata label: quoted, without quotes or '=' inside.
std::string Label(std::string_view s) {
  std::string out = "'";
  for (unsigned char c : s) out.push_back(c == '\'' || c == '=' || c < 0x20 || c >= 0x7f ? '_' : static_cast<char>(c));
  return out + "'";
}

// A perfdata number: no exponent, no trailing zeros.
std::string Value(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// Counts per queue from a `postqueue -j` snapshot.
alert::QueueCounts CountQueue(const std::string& input, std::string* error) {
  alert::QueueCounts q;
  std::string text, source;
  if (!ReadPostqueueSnapshot(input, &text, &source, error)) return q;
  std::vector<QueuedMessage> msgs;
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &msgs, &problems);
  q.known = true;
  for (const QueuedMessage& m : msgs) {
    ++q.total;
    if (m.queue_name == "active") ++q.active;
    else if (m.queue_name == "deferred") ++q.deferred;
    else if (m.queue_name == "hold") ++q.hold;
    else if (m.queue_name == "incoming") ++q.incoming;
    else if (m.queue_name == "maildrop") ++q.maildrop;
  }
  return q;
}

}  // namespace

int RunCheck(const CheckArgs& a) {
  using alert::Counter;
  using alert::KeyDim;
  int64_t window = 0;
  if (!ParseDuration(a.window, &window) || window <= 0) return Unknown("bad --window " + a.window);
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (!a.now.empty() && !ParseReferenceTime(a.now, &now)) return Unknown("bad --now " + a.now);
  if (a.format != "nagios" && a.format != "json") return Unknown("--format is nagios or json");

  std::vector<alert::Rule> rules;
  std::vector<alert::ActionSpec> actions;
  if (!a.rules.empty()) {
    toml::table config;
    try {
      config = toml::parse_file(a.rules);
    } catch (const toml::parse_error& e) {
      return Unknown(a.rules + ": " + std::string(e.description()));
    }
    std::string error;
    if (!alert::ParseAlertConfig(config, &rules, &actions, &error)) return Unknown(a.rules + ": " + error);
  }
  alert::AlertEngine engine(std::move(rules));
  const Counter kBuiltin[] = {Counter::kSent,     Counter::kDeferred, Counter::kBounced,
                              Counter::kRejected, Counter::kReceived, Counter::kAuthFailures};
  for (Counter c : kBuiltin) engine.Track(c, KeyDim::kNone, window);

  PipelineOptions po;
  po.year.fixed_year = a.year;
  po.year.reference_epoch = NewestMtime(a.files.empty() ? std::vector<std::string>{"-"} : a.files);
  StderrReporter reporter;
  Pipeline pipeline(po, &reporter);
  pipeline.AddSink(&engine);
  int rc = RunInputs(a.files, po.year.reference_epoch, &pipeline, &reporter);
  if (rc == kExitInternal || rc == kExitUsage || (rc != kExitOk && pipeline.stats().lines == 0))
    return Unknown("no log could be read");

  alert::QueueCounts queue;
  std::string queue_error;
  if (engine.needs_queue() || !a.postqueue.empty()) queue = CountQueue(a.postqueue, &queue_error);
  std::vector<alert::Finding> findings = engine.Evaluate(now, queue);

  int status = kOk;
  std::vector<const alert::Finding*> firing;
  bool unknown = false;
  for (const alert::Finding& f : findings) {
    if (f.severity == alert::Severity::kCritical) status = kCritical;
    if (f.severity == alert::Severity::kWarning && status < kWarning) status = kWarning;
    if (f.severity == alert::Severity::kUnknown) unknown = true;
    if (f.severity == alert::Severity::kWarning || f.severity == alert::Severity::kCritical) firing.push_back(&f);
  }
  if (status == kOk && unknown) status = kUnknown;
  const char* kStatus[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

  if (a.run_actions) {
    alert::ActionRunner runner(actions, [](const std::string& e) {
      std::fprintf(stderr, "maillens check: %s\n", TerminalSafe(e).c_str());
    });
    engine.set_notifier([&runner](const alert::Notification& n) { runner.Notify(n); });
    engine.Transitions(findings, now);
  }

  auto to_notification = [now](const alert::Finding& f) {
    alert::Notification n;
    n.finding = f;
    n.time = n.since = now;
    return n;
  };
  if (a.format == "json") {
    std::string out;
    JsonWriter w(&out);
    w.BeginObject().Field("status", kStatus[status]).Key("exit_code").Int(status);
    w.Key("now").Int(now).Key("window_seconds").Int(window);
    w.Key("counts").BeginObject();
    for (Counter c : kBuiltin) w.Field(alert::CounterName(c), engine.Count(c, KeyDim::kNone, "", now - window, now));
    w.EndObject();
    if (queue.known) w.Key("queue").BeginObject().Field("total", queue.total).Field("deferred", queue.deferred)
                         .Field("active", queue.active).Field("hold", queue.hold).EndObject();
    w.Key("findings").BeginArray();
    for (const alert::Finding& f : findings) {
      w.BeginObject().Field("alert", f.rule->name).Field("severity", alert::SeverityName(f.severity))
          .Field("key", f.key);
      w.Key("value").Double(f.value).Key("critical").Double(f.critical);
      if (f.has_warning) w.Key("warning").Double(f.warning);
      if (f.baseline >= 0) w.Key("baseline").Double(f.baseline);
      w.EndObject();
    }
    w.EndArray().EndObject();
    std::printf("%s\n", out.c_str());
    return status;
  }

  std::string line = std::string("MAILLENS ") + kStatus[status] + " - ";
  std::string win = a.window;
  if (!firing.empty()) {
    line += std::to_string(firing.size()) + (firing.size() == 1 ? " alert: " : " alerts: ");
    for (size_t i = 0; i < firing.size() && i < 3; ++i) {
      if (i) line += "; ";
      line += alert::AlertLine(to_notification(*firing[i]));
    }
    if (firing.size() > 3) line += "; and " + std::to_string(firing.size() - 3) + " more";
  } else if (unknown) {
    line += "queue unknown: " + queue_error;
  } else {
    line += std::to_string(engine.Count(Counter::kSent, KeyDim::kNone, "", now - window, now)) + " sent, " +
            std::to_string(engine.Count(Counter::kDeferred, KeyDim::kNone, "", now - window, now)) + " deferred, " +
            std::to_string(engine.Count(Counter::kBounced, KeyDim::kNone, "", now - window, now)) + " bounced, " +
            std::to_string(engine.Count(Counter::kRejected, KeyDim::kNone, "", now - window, now)) +
            " rejected in the last " + win;
    if (queue.known) line += ", " + std::to_string(queue.total) + " queued";
  }
  if (rc == kExitInputProblem) line += " (some input could not be read)";
  line = TerminalSafe(line);
  for (char& c : line)
    if (c == '|') c = '/';  // '|' starts the performance data
  std::string perf;
  for (Counter c : kBuiltin) {
    perf += Label(std::string(alert::CounterName(c)) + "_" + win) + "=" +
            std::to_string(engine.Count(c, KeyDim::kNone, "", now - window, now)) + ";;;0; ";
  }
  if (queue.known) {
    perf += Label("queue_total") + "=" + std::to_string(queue.total) + ";;;0; ";
    perf += Label("queue_deferred") + "=" + std::to_string(queue.deferred) + ";;;0; ";
  }
  std::vector<std::string> seen;
  for (const alert::Finding& f : findings) {  // the worst finding of each rule (they come first)
    if (f.severity == alert::Severity::kUnknown) continue;
    if (std::find(seen.begin(), seen.end(), f.rule->name) != seen.end()) continue;
    seen.push_back(f.rule->name);
    perf += Label(f.rule->name) + "=" + Value(f.value) + ";" + (f.has_warning ? Value(f.warning) : "") + ";" +
            (f.rule->relative && f.baseline < 0 ? "" : Value(f.critical)) + ";0; ";
  }
  while (!perf.empty() && perf.back() == ' ') perf.pop_back();
  std::printf("%s | %s\n", line.c_str(), perf.c_str());
  for (const alert::Finding* f : firing) {
    std::string l = TerminalSafe(alert::AlertLine(to_notification(*f)));
    for (char& c : l)
      if (c == '|') c = '/';
    std::printf("%s\n", l.c_str());
  }
  return status;
}

void AddCheckCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app->add_subcommand(
      "check", "Evaluate alert rules over logs once: a Nagios/Icinga plugin (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)");
  cmd->add_option("--rules", args->rules, "TOML file with [[alert]] rules (doc/alerts.md)");
  cmd->add_option("--window", args->window, "Window of the built-in figures (sent, deferred, ...): 5m, 1h, ...")
      ->capture_default_str();
  cmd->add_option("--now", args->now, "Reference time: epoch seconds or ISO 8601 (default: the current time)");
  cmd->add_option("--postqueue", args->postqueue,
                  "A saved `postqueue -j` output for queue rules ('-': stdin; default: run postqueue -j)");
  cmd->add_option("--format", args->format, "nagios (status line + perfdata) or json")->capture_default_str();
  cmd->add_flag("--run-actions", args->run_actions, "Also run the actions of the rules that fire");
  cmd->add_option("--year", args->year, "Year of traditional timestamps (default: from the newest file's mtime)");
  cmd->add_option("files", args->files, "Log files, rotated sets, compressed (default: stdin)");
  cmd->callback([args, exit_code]() { *exit_code = RunCheck(*args); });
}

}  // namespace maillens::cli
