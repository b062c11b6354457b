// guard_command.cc - `maillens guard`: match lines, count, ban, report, act.
#include "cli/guard_command.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/input_runner.h"
#include "cli/qshape_command.h"
#include "guard/actions.h"
#include "guard/ban_engine.h"
#include "guard/detector.h"
#include "guard/matcher.h"
#include "io/byte_source.h"
#include "io/input_set.h"
#include "pipeline/input_order.h"
#include "lines/line_reader.h"
#include "util/json_writer.h"
#include "util/text_escape.h"
#include "util/duration.h"

namespace maillens::cli {

namespace {

struct StoredMatch {
  int64_t time;
  std::string ip, user, line;
  guard::Source source;
};

// ISO 8601 local time with its offset ("2026-11-22T09:00:00+01:00").
std::string IsoTime(int64_t epoch) {
  if (epoch < 0) return "never";
  time_t t = static_cast<time_t>(epoch);
  struct tm tm;
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string s = buf;
  if (s.size() > 5) s.insert(s.size() - 2, ":");
  return s;
}

}  // namespace

bool BuildGuardConfig(const GuardArgs& a, guard::MatcherOptions* mo, guard::BanPolicy* policy, std::string* error) {
  auto fail = [error](const std::string& what) {
    *error = what;
    return false;
  };
  if (!guard::ParseFilter(a.filter, &mo->filter)) return fail("unknown --filter " + a.filter);
  if (!guard::ParseMode(a.mode, &mo->mode)) return fail("unknown --mode " + a.mode);
  mo->compat_1_0 = a.compat_1_0;
  if (a.maxretry < 1) return fail("--maxretry must be at least 1");
  policy->maxretry = a.maxretry;
  if (!ParseDuration(a.findtime, &policy->findtime) || policy->findtime <= 0) return fail("bad --findtime " + a.findtime);
  if (!ParseDuration(a.bantime, &policy->bantime) || policy->bantime == 0) return fail("bad --bantime " + a.bantime);
  if (!a.maxtime.empty() && !ParseDuration(a.maxtime, &policy->maxtime))
    return fail("bad --bantime-maxtime " + a.maxtime);
  policy->increment = a.increment;
  policy->factor = a.factor;
  for (const std::string& list : a.ignoreip) {  // fail2ban's ignoreip: a list split by spaces (or commas)
    std::string c;
    for (size_t i = 0; i <= list.size(); ++i) {
      if (i < list.size() && list[i] != ' ' && list[i] != ',') {
        c += list[i];
        continue;
      }
      if (!c.empty() && !policy->ignore.Add(c)) return fail("bad --ignoreip " + c);
      c.clear();
    }
  }
  return true;
}

int RunGuard(const GuardArgs& a) {
  auto usage = [](const std::string& what) {
    std::fprintf(stderr, "maillens guard: %s\n", TerminalSafe(what).c_str());
    return kExitUsage;
  };
  guard::MatcherOptions mo;
  guard::BanPolicy policy;
  std::string error;
  if (!BuildGuardConfig(a, &mo, &policy, &error)) return usage(error);
  guard::ActionConfig action;
  if (!guard::ParseAction(a.action, &action)) return usage("bad --action " + a.action);
  int64_t now = std::time(nullptr);
  if (!a.now.empty() && !ParseReferenceTime(a.now, &now)) return usage("bad --now " + a.now);

  const std::vector<std::string> paths = a.files.empty() ? std::vector<std::string>{"-"} : a.files;
  const int64_t reference = NewestMtime(paths);
  mo.year.reference_epoch = reference;
  mo.year.fixed_year = a.year;
  guard::Detector detector(mo, policy);
  guard::BanEngine& engine = detector.bans();
  if (!a.state.empty()) {
    std::ifstream in(a.state);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      Status st = engine.Load(ss.str());
      if (!st.ok()) {
        std::fprintf(stderr, "maillens guard: %s: %s\n", TerminalSafe(a.state).c_str(),
                     TerminalSafe(st.message()).c_str());
        return kExitInputProblem;
      }
    }
  }

  StderrReporter reporter;
  std::vector<StoredMatch> matches;
  const auto& users = detector.users();
  uint64_t lines = 0, match_count = 0;
  bool failed = false;
  size_t given = 0, opened = 0;
  for (const std::string& path : OrderInputs(paths, reference)) {
    std::unique_ptr<ByteSource> src;
    ++given;
    Status st = OpenByteSource(path, &reporter, &src);
    if (!st.ok()) {
      reporter.Report(Reporter::Severity::kFailed, path, -1, DescribeInputFailure(path, st.message()));
      failed = true;
      continue;
    }
    ++opened;
    src = ReadAhead(std::move(src));
    LineReader reader(src.get(), &reporter);
    std::string_view line;
    guard::Match m;
    int new_ban;
    while (reader.Next(&line)) {
      if (!detector.OnLine(line, &m, &new_ban)) continue;
      ++match_count;  // --no-matches hides the lines, not their count
      if (!a.no_matches) matches.push_back({m.time, std::string(m.ip), std::string(m.user), std::string(line), m.source});
    }
    lines += reader.lines();
  }
  const bool damaged = reporter.Finish();
  if (opened == 0) {
    // Nothing read: no all-zero answer that looks like a quiet log.
    std::fprintf(stderr, "maillens: no input could be read; nothing to report\n");
    return kExitInputProblem;
  }
  if (opened < given) std::fprintf(stderr, "maillens: read %zu of %zu inputs\n", opened, given);

  // Actions: the bans still running at `now`.
  std::vector<std::string> commands;
  for (const guard::Ban& b : engine.bans()) {
    if (!engine.IsBanned(b.ip, now) || detector.policy().ignore.Contains(b.ip)) continue;
    std::vector<std::string> argv = guard::BanCommand(action, b, now);
    if (argv.empty()) continue;
    commands.push_back(guard::ShellQuote(argv));
    if (a.execute && guard::RunCommand(argv) != 0) {
      std::fprintf(stderr, "maillens guard: action failed: %s\n", TerminalSafe(commands.back()).c_str());
      failed = true;
    }
  }

  std::string out;
  if (a.format == "json") {
    JsonWriter w(&out);
    w.BeginObject();
    w.Field("lines", lines);
    w.Field("match_count", match_count);
    w.Key("filter").String(a.filter).Key("mode").String(guard::ModeName(mo.mode));
    w.Key("matches").BeginArray();
    for (const StoredMatch& m : matches) {
      w.BeginObject().Field("time", IsoTime(m.time)).Field("ip", m.ip).Field("user", m.user)
          .Field("source", guard::SourceName(m.source)).Field("line", m.line).EndObject();
    }
    w.EndArray();
    w.Key("bans").BeginArray();
    for (const guard::Ban& b : engine.bans()) {
      w.BeginObject().Field("ip", b.ip).Field("start", IsoTime(b.start)).Field("end", IsoTime(b.end))
          .Key("start_epoch").Int(b.start).Key("end_epoch").Int(b.end)
          .Key("failures").Int(b.failures).Key("count").Int(b.count).EndObject();
    }
    w.EndArray();
    w.Key("users").BeginArray();
    std::vector<std::pair<std::string, const guard::UserTally*>> us;
    for (const auto& [u, t] : users) us.emplace_back(u, &t);
    std::sort(us.begin(), us.end());
    for (const auto& [u, t] : us)
      w.BeginObject().Field("user", u).Field("failures", t->failures).Field("ips", uint64_t{t->ips.size()})
          .Key("flagged").Int(t->flagged).Field("first_flagged", t->flagged ? IsoTime(t->first_flagged) : "")
          .EndObject();
    w.EndArray();
    w.Key("actions").BeginArray();
    for (const std::string& c : commands) w.String(c);
    w.EndArray();
    w.Key("dry_run").Bool(!a.execute);
    w.EndObject();
    out += "\n";
  } else {
    char buf[128];
    std::snprintf(buf, sizeof buf, "Lines: %llu  Matches: %zu  Bans: %zu\n",
                  static_cast<unsigned long long>(lines), static_cast<size_t>(match_count), engine.bans().size());
    out += buf;
    if (!matches.empty()) out += "\nMatches (time ip user source line):\n";
    for (const StoredMatch& m : matches) {
      out += IsoTime(m.time) + " " + m.ip + " " + (m.user.empty() ? "-" : TerminalSafe(m.user)) + " " +
             guard::SourceName(m.source) + " ";
      AppendTerminalSafe(&out, m.line);
      out += "\n";
    }
    if (!engine.bans().empty()) out += "\nBans (ip start end failures):\n";
    for (const guard::Ban& b : engine.bans())
      out += b.ip + " " + IsoTime(b.start) + " " + IsoTime(b.end) + " " + std::to_string(b.failures) + "\n";
    size_t flagged = 0;
    for (const auto& [u, t] : users) flagged += t.flagged > 0;
    if (flagged > 0) out += "\nUsers failing maxretry times within findtime (user failures addresses first):\n";
    std::vector<std::string> rows;
    for (const auto& [u, t] : users) {
      if (t.flagged == 0) continue;
      rows.push_back(TerminalSafe(u) + " " + std::to_string(t.failures) + " " + std::to_string(t.ips.size()) + " " +
                     IsoTime(t.first_flagged) + "\n");
    }
    std::sort(rows.begin(), rows.end());
    for (const std::string& r : rows) out += r;
    if (!commands.empty()) out += a.execute ? "\nActions run:\n" : "\nActions (dry run; --execute to run):\n";
    for (const std::string& c : commands) out += c + "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);

  if (!a.state.empty()) {
    std::ofstream o(a.state, std::ios::trunc);
    o << engine.Save();
    if (!o) {
      std::fprintf(stderr, "maillens guard: cannot write %s\n", TerminalSafe(a.state).c_str());
      failed = true;
    }
  }
  return (failed || damaged) ? kExitInputProblem : kExitOk;
}

void AddGuardCommand(CLI::App* app, int* exit_code) {
  auto args = std::make_shared<GuardArgs>();
  CLI::App* cmd = app->add_subcommand("guard", "Brute-force and abuse detection with fail2ban's filters and bans");
  cmd->add_option("--filter", args->filter, "Which filter: postfix, dovecot or all")
      ->check(CLI::IsMember({"postfix", "dovecot", "all"}));
  cmd->add_option("--mode", args->mode, "fail2ban filter mode: normal, more, rbl, auth, ddos, extra, aggressive, errors")
      ->check(CLI::IsMember({"normal", "more", "rbl", "auth", "ddos", "extra", "aggressive", "errors"}));
  cmd->add_option("--maxretry", args->maxretry, "Failures within findtime that ban an address");
  cmd->add_option("--findtime", args->findtime, "Counting window (N[s|m|h|d|w])");
  cmd->add_option("--bantime", args->bantime, "Ban duration (N[s|m|h|d|w]; -1 permanent)");
  cmd->add_flag("--bantime-increment", args->increment, "Longer bans for repeat offenders (bantime * 2^(n-1) * factor)");
  cmd->add_option("--bantime-factor", args->factor, "bantime.factor for --bantime-increment")->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--bantime-maxtime", args->maxtime, "Longest incremented ban");
  cmd->add_option("--ignoreip", args->ignoreip,
                  "Addresses or CIDR blocks never counted nor banned (repeat, or a list split by spaces or commas)")
      ->allow_extra_args(false);
  cmd->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--action", args->action,
                  "none, nft[:FAMILY:TABLE:SET[:SET6]], ipset[:SET[:SET6]], fail2ban[:JAIL], exec:PROGRAM");
  cmd->add_flag("--execute", args->execute, "Run the action's commands (default: dry run, print them)");
  cmd->add_option("--now", args->now, "Reference time for running bans: epoch seconds or ISO 8601");
  cmd->add_option("--state", args->state, "Load the ban state from FILE (if present) and save it back");
  cmd->add_flag("--fail2ban-1.0", args->compat_1_0, "Debian fail2ban 1.0.2's filter rules instead of upstream's");
  cmd->add_flag("--no-matches", args->no_matches, "Do not list the matched lines");
  cmd->add_option("--year", args->year, "Year of the first line (traditional time stamps have none)");
  cmd->add_option("files", args->files, "Log files (any compression; '-' or none: stdin)");
  cmd->callback([args, exit_code]() { *exit_code = RunGuard(*args); });
}

}  // namespace maillens::cli
