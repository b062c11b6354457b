// actions.cc - exec, mail and webhook actions for alert notifications.
#include "alert/actions.h"

#include <httplib.h>

#include <cstdio>
#include <ctime>

#include "util/duration.h"
#include "util/json_writer.h"
#include "util/process.h"
#include "util/text_escape.h"

namespace maillens::alert {

namespace {

// A number as alerts print it: integers without decimals.
std::string Num(double v) {
  char buf[64];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string Iso(int64_t t) { return FormatEpoch(t, "%Y-%m-%dT%H:%M:%SZ", true); }

// Printable ASCII only (for a mail header or an environment value).
std::string Plain(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  return out;
}

}  // namespace

std::string AlertJson(const Notification& n) {
  const Finding& f = n.finding;
  std::string out;
  JsonWriter w(&out, false);
  w.BeginObject()
      .Field("alert", f.rule->name)
      .Field("status", NotificationKindName(n.kind))
      .Field("severity", n.kind == Notification::Kind::kResolved ? "OK" : SeverityName(f.severity))
      .Field("expr", f.rule->expr)
      .Field("key_type", KeyDimName(f.rule->key))
      .Field("key", f.key);
  w.Key("value").Double(f.value);
  w.Key("critical").Double(f.critical);
  if (f.has_warning) w.Key("warning").Double(f.warning);
  if (f.baseline >= 0) w.Key("baseline").Double(f.baseline);
  w.Field("time", Iso(n.time)).Field("since", Iso(n.since));
  w.EndObject();
  return out;
}

std::string AlertLine(const Notification& n) {
  const Finding& f = n.finding;
  std::string s = n.kind == Notification::Kind::kResolved ? "RESOLVED" : SeverityName(f.severity);
  s += ' ';
  s += f.rule->name;
  if (!f.key.empty()) {
    s += " [";
    s += KeyDimName(f.rule->key);
    s += ' ';
    AppendTerminalSafe(&s, f.key);
    s += ']';
  }
  s += ": " + Num(f.value);
  if (n.kind != Notification::Kind::kResolved) {
    s += std::string(" ") + CmpText(f.rule->cmp) + " ";
    s += Num(f.severity == Severity::kWarning ? f.warning : f.critical);
  }
  if (f.baseline >= 0) s += " (a week ago: " + Num(f.baseline) + ")";
  return s;
}

void ActionRunner::Notify(const Notification& n) {
  for (const std::string& name : n.finding.rule->actions)
    for (const ActionSpec& a : actions_)
      if (a.name == name) Run(a, n);
}

void ActionRunner::Run(const ActionSpec& a, const Notification& n) {
  const Finding& f = n.finding;
  std::string json = AlertJson(n);
  switch (a.type) {
    case ActionSpec::Type::kExec: {
      std::vector<std::pair<std::string, std::string>> env = {
          {"MAILLENS_ALERT", Plain(f.rule->name)},
          {"MAILLENS_STATUS", NotificationKindName(n.kind)},
          {"MAILLENS_SEVERITY", n.kind == Notification::Kind::kResolved ? "OK" : SeverityName(f.severity)},
          {"MAILLENS_KEY", Plain(f.key)},
          {"MAILLENS_VALUE", Num(f.value)},
          {"MAILLENS_THRESHOLD", Num(f.severity == Severity::kWarning ? f.warning : f.critical)},
          {"MAILLENS_EXPR", Plain(f.rule->expr)},
      };
      int rc = RunProcess(a.command, env, json + "\n");
      if (rc != 0) on_error_("alert action " + a.name + ": command exited with status " + std::to_string(rc));
      break;
    }
    case ActionSpec::Type::kMail: {
      std::string subject = "[maillens] " + Plain(AlertLine(n));
      std::string msg = "To: " + Plain(a.to) + "\nSubject: " + subject +
                        "\nContent-Type: text/plain; charset=utf-8\nAuto-Submitted: auto-generated\n\n" +
                        Plain(AlertLine(n)) + "\n\n" + json + "\n";
      int rc = RunProcess({a.sendmail, "-t", "-i"}, {}, msg);
      if (rc != 0) on_error_("alert action " + a.name + ": sendmail exited with status " + std::to_string(rc));
      break;
    }
    case ActionSpec::Type::kWebhook: {
      size_t scheme_end = a.url.find("://");
      size_t path = a.url.find('/', scheme_end + 3);
      std::string base = a.url.substr(0, path);
      std::string target = path == std::string::npos ? "/" : a.url.substr(path);
      httplib::Client cli(base);
      cli.set_connection_timeout(static_cast<time_t>(a.timeout), 0);
      cli.set_read_timeout(static_cast<time_t>(a.timeout), 0);
      cli.set_write_timeout(static_cast<time_t>(a.timeout), 0);
      if (!a.bearer_token.empty()) cli.set_bearer_token_auth(a.bearer_token);
      auto res = cli.Post(target, json, "application/json");
      if (!res) {
        on_error_("alert action " + a.name + ": webhook " + a.url + ": " + httplib::to_string(res.error()));
      } else if (res->status < 200 || res->status >= 300) {
        on_error_("alert action " + a.name + ": webhook " + a.url + " answered " + std::to_string(res->status));
      }
      break;
    }
  }
}

}  // namespace maillens::alert
