// serve_command.cc - `maillens serve`: reads the configuration (flags win
// over the TOML file), builds the live consumers and runs the Server until
// SIGTERM/SIGINT.
//
// The TOML file (packaging/maillens.toml, doc/serve.md):
//   [serve]   listen, files, syslog_name, metrics_compat, metrics_service_labels,
//             journal, journal_units, journal_directory,
//             checkpoint, checkpoint_interval, from_start,
//             token, tls_cert, tls_key, postqueue, queue, queue_interval, summary_retention
//   [[alert]] and [alert_action.NAME]   alert rules (doc/alerts.md)
//   [guard]   filter, mode, maxretry, findtime, bantime, ignoreip, action
//             (doc/guard.md; bans are kept in the checkpoint)
//   [metrics] top_domains, domain_min_deliveries, max_rbl_names (doc/metrics.md)
//   [ship]    url, spool, spool_max_mb, batch_mb, compress, user (doc/clickhouse.md)
//   [history] enabled, path, minutes_days, hours_days (doc/history.md)
#include "cli/serve_command.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>

#include <toml++/toml.h>

#include "alert/actions.h"
#include "alert/engine.h"
#include "alert/rule.h"
#include "cli/guard_command.h"
#include "cli/input_runner.h"
#include "cli/qshape_command.h"
#include "guard/actions.h"
#include "guard/detector.h"
#include "metrics/exporter_compat.h"
#include "metrics/postfix_metrics.h"
#include "serve/server.h"
#include "ship/shipper.h"
#include "util/duration.h"
#include "util/text_escape.h"

namespace maillens::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

int Usage(const std::string& what) {
  std::fprintf(stderr, "maillens serve: %s\n", TerminalSafe(what).c_str());
  return kExitUsage;
}

// The shipper's options from [ship] and --ship / --ship-spool; false with
// *error. No shipping when neither names a URL.
bool ShipConfig(const toml::table& config, const ServeArgs& a, const std::string& checkpoint,
                std::optional<ship::ShipOptions>* out, std::string* error) {
  ship::ShipOptions so;
  std::string url = a.ship, spool = a.ship_spool;
  if (const toml::table* t = config["ship"].as_table()) {
    for (const auto& [k, v] : *t) {
      std::string_view key = k.str();
      bool ok = true;
      if (key == "url") ok = v.is_string(), url = url.empty() ? v.value_or(std::string()) : url;
      else if (key == "spool") ok = v.is_string(), spool = spool.empty() ? v.value_or(std::string()) : spool;
      else if (key == "user") ok = v.is_string(), so.clickhouse.user = v.value_or(std::string());
      else if (key == "spool_max_mb") ok = v.is_integer() && v.value_or(int64_t{0}) > 0,
                                      so.spool.max_bytes = static_cast<uint64_t>(v.value_or(int64_t{1024})) << 20;
      else if (key == "batch_mb") ok = v.is_integer() && v.value_or(int64_t{0}) > 0,
                                  so.clickhouse.batch_bytes = static_cast<size_t>(v.value_or(int64_t{8})) << 20;
      else if (key == "compress") ok = v.is_string() && (v.value_or(std::string()) == "gzip" ||
                                                          v.value_or(std::string()) == "none"),
                                  so.clickhouse.gzip = v.value_or(std::string()) != "none";
      else return *error = "[ship]: unknown key '" + std::string(key) + "'", false;
      if (!ok) return *error = "[ship]." + std::string(key) + " has the wrong type or value", false;
    }
  }
  if (url.empty()) return true;
  if (!ship::ParseShipUrl(url, &so.clickhouse, error)) return *error = "--ship: " + *error, false;
  if (checkpoint.empty()) return *error = "--ship needs --checkpoint (the spool and the checkpoint move together)", false;
  if (const char* pw = std::getenv("CLICKHOUSE_PASSWORD")) so.clickhouse.password = pw;
  so.spool.dir = spool.empty() ? checkpoint + ".spool" : spool;
  // Segments small enough for the size limit to bite (it drops whole segments).
  so.spool.segment_bytes = std::clamp<uint64_t>(so.spool.max_bytes / 4, 1 << 20, 64 << 20);
  *out = std::move(so);
  return true;
}

// A string or a list of strings from `t[key]`, appended to *out.
bool Strings(const toml::table& t, const char* key, std::vector<std::string>* out) {
  const toml::node* n = t.get(key);
  if (!n) return true;
  if (auto s = n->value<std::string>()) {
    out->push_back(*s);
    return true;
  }
  const toml::array* a = n->as_array();
  if (!a) return false;
  for (const auto& e : *a) {
    if (!e.is_string()) return false;
    out->push_back(e.value_or(std::string()));
  }
  return true;
}

// Splits "host:port" ("[v6]:port" too).
bool ParseListen(const std::string& s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = s.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  char* end = nullptr;
  long p = std::strtol(s.c_str() + colon + 1, &end, 10);
  // ":PORT", postfix_exporter's spelling: every IPv4 address, as there.
  if (h.empty() && colon == 0) h = "0.0.0.0";
  if (h.empty() || *end != '\0' || p < 0 || p > 65535) return false;
  *host = h;
  *port = static_cast<int>(p);
  return true;
}

// [history]: the store's path (default: history.sqlite next to the
// checkpoint) and retention. *error: what is wrong.
bool HistoryConfig(const toml::table& config, const std::string& file, ServeOptions* o, std::string* error) {
  const toml::table* h = config["history"].as_table();
  if (!h) return true;
  bool enabled = true;
  std::string path;
  for (const auto& [k, v] : *h) {
    std::string_view key = k.str();
    bool ok = true;
    if (key == "enabled") ok = v.is_boolean(), enabled = v.value_or(true);
    else if (key == "path") ok = v.is_string(), path = v.value_or(std::string());
    else if (key == "minutes_days")
      ok = v.is_integer() && (o->history_retention.minutes_days = v.value_or(int64_t{14})) > 0;
    else if (key == "hours_days") ok = v.is_integer() && (o->history_retention.hours_days = v.value_or(int64_t{400})) > 0;
    else return *error = file + ": [history]: unknown key '" + std::string(key) + "'", false;
    if (!ok) return *error = file + ": [history]." + std::string(key) + " has the wrong type (days: a count > 0)", false;
  }
  if (!enabled) return true;
  if (path.empty() && !o->checkpoint.empty()) {
    size_t sl = o->checkpoint.rfind('/');
    path = (sl == std::string::npos ? std::string() : o->checkpoint.substr(0, sl + 1)) + "history.sqlite";
  }
  if (path.empty()) return *error = file + ": [history] needs a path (or a checkpoint to put it beside)", false;
  o->history = path;
  return true;
}

}  // namespace

int RunServe(ServeArgs a) {
  toml::table config;
  if (!a.config.empty()) {
    try {
      config = toml::parse_file(a.config);
    } catch (const toml::parse_error& e) {
      return Usage(a.config + ": " + std::string(e.description()));
    }
  }
  ServeOptions o;
  std::vector<std::string> units;
  std::string listen = "127.0.0.1:9154";
  int64_t interval = 5;
  if (const toml::table* s = config["serve"].as_table()) {
    for (const auto& [k, v] : *s) {
      std::string_view key = k.str();
      bool ok = true;
      if (key == "listen") ok = v.is_string(), listen = v.value_or(listen);
      else if (key == "files") ok = Strings(*s, "files", &o.files);
      else if (key == "syslog_name")
        ok = v.is_string(), o.pipeline.parser.syslog_name = v.value_or(std::string());
      else if (key == "metrics_compat")
        ok = v.is_string(), a.metrics_compat = a.metrics_compat.empty() ? v.value_or(std::string()) : a.metrics_compat;
      else if (key == "metrics_service_labels")
        ok = a.metrics_service_labels.empty() ? Strings(*s, "metrics_service_labels", &a.metrics_service_labels) : true;
      else if (key == "journal") ok = v.is_boolean(), o.journal = v.value_or(false);
      else if (key == "journal_units") ok = Strings(*s, "journal_units", &units);
      else if (key == "journal_directory")
        ok = v.is_string(), o.journal_options.directory = v.value_or(std::string());
      else if (key == "checkpoint") ok = v.is_string(), o.checkpoint = v.value_or(std::string());
      else if (key == "checkpoint_interval")
        ok = v.is_string() ? ParseDuration(v.value_or(std::string()), &interval) : (interval = v.value_or(int64_t{5}), true);
      else if (key == "from_start") ok = v.is_boolean(), o.from_start = v.value_or(false);
      else if (key == "token") ok = v.is_string(), o.token = v.value_or(std::string());
      else if (key == "tls_cert") ok = v.is_string(), o.tls_cert = v.value_or(std::string());
      else if (key == "tls_key") ok = v.is_string(), o.tls_key = v.value_or(std::string());
      else if (key == "postqueue") ok = v.is_string(), o.postqueue = v.value_or(std::string());
      else if (key == "queue") ok = v.is_boolean(), o.queue = v.value_or(true);
      else if (key == "queue_interval")
        ok = v.is_string() ? ParseDuration(v.value_or(std::string()), &o.queue_cache)
                           : (o.queue_cache = v.value_or(int64_t{15}), v.is_integer());
      else if (key == "summary_retention")
        ok = v.is_string() && ParseDuration(v.value_or(std::string()), &o.summary_retention) && o.summary_retention > 0;
      else return Usage(a.config + ": [serve]: unknown key '" + std::string(key) + "'");
      if (!ok) return Usage(a.config + ": [serve]." + std::string(key) + " has the wrong type");
    }
  }
  // Flags win over the file.
  if (!a.listen.empty()) listen = a.listen;
  if (!a.files.empty()) o.files = a.files;
  if (a.from_start) o.from_start = true;
  if (a.from_end) o.from_start = false;
  if (!a.checkpoint.empty()) o.checkpoint = a.checkpoint;
  if (std::string error; !HistoryConfig(config, a.config, &o, &error)) return Usage(error);
  if (!a.history.empty()) o.history = a.history;
  if (!a.token.empty()) o.token = a.token;
  if (!a.tls_cert.empty()) o.tls_cert = a.tls_cert;
  if (!a.tls_key.empty()) o.tls_key = a.tls_key;
  if (!a.postqueue.empty()) o.postqueue = a.postqueue;
  if (a.no_queue) o.queue = false;
  if (!a.queue_interval.empty() && !ParseDuration(a.queue_interval, &o.queue_cache))
    return Usage("bad --queue-interval " + a.queue_interval);
  o.queue_cache = std::max<int64_t>(1, o.queue_cache);
  o.checkpoint_interval = std::max<int64_t>(1, interval);
  if (!ParseListen(listen, &o.host, &o.port)) return Usage("bad listen address " + listen);
  if (a.journal) o.journal = true;
  if (!a.journal_units.empty()) units = a.journal_units;
  if (!units.empty()) o.journal_options.units = units;
  if (!a.journal_directory.empty()) o.journal_options.directory = a.journal_directory;
  if (o.journal && !a.files.empty()) return Usage("--journal follows the journal: no log files as well");
  if (o.journal) o.files.clear();
  if (!o.journal && o.files.empty()) return Usage("no log files to follow (arguments or [serve] files)");
  if (o.tls_cert.empty() != o.tls_key.empty()) return Usage("TLS needs both a certificate and a key");
  if (!a.syslog_name.empty()) o.pipeline.parser.syslog_name = a.syslog_name;
  o.pipeline.year.fixed_year = a.year;
  int64_t wall = static_cast<int64_t>(std::time(nullptr)), now = wall;
  if (!a.now.empty() && !ParseReferenceTime(a.now, &now)) return Usage("bad --now " + a.now);
  o.clock_offset = now - wall;
  o.pipeline.year.reference_epoch = now;

  // Alert rules.
  std::vector<alert::Rule> rules;
  std::vector<alert::ActionSpec> actions;
  std::string error;
  if (!alert::ParseAlertConfig(config, &rules, &actions, &error)) return Usage(a.config + ": " + error);
  // Guard.
  std::unique_ptr<guard::Detector> detector;
  guard::ActionConfig ban_action;
  bool execute = false;
  if (const toml::table* g = config["guard"].as_table()) {
    GuardArgs ga;
    for (const auto& [k, v] : *g) {
      std::string_view key = k.str();
      bool ok = true;
      if (key == "filter") ok = v.is_string(), ga.filter = v.value_or(ga.filter);
      else if (key == "mode") ok = v.is_string(), ga.mode = v.value_or(ga.mode);
      else if (key == "maxretry") ok = v.is_integer(), ga.maxretry = static_cast<int>(v.value_or(int64_t{5}));
      else if (key == "findtime") ok = v.is_string(), ga.findtime = v.value_or(ga.findtime);
      else if (key == "bantime") ok = v.is_string(), ga.bantime = v.value_or(ga.bantime);
      else if (key == "bantime_increment") ok = v.is_boolean(), ga.increment = v.value_or(false);
      else if (key == "bantime_factor") ok = v.is_number(), ga.factor = v.value_or(1.0);
      else if (key == "bantime_maxtime") ok = v.is_string(), ga.maxtime = v.value_or(std::string());
      else if (key == "ignoreip") ok = Strings(*g, "ignoreip", &ga.ignoreip);
      else if (key == "action") ok = v.is_string(), ga.action = v.value_or(ga.action);
      else if (key == "execute") ok = v.is_boolean(), execute = v.value_or(false);
      else return Usage(a.config + ": [guard]: unknown key '" + std::string(key) + "'");
      if (!ok) return Usage(a.config + ": [guard]." + std::string(key) + " has the wrong type");
    }
    guard::MatcherOptions mo;
    guard::BanPolicy policy;
    if (!BuildGuardConfig(ga, &mo, &policy, &error)) return Usage(a.config + ": [guard]: " + error);
    if (!guard::ParseAction(ga.action, &ban_action)) return Usage(a.config + ": [guard]: bad action " + ga.action);
    mo.year = o.pipeline.year;
    detector = std::make_unique<guard::Detector>(mo, policy);
  }

  std::optional<ship::ShipOptions> ship_options;
  if (!ShipConfig(config, a, o.checkpoint, &ship_options, &error)) return Usage(error);

  StderrReporter reporter;
  Server server(o, &reporter);
  alert::AlertEngine alerts(std::move(rules));
  alert::ActionRunner runner(actions, [](const std::string& e) {
    std::fprintf(stderr, "maillens serve: %s\n", TerminalSafe(e).c_str());
  });
  alerts.set_notifier([&runner](const alert::Notification& n) {
    std::fprintf(stderr, "maillens serve: alert %s\n", TerminalSafe(alert::AlertLine(n)).c_str());
    runner.Notify(n);
  });
  // Queue rules: never `postqueue -j` with the queue off, and at most once per
  // queue_interval otherwise (alert rules are evaluated every second).
  if (o.queue) {
    struct QueueCache {
      std::chrono::steady_clock::time_point at;
      bool have = false;
      alert::QueueCounts counts;
    };
    auto cache = std::make_shared<QueueCache>();
    alerts.set_queue_source([pq = o.postqueue, every = std::chrono::seconds(o.queue_cache), cache]() {
      auto now = std::chrono::steady_clock::now();
      if (!cache->have || now - cache->at >= every) {
        std::string err;
        cache->counts = alert::CountQueues(pq, &err);
        cache->at = now;
        cache->have = true;
      }
      return cache->counts;
    });
  } else if (alerts.needs_queue()) {
    std::fprintf(stderr, "maillens serve: the queue is off (--no-queue or queue = false): queue.* alert rules see 0\n");
  }
  // postfix_exporter-compatible families and ours (doc/metrics.md).
  MetricsOptions mo;
  if (const toml::table* m = config["metrics"].as_table()) {
    for (const auto& [k, v] : *m) {
      std::string_view key = k.str();
      const int64_t n = v.value_or(int64_t{-1});
      if (!v.is_integer() || n < 0) return Usage(a.config + ": [metrics]." + std::string(key) + " must be a count");
      if (key == "top_domains") mo.top_domains = static_cast<size_t>(n);
      else if (key == "domain_min_deliveries") mo.domain_min_deliveries = static_cast<uint64_t>(n);
      else if (key == "max_rbl_names") mo.max_rbl_names = static_cast<size_t>(n);
      else return Usage(a.config + ": [metrics]: unknown key '" + std::string(key) + "'");
    }
  }
  MetricsCompat compat = MetricsCompat::kNone;
  if (!ParseMetricsCompat(a.metrics_compat, &compat))
    return Usage("metrics_compat must be kumina or hsn723, not '" + a.metrics_compat + "'");
  PostfixMetrics metrics(mo);
  ExporterCompatMetrics exporter(compat);
  if (!ApplyServiceLabels(a.metrics_service_labels, &exporter, &error)) return Usage(error);
  server.AddSink(compat == MetricsCompat::kNone ? static_cast<LiveSink*>(&metrics) : &exporter);
  if (compat == MetricsCompat::kNone) server.SetMetrics(&metrics);  // the dashboard's latency percentiles
  if (!alerts.rules().empty()) server.AddSink(&alerts);
  std::unique_ptr<ship::Shipper> shipper;
  if (ship_options) {
    shipper = std::make_unique<ship::Shipper>(*ship_options);
    server.AddSink(shipper.get());
    server.AddListener(shipper.get());
  }
  if (detector) {
    server.SetGuard(detector.get());
    if (ban_action.kind != guard::ActionConfig::Kind::kNone)
      server.SetBanHook([&ban_action, execute](const guard::Ban& ban, int64_t now) {
        std::vector<std::string> argv = guard::BanCommand(ban_action, ban, now);
        if (argv.empty()) return;
        if (!execute) {
          std::fprintf(stderr, "maillens serve: would run: %s\n", TerminalSafe(guard::ShellQuote(argv)).c_str());
        } else if (guard::RunCommand(argv) != 0) {
          std::fprintf(stderr, "maillens serve: ban command failed: %s\n",
                       TerminalSafe(guard::ShellQuote(argv)).c_str());
        }
      });
  }
  std::signal(SIGTERM, OnStop);
  std::signal(SIGINT, OnStop);
  std::signal(SIGPIPE, SIG_IGN);
  return server.Run(&g_stop);
}

void AddServeCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app->add_subcommand(
      "serve", "Follow logs live: Prometheus /metrics, a dashboard (/ui/) and its JSON API, alert rules, guard; checkpointed across restarts");
  cmd->add_option("--config", args->config, "TOML configuration ([serve], [[alert]], [alert_action.*], [guard])");
  // --web.listen-address: postfix_exporter's spelling, accepted as is.
  cmd->add_option("--listen,--web.listen-address", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:9154; port 0: any; :PORT: every address)");
  cmd->add_flag("--from-start", args->from_start, "Read what the files hold already (default: only new lines)");
  cmd->add_flag("--from-end", args->from_end, "Only new lines (the default; overrides the config file)");
  cmd->add_option("--checkpoint", args->checkpoint, "State file: positions and counters, written every few seconds");
  cmd->add_option("--history", args->history,
                  "History store (SQLite): per-minute and per-hour counts for /api/history (doc/history.md)");
  cmd->add_option("--token", args->token, "Bearer token required by /metrics and /api/ (the dashboard asks for it once)");
  cmd->add_option("--tls-cert", args->tls_cert, "PEM certificate: serve HTTPS");
  cmd->add_option("--tls-key", args->tls_key, "PEM private key for --tls-cert");
  cmd->add_option("--postqueue", args->postqueue, "A saved `postqueue -j` output (default: run postqueue -j)");
  cmd->add_flag("--no-queue", args->no_queue, "Do not read the queue");
  cmd->add_option("--queue-interval", args->queue_interval,
                  "Run postqueue -j at most this often, for /metrics and queue alert rules (default 15s)");
  cmd->add_option("--year", args->year, "Year of traditional timestamps (default: the current year)");
  cmd->add_option("--now", args->now,
                  "Start the clock at TIME (doc/time.md: epoch, ISO 8601, ...), for replays of old logs and tests; it then advances "
                  "with the wall clock (windows, /api/summary, alert ticks, ban times)");
  cmd->add_option("--syslog-name", args->syslog_name, "Also treat this syslog name as Postfix (multi-instance)");
  cmd->add_option("--metrics-compat", args->metrics_compat,
                  "Expose exactly one exporter's series instead of maillens' set (doc/metrics.md)")
      ->check(CLI::IsMember({"kumina", "hsn723"}));
  cmd->add_option("--metrics-service-label", args->metrics_service_labels,
                  "With --metrics-compat hsn723: TYPE=NAME reads postfix/NAME as TYPE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--journal", args->journal,
                "Follow the systemd journal (units postfix.service, postfix@-.service, dovecot.service) instead of files");
  cmd->add_option("--journal-unit", args->journal_units,
                  "A systemd unit to read from the journal (repeatable; replaces the default units; * for all)");
  cmd->add_option("--journal-directory", args->journal_directory,
                  "Read the journal files of this directory (e.g. a container's /var/log/journal)");
  cmd->add_option("--ship", args->ship,
                  "Ship export records live to ClickHouse: clickhouse://HOST[:PORT][/DATABASE] (needs --checkpoint; "
                  "doc/clickhouse.md)");
  cmd->add_option("--ship-spool", args->ship_spool,
                  "--ship: directory of the on-disk spool (default: the checkpoint's path + .spool)");
  cmd->add_option("files", args->files, "Log files or globs to follow");
  cmd->callback([args, exit_code]() { *exit_code = RunServe(*args); });
}

}  // namespace maillens::cli
