// exporter_compat.cc - the line rules of kumina 0.3.0 and Hsn723 0.20 (facts from their
// postfix_exporter.go, rewritten as hand-made matchers; doc/metrics.md).
#include "metrics/exporter_compat.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "postfix/fields.h"
#include "util/text_escape.h"

namespace maillens {
namespace {

using std::string_view;
constexpr size_t npos = string_view::npos;

constexpr double kDelayBuckets[] = {1e-3, 1e-2, 1e-1, 1, 10, 60, 3600, 86400, 172800};
constexpr double kRcptBuckets[] = {1, 2, 4, 8, 16, 32, 64, 128};
constexpr double kSizeBuckets[] = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
constexpr double kRankBuckets[] = {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15};

enum Which { kBoth, kKuminaOnly, kHsnOnly };

struct Family {
  const char* name;
  const char* help;
  const char* hsn_help;  // null: as help
  std::span<const double> bounds;  // empty: a counter
  bool vec;                        // a vector: absent until its first series
  Which which;
};

// Checkpoint indexes: new families go at the end.
enum F {
  kCleanupProcessed, kCleanupRejected, kCleanupNotAccepted, kLmtpDelay, kPipeDelay, kQmgrRcptLegacy, kQmgrRcpt,
  kQmgrSize, kQmgrRemoved, kQmgrExpired, kSmtpDelay, kSmtpTls, kSmtpDeferredMessages, kSmtpProcessed,
  kSmtpDeferredDsn, kSmtpBouncedDsn, kSmtpTimedOut, kSmtpdConnects, kSmtpdDisconnects, kSmtpdFcrdns, kSmtpdLost,
  kSmtpdProcessed, kSmtpdRejected, kSmtpdSaslFailures, kSmtpdTls, kUnsupported, kSmtpStatusDeferred, kOpendkim,
  kBounceNdn, kVirtual, kPsConnects, kPsConnectsRejected, kPsPasses, kPsDnsblRank, kPsRejected, kPsTests,
  kPsHangups, kPsAccessList, kDropped, kFamilyCount,
};

constexpr std::span<const double> kNone;

constexpr Family kFamilies[kFamilyCount] = {
    {"postfix_cleanup_messages_processed_total", "Total number of messages processed by cleanup.", nullptr, kNone,
     false, kBoth},
    {"postfix_cleanup_messages_rejected_total", "Total number of messages rejected by cleanup.", nullptr, kNone, false,
     kBoth},
    {"postfix_cleanup_messages_not_accepted_total", "Total number of messages not accepted by cleanup.", nullptr,
     kNone, false, kBoth},
    {"postfix_lmtp_delivery_delay_seconds", "LMTP message processing time in seconds.", nullptr, kDelayBuckets, true,
     kBoth},
    {"postfix_pipe_delivery_delay_seconds", "Pipe message processing time in seconds.", nullptr, kDelayBuckets, true,
     kBoth},
    {"postfix_qmgr_messages_inserted_receipients", "Number of receipients per message inserted into the mail queues.",
     "Legacy metric, please switch to postfix_qmgr_messages_inserted_recipients.", kRcptBuckets, false, kBoth},
    {"postfix_qmgr_messages_inserted_recipients", "Number of recipients per message inserted into the mail queues.",
     nullptr, kRcptBuckets, false, kHsnOnly},
    {"postfix_qmgr_messages_inserted_size_bytes", "Size of messages inserted into the mail queues in bytes.", nullptr,
     kSizeBuckets, false, kBoth},
    {"postfix_qmgr_messages_removed_total", "Total number of messages removed from mail queues.", nullptr, kNone,
     false, kBoth},
    {"postfix_qmgr_messages_expired_total", "Total number of messages expired from mail queues.", nullptr, kNone,
     false, kHsnOnly},
    {"postfix_smtp_delivery_delay_seconds", "SMTP message processing time in seconds.", nullptr, kDelayBuckets, true,
     kBoth},
    {"postfix_smtp_tls_connections_total", "Total number of outgoing TLS connections.", nullptr, kNone, true, kBoth},
    {"postfix_smtp_deferred_messages_total", "Total number of messages that have been deferred on SMTP.", nullptr,
     kNone, false, kBoth},
    {"postfix_smtp_messages_processed_total", "Total number of messages that have been processed by the smtp process.",
     nullptr, kNone, true, kHsnOnly},
    {"postfix_smtp_deferred_messages_by_dsn_total", "Total number of messages that have been deferred on SMTP by DSN.",
     nullptr, kNone, true, kHsnOnly},
    {"postfix_smtp_bounced_messages_by_dsn_total", "Total number of messages that have been bounced on SMTP by DSN.",
     nullptr, kNone, true, kHsnOnly},
    {"postfix_smtp_connection_timed_out_total", "Total number of messages that have been deferred on SMTP.", nullptr,
     kNone, false, kBoth},
    {"postfix_smtpd_connects_total", "Total number of incoming connections.", nullptr, kNone, false, kBoth},
    {"postfix_smtpd_disconnects_total", "Total number of incoming disconnections.", nullptr, kNone, false, kBoth},
    {"postfix_smtpd_forward_confirmed_reverse_dns_errors_total",
     "Total number of connections for which forward-confirmed DNS cannot be resolved.", nullptr, kNone, false, kBoth},
    {"postfix_smtpd_connections_lost_total", "Total number of connections lost.", nullptr, kNone, true, kBoth},
    {"postfix_smtpd_messages_processed_total", "Total number of messages processed.", nullptr, kNone, true, kBoth},
    {"postfix_smtpd_messages_rejected_total", "Total number of NOQUEUE rejects.", nullptr, kNone, true, kBoth},
    {"postfix_smtpd_sasl_authentication_failures_total", "Total number of SASL authentication failures.", nullptr,
     kNone, false, kBoth},
    {"postfix_smtpd_tls_connections_total", "Total number of incoming TLS connections.", nullptr, kNone, true, kBoth},
    {"postfix_unsupported_log_entries_total", "Log entries that could not be processed.", nullptr, kNone, true, kBoth},
    {"postfix_smtp_status_deferred", "Total number of messages deferred.", nullptr, kNone, false, kBoth},
    {"opendkim_signatures_added_total", "Total number of messages signed.", nullptr, kNone, true, kBoth},
    {"postfix_bounce_non_delivery_notification_total", "Total number of non delivery notification sent by bounce.",
     nullptr, kNone, false, kHsnOnly},
    {"postfix_virtual_delivered_total", "Total number of mail delivered to a virtual mailbox.", nullptr, kNone, false,
     kHsnOnly},
    {"postfix_postscreen_connects_total", "Total number of connections handled by postscreen.", nullptr, kNone, false,
     kHsnOnly},
    {"postfix_postscreen_connects_rejected_total",
     "Total number of connections rejected by postscreen, by reject reason.", nullptr, kNone, true, kHsnOnly},
    {"postfix_postscreen_passes_total", "Total number of clients passed by postscreen, by allowlist status (new/old).",
     nullptr, kNone, true, kHsnOnly},
    {"postfix_postscreen_dnsbl_rank", "DNSBL rank assigned to clients by postscreen.", nullptr, kRankBuckets, false,
     kHsnOnly},
    {"postfix_postscreen_messages_rejected_total",
     "Total number of NOQUEUE rejects issued by postscreen, by response code.", nullptr, kNone, true, kHsnOnly},
    {"postfix_postscreen_tests_failed_total",
     "Total number of postscreen pre-greet/protocol test failures, by test name.", nullptr, kNone, true, kHsnOnly},
    {"postfix_postscreen_hangups_total", "Total client disconnects reported by postscreen while testing.", nullptr,
     kNone, false, kHsnOnly},
    {"postfix_postscreen_access_list_matches_total",
     "Total number of clients allow/deny-listed by postscreen (ALLOWLISTED/WHITELISTED/DENYLISTED/BLACKLISTED).",
     nullptr, kNone, true, kHsnOnly},
    {"maillens_compat_dropped_series_total", "New series not created because the compat series bound was reached.",
     nullptr, kNone, true, kBoth},
};

bool Exposed(const Family& f, bool hsn) { return f.which == kBoth || (f.which == kHsnOnly) == hsn; }

bool StartsWith(string_view s, string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(string_view s, string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }
bool Contains(string_view s, string_view p) { return s.find(p) != npos; }
// Go's \s is [\t\n\f\r ]; \S everything else.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWord(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

// End of the run of chars satisfying `pred` from `i`.
template <typename P>
size_t Run(string_view s, size_t i, P pred) {
  while (i < s.size() && pred(s[i])) ++i;
  return i;
}
size_t NonSpace(string_view s, size_t i) { return Run(s, i, [](char c) { return !IsSpace(c); }); }

// `\S+` followed by `lit` at s[i..]: the group's end, or npos. When `lit`
// starts with a non-space char (": "), the group ends inside the run.
size_t NonSpaceThen(string_view s, size_t i, string_view lit) {
  size_t e = NonSpace(s, i);
  // The literal's leading non-space chars belong to the run's end.
  size_t lead = Run(lit, 0, [](char c) { return !IsSpace(c); });
  if (e < i + 1 + lead) return npos;
  size_t g = e - lead;
  return s.substr(g, lit.size()) == lit ? g : npos;
}

// `, relay=(\S+), .*, delays=([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+), ` (leftmost start, greedy .*).
bool MatchRelayDelays(string_view r, string_view* relay, string_view d[4]) {
  for (size_t p = r.find(", relay="); p != npos; p = r.find(", relay=", p + 1)) {
    size_t s = p + 8;
    size_t g = NonSpaceThen(r, s, ", ");
    if (g == npos) continue;
    const size_t after = g + 2;
    for (size_t q = r.rfind(", delays="); q != npos && q >= after; q = q == 0 ? npos : r.rfind(", delays=", q - 1)) {
      size_t t = q + 9;
      bool ok = true;
      for (int i = 0; i < 4 && ok; ++i) {
        size_t e = Run(r, t, [](char c) { return IsDigit(c) || c == '.'; });
        if (e == t) ok = false;
        d[i] = r.substr(t, e - t);
        t = e;
        if (ok && i < 3) ok = t < r.size() && r[t++] == '/';
      }
      if (ok && r.substr(t, 2) == ", ") {
        *relay = r.substr(s, g - s);
        return true;
      }
    }
  }
  return false;
}

// `, status=(\w+) ` (leftmost).
bool MatchStatus(string_view r, string_view* status) {
  for (size_t p = r.find(", status="); p != npos; p = r.find(", status=", p + 1)) {
    size_t e = Run(r, p + 9, IsWord);
    if (e > p + 9 && e < r.size() && r[e] == ' ') {
      *status = r.substr(p + 9, e - p - 9);
      return true;
    }
  }
  return false;
}

// `, dsn=(\d\.\d+\.\d+)` (leftmost).
bool MatchDsn(string_view r, string_view* dsn) {
  for (size_t p = r.find(", dsn="); p != npos; p = r.find(", dsn=", p + 1)) {
    size_t i = p + 6;
    if (i + 1 >= r.size() || !IsDigit(r[i]) || r[i + 1] != '.') continue;
    size_t e = Run(r, i + 2, IsDigit);
    if (e == i + 2 || e >= r.size() || r[e] != '.') continue;
    size_t f = Run(r, e + 1, IsDigit);
    if (f == e + 1) continue;
    *dsn = r.substr(i, f - i);
    return true;
  }
  return false;
}

// `:.*, size=(\d+), nrcpt=(\d+) ` (greedy .*: the last match).
bool MatchQmgrInsert(string_view r, string_view* size, string_view* nrcpt) {
  const size_t colon = r.find(':');
  if (colon == npos) return false;
  for (size_t q = r.rfind(", size="); q != npos && q > colon; q = q == 0 ? npos : r.rfind(", size=", q - 1)) {
    size_t e = Run(r, q + 7, IsDigit);
    if (e == q + 7 || r.substr(e, 8) != ", nrcpt=") continue;
    size_t f = Run(r, e + 8, IsDigit);
    if (f == e + 8 || f >= r.size() || r[f] != ' ') continue;
    *size = r.substr(q + 7, e - q - 7);
    *nrcpt = r.substr(e + 8, f - e - 8);
    return true;
  }
  return false;
}

// `^(\S+) TLS connection established WORD \S+: (\S+) with cipher (\S+) \((\d+)/(\d+) bits\)`.
bool MatchTls(string_view r, string_view word, string_view out[5]) {
  size_t e = NonSpace(r, 0);
  if (e == 0) return false;
  out[0] = r.substr(0, e);
  std::string_view lit = " TLS connection established ";
  if (r.substr(e, lit.size()) != lit || r.substr(e + lit.size(), word.size()) != word ||
      r.substr(e + lit.size() + word.size(), 1) != " ")
    return false;
  size_t i = e + lit.size() + word.size() + 1;
  size_t g = NonSpaceThen(r, i, ": ");
  if (g == npos) return false;
  i = g + 2;
  e = NonSpace(r, i);
  if (e == i || r.substr(e, 13) != " with cipher ") return false;
  out[1] = r.substr(i, e - i);
  i = e + 13;
  e = NonSpace(r, i);
  if (e == i || r.substr(e, 2) != " (") return false;
  out[2] = r.substr(i, e - i);
  i = e + 2;
  e = Run(r, i, IsDigit);
  if (e == i || r.substr(e, 1) != "/") return false;
  out[3] = r.substr(i, e - i);
  i = e + 1;
  e = Run(r, i, IsDigit);
  if (e == i || r.substr(e, 6) != " bits)") return false;
  out[4] = r.substr(i, e - i);
  return true;
}

// `^connect\s+to\s+(.*)\[(.*)\]:(\d+):\s+(Connection timed out)$`.
bool MatchTimedOut(string_view r) {
  if (!StartsWith(r, "connect") || !EndsWith(r, "Connection timed out")) return false;
  size_t i = Run(r, 7, IsSpace);
  if (i == 7 || r.substr(i, 2) != "to") return false;
  size_t j = Run(r, i + 2, IsSpace);
  if (j == i + 2) return false;
  const size_t open_from = i + 3;  // \s+ may be one char: (.*)\[ starts after it
  size_t k = r.size() - 20;        // before "Connection timed out"
  size_t ws = k;
  while (ws > 0 && IsSpace(r[ws - 1])) --ws;
  if (ws == k || ws == 0 || r[ws - 1] != ':') return false;
  size_t dig = ws - 1;
  size_t d0 = dig;
  while (d0 > 0 && IsDigit(r[d0 - 1])) --d0;
  if (d0 == dig || d0 < 2 || r[d0 - 1] != ':' || r[d0 - 2] != ']') return false;
  const size_t close = d0 - 2;
  if (close < open_from) return false;
  size_t open = r.find('[', open_from);
  return open != npos && open < close;
}

// Go's strconv.ParseFloat of a `\d+` or `[0-9.]+` capture: 0 when
// malformed, +Inf when out of range.
double GoParseFloat(string_view v) {
  double d = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    bool nonzero = std::any_of(v.begin(), v.end(), [](char c) { return c >= '1' && c <= '9'; });
    return nonzero && r.ptr == v.data() + v.size() ? std::numeric_limits<double>::infinity() : 0.0;
  }
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return 0;
  return d;
}

// The exporters' service types, in Hsn723's order of matching (kumina
// knows the first six).
constexpr int kServiceTypes = 9;
constexpr string_view kServiceTypeNames[kServiceTypes] = {"cleanup", "lmtp",   "pipe",    "qmgr",      "smtp",
                                                          "smtpd",   "bounce", "virtual", "postscreen"};

constexpr string_view kStages[4] = {"before_queue_manager", "queue_manager", "connection_setup", "transmission"};

}  // namespace

bool ParseMetricsCompat(string_view s, MetricsCompat* out) {
  if (s.empty() || s == "maillens" || s == "none") *out = MetricsCompat::kNone;
  else if (s == "kumina") *out = MetricsCompat::kKumina;
  else if (s == "hsn723") *out = MetricsCompat::kHsn723;
  else return false;
  return true;
}

bool ApplyServiceLabels(const std::vector<std::string>& specs, ExporterCompatMetrics* m, std::string* error) {
  std::map<std::string, std::vector<std::string>, std::less<>> by_type;
  for (const std::string& spec : specs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      *error = "bad service label '" + spec + "' (want TYPE=NAME, e.g. smtp=relay/smtp)";
      return false;
    }
    by_type[spec.substr(0, eq)].push_back(spec.substr(eq + 1));
  }
  for (auto& [type, names] : by_type) {
    if (!m->SetServiceLabels(type, std::move(names))) {
      *error = "unknown service type '" + type + "' (cleanup, lmtp, pipe, qmgr, smtp, smtpd, bounce, virtual, postscreen)";
      return false;
    }
  }
  return true;
}

ExporterCompatMetrics::ExporterCompatMetrics(MetricsCompat mode) : hsn_(mode == MetricsCompat::kHsn723) {
  for (int t = 0; t < kServiceTypes; ++t) labels_[t] = {std::string(kServiceTypeNames[t])};
}

void ExporterCompatMetrics::OnEvent(const Event& ev, const Message* m) {
  (void)m;
  if (ev.header != nullptr) Line(ev.header->line);
}

void ExporterCompatMetrics::OnUnparsed(const SyslogHeader* h, Origin origin, string_view line) {
  (void)h, (void)origin;
  Line(line);
}

void ExporterCompatMetrics::OnForeign(const SyslogHeader& h, string_view line) {
  (void)h;
  Line(line);
}

void ExporterCompatMetrics::Begin(int family) {
  key_.first = family;
  key_.second.clear();
}

void ExporterCompatMetrics::Label(string_view name, string_view value) {
  if (!key_.second.empty()) key_.second.push_back(',');
  key_.second.append(name).append("=\"");
  AppendPrometheusLabelValue(&key_.second, value);
  key_.second.push_back('"');
}

void ExporterCompatMetrics::Bump() {
  auto it = counters_.find(key_);
  if (it != counters_.end()) {
    ++it->second;
    return;
  }
  if (series_ >= kMaxSeries) {
    ++dropped_;
    return;
  }
  ++series_;
  counters_.emplace(key_, 1);
}

void ExporterCompatMetrics::Inc(int family, string_view name, string_view value) {
  Begin(family);
  if (!name.empty()) Label(name, value);
  Bump();
}

void ExporterCompatMetrics::Observe(string_view v) {
  const std::span<const double> bounds = kFamilies[key_.first].bounds;
  auto it = histograms_.find(key_);
  if (it == histograms_.end()) {
    if (series_ >= kMaxSeries) {
      ++dropped_;
      return;
    }
    ++series_;
    it = histograms_.emplace(key_, Histogram(bounds.size())).first;
  }
  it->second.Observe(bounds, GoParseFloat(v));
}

void ExporterCompatMetrics::Unsupported(string_view service, string_view level) {
  Begin(kUnsupported);
  if (hsn_) Label("level", level);
  Label("service", service);
  Bump();
}

void ExporterCompatMetrics::Delays(int family, string_view relay, bool relay_label, const string_view d[4]) {
  for (int i = 0; i < 4; ++i) {
    Begin(family);
    if (relay_label) Label("relay", relay);
    // kumina and Hsn723 pass "" as smtp's stage value (a bug kept here).
    Label("stage", family == kSmtpDelay ? string_view() : kStages[i]);
    Observe(d[i]);
  }
}

void ExporterCompatMetrics::Line(string_view line) {
  if (hsn_ && line.empty()) return;
  // ` ?(postfix|opendkim)(/(\w+))?\[\d+\]: (.*)`, leftmost; Hsn723's
  // service part is `[\w_\.+/-]+`.
  const size_t n = line.size();
  for (size_t i = 0; i < n; ++i) {
    if (line[i] != 'p' && line[i] != 'o') continue;
    string_view word;
    if (StartsWith(line.substr(i), "postfix")) word = "postfix";
    else if (StartsWith(line.substr(i), "opendkim")) word = "opendkim";
    else continue;
    size_t j = i + word.size();
    string_view sub;
    if (j < n && line[j] == '/') {
      size_t k = hsn_ ? Run(line, j + 1, [](char c) { return IsWord(c) || c == '.' || c == '+' || c == '/' || c == '-'; })
                      : Run(line, j + 1, IsWord);
      if (k == j + 1) continue;
      sub = line.substr(j + 1, k - j - 1);
      j = k;
    }
    if (j >= n || line[j] != '[') continue;
    size_t k = Run(line, j + 1, IsDigit);
    if (k == j + 1 || line.substr(k, 3) != "]: ") continue;
    string_view rem = line.substr(k + 3);
    string_view level;
    if (hsn_) {
      for (string_view l : {"warning", "error", "fatal", "panic"})
        if (StartsWith(rem, l) && rem.substr(l.size(), 2) == ": ") level = l;
    }
    if (word == "postfix") {
      Postfix(sub, level, rem);
      return;
    }
    // opendkim: `^[\w\d]+: DKIM-Signature field added \(s=(\w+), d=(.*)\)$`
    constexpr string_view kAdded = ": DKIM-Signature field added (s=";
    size_t w = Run(rem, 0, IsWord);
    if (w > 0 && rem.substr(w, kAdded.size()) == kAdded) {
      size_t s0 = w + kAdded.size();
      size_t s1 = Run(rem, s0, IsWord);
      if (s1 > s0 && rem.substr(s1, 4) == ", d=" && EndsWith(rem, ")") && rem.size() >= s1 + 5) {
        Begin(kOpendkim);
        Label("domain", rem.substr(s1 + 4, rem.size() - s1 - 5));
        Label("subject", rem.substr(s0, s1 - s0));
        Bump();
        return;
      }
    }
    Unsupported("opendkim", level);
    return;
  }
  Unsupported({}, {});
}

bool ExporterCompatMetrics::SetServiceLabels(string_view type, std::vector<std::string> labels) {
  for (int t = 0; t < kServiceTypes; ++t) {
    if (type != kServiceTypeNames[t]) continue;
    labels_[t] = std::move(labels);
    return true;
  }
  return false;
}

void ExporterCompatMetrics::Postfix(string_view sub, string_view level, string_view rem) {
  // kumina switches on the service name itself; Hsn723 on the first type
  // whose label list holds it (by default its own name).
  int type = -1;
  for (int t = 0; t < kServiceTypes && type < 0; ++t) {
    if (!hsn_) {
      if (t < 6 && sub == kServiceTypeNames[t]) type = t;
      continue;
    }
    for (const std::string& l : labels_[t])
      if (sub == l) type = t;
  }
  if (type < 0) return Unsupported(sub, level);
  const string_view name = type == 6 || type == 7 ? string_view("postfix") : kServiceTypeNames[type];
  string_view relay, d[4];
  if (type == 0) {
    if (Contains(rem, ": message-id=<")) Inc(kCleanupProcessed);
    else if (Contains(rem, ": reject: ")) Inc(kCleanupRejected);
    else Unsupported(name, level);
  } else if (type == 1) {
    if (!MatchRelayDelays(rem, &relay, d)) return Unsupported(name, level);
    string_view status;
    if (hsn_ && (!MatchStatus(rem, &status) || status == "deferred")) return;
    Delays(kLmtpDelay, relay, false, d);
  } else if (type == 2) {
    if (!MatchRelayDelays(rem, &relay, d)) return Unsupported(name, level);
    Delays(kPipeDelay, relay, true, d);
  } else if (type == 3) {
    string_view size, nrcpt;
    if (MatchQmgrInsert(rem, &size, &nrcpt)) {
      Begin(kQmgrSize);
      Observe(size);
      Begin(kQmgrRcptLegacy);
      Observe(nrcpt);
      if (hsn_) {
        Begin(kQmgrRcpt);
        Observe(nrcpt);
      }
    } else if (EndsWith(rem, ": removed")) {
      Inc(kQmgrRemoved);
    } else if (hsn_ && rem.find(':') != npos &&
               (rem.find(", status=expired, returned to sender", rem.find(':')) != npos ||
                rem.find(", status=force-expired, returned to sender", rem.find(':')) != npos)) {
      Inc(kQmgrExpired);
    } else {
      Unsupported(name, level);
    }
  } else if (type == 4) {
    Smtp(rem, level);
  } else if (type == 5) {
    Smtpd(rem, level);
  } else if (type == 6) {
    if (Contains(rem, ": sender non-delivery notification: ")) Inc(kBounceNdn);
    else Unsupported(name, level);
  } else if (type == 7) {
    if (EndsWith(rem, ", status=sent (delivered to maildir)")) Inc(kVirtual);
    else Unsupported(name, level);
  } else {
    Postscreen(rem, level);
  }
}

void ExporterCompatMetrics::Smtp(string_view rem, string_view level) {
  string_view relay, d[4], tls[5];
  if (MatchRelayDelays(rem, &relay, d)) {
    if (!hsn_) {
      Delays(kSmtpDelay, relay, false, d);
      if (Contains(rem, ", status=deferred")) Inc(kSmtpStatusDeferred);
      return;
    }
    string_view status, dsn;
    if (!MatchStatus(rem, &status)) return;
    Inc(kSmtpProcessed, "status", status);
    const bool has_dsn = MatchDsn(rem, &dsn);
    if (status == "deferred") {
      Inc(kSmtpStatusDeferred);
      if (has_dsn) Inc(kSmtpDeferredDsn, "dsn", dsn);
      return;
    }
    if (status == "bounced" && has_dsn) Inc(kSmtpBouncedDsn, "dsn", dsn);
    Delays(kSmtpDelay, relay, false, d);
  } else if (MatchTls(rem, "to", tls)) {
    Begin(kSmtpTls);
    Label("algorithm_bits", tls[4]);
    Label("cipher", tls[2]);
    Label("protocol", tls[1]);
    Label("secret_bits", tls[3]);
    Label("trust", tls[0]);
    Bump();
  } else if (MatchTimedOut(rem)) {
    Inc(kSmtpTimedOut);
  } else {
    Unsupported("smtp", level);
  }
}

void ExporterCompatMetrics::Smtpd(string_view rem, string_view level) {
  string_view tls[5];
  size_t g;
  if (StartsWith(rem, "connect from ")) return Inc(kSmtpdConnects);
  if (StartsWith(rem, "disconnect from ")) return Inc(kSmtpdDisconnects);
  constexpr string_view kHost = "warning: hostname ";
  if (StartsWith(rem, kHost) && NonSpaceThen(rem, kHost.size(), " does not resolve to address ") != npos)
    return Inc(kSmtpdFcrdns);
  {
    string_view s = rem;
    if (hsn_ && StartsWith(s, "NOQUEUE: ")) s.remove_prefix(9);
    constexpr string_view kLost = "lost connection after ";
    if (StartsWith(s, kLost)) {
      size_t e = Run(s, kLost.size(), IsWord);
      if (e > kLost.size() && s.substr(e, 6) == " from ")
        return Inc(kSmtpdLost, "after_stage", s.substr(kLost.size(), e - kLost.size()));
    }
  }
  const size_t client = rem.find(": client=");
  if (client != npos) {
    for (size_t q = rem.rfind(", sasl_method="); q != npos && q >= client + 9;
         q = q == 0 ? npos : rem.rfind(", sasl_method=", q - 1)) {
      size_t e = NonSpace(rem, q + 14);
      if (e == q + 14) continue;
      string_view method = rem.substr(q + 14, e - q - 14);
      if (!hsn_) return Inc(kSmtpdProcessed, "sasl_method", method);
      scratch_.clear();
      for (char c : method)
        if (c != ',') scratch_.push_back(c);
      return Inc(kSmtpdProcessed, "sasl_method", scratch_);
    }
    return Inc(kSmtpdProcessed, "sasl_method", hsn_ ? "NONE" : "");
  }
  constexpr string_view kReject = "NOQUEUE: reject: RCPT from ";
  if (StartsWith(rem, kReject) && (g = NonSpaceThen(rem, kReject.size(), ": ")) != npos) {
    size_t e = Run(rem, g + 2, IsDigit);
    if (e > g + 2 && e < rem.size() && rem[e] == ' ') return Inc(kSmtpdRejected, "code", rem.substr(g + 2, e - g - 2));
  }
  constexpr string_view kWarn = "warning: ";
  if (StartsWith(rem, kWarn) && (g = NonSpaceThen(rem, kWarn.size(), ": SASL ")) != npos) {
    size_t i = g + 7;
    if (NonSpaceThen(rem, i, " authentication failed: ") != npos) return Inc(kSmtpdSaslFailures);
  }
  if (MatchTls(rem, "from", tls)) {
    Begin(kSmtpdTls);
    Label("algorithm_bits", tls[4]);
    Label("cipher", tls[2]);
    Label("protocol", tls[1]);
    Label("secret_bits", tls[3]);
    Label("trust", tls[0]);
    return Bump();
  }
  Unsupported("smtpd", level);
}

void ExporterCompatMetrics::Postscreen(string_view rem, string_view level) {
  size_t g;
  if (StartsWith(rem, "CONNECT from ")) return Inc(kPsConnects);
  constexpr string_view kConnect = "NOQUEUE: reject: CONNECT from ";
  if (StartsWith(rem, kConnect) && (g = NonSpaceThen(rem, kConnect.size(), ": ")) != npos && g + 2 < rem.size())
    return Inc(kPsConnectsRejected, "reason", rem.substr(g + 2));
  if ((StartsWith(rem, "PASS NEW ") || StartsWith(rem, "PASS OLD ")))
    return Inc(kPsPasses, "type", rem[5] == 'N' ? "new" : "old");
  constexpr string_view kRank = "DNSBL rank ";
  if (StartsWith(rem, kRank)) {
    size_t e = Run(rem, kRank.size(), IsDigit);
    if (e > kRank.size() && rem.substr(e, 5) == " for ") {
      Begin(kPsDnsblRank);
      Observe(rem.substr(kRank.size(), e - kRank.size()));
      return;
    }
  }
  constexpr string_view kRcpt = "NOQUEUE: reject: RCPT from ";
  if (StartsWith(rem, kRcpt) && (g = NonSpaceThen(rem, kRcpt.size(), ": ")) != npos) {
    size_t e = Run(rem, g + 2, IsDigit);
    if (e > g + 2 && e < rem.size() && rem[e] == ' ') return Inc(kPsRejected, "code", rem.substr(g + 2, e - g - 2));
  }
  if (StartsWith(rem, "HANGUP ")) return Inc(kPsHangups);
  for (string_view t : {"PREGREET", "NON-SMTP COMMAND", "COMMAND PIPELINING", "COMMAND TIME LIMIT",
                        "COMMAND COUNT LIMIT", "COMMAND LENGTH LIMIT", "BARE NEWLINE"}) {
    if (!StartsWith(rem, t) || rem.substr(t.size(), 1) != " ") continue;
    Begin(kPsTests);
    key_.second.append("test=\"");
    for (char c : t) key_.second.push_back(c == ' ' || c == '-' ? '_' : c);
    key_.second.push_back('"');
    return Bump();
  }
  for (string_view a : {"ALLOWLISTED", "WHITELISTED", "DENYLISTED", "BLACKLISTED"}) {
    if (!StartsWith(rem, a) || rem.substr(a.size(), 1) != " ") continue;
    return Inc(kPsAccessList, "action", a[0] == 'A' || a[0] == 'W' ? "allow" : "deny");
  }
  Unsupported("postscreen", level);
}

// State, one record per line: "c FAMILY COUNT LEN:LABELS",
// "h FAMILY LEN:LABELS <Histogram::Save>", "x DROPPED".
std::string ExporterCompatMetrics::SaveState() const {
  std::string out;
  for (const auto& [k, v] : counters_) {
    out.append("c ").append(std::to_string(k.first)).append(" ").append(std::to_string(v)).append(" ");
    out.append(std::to_string(k.second.size())).append(":").append(k.second).push_back('\n');
  }
  for (const auto& [k, h] : histograms_) {
    out.append("h ").append(std::to_string(k.first)).append(" ");
    out.append(std::to_string(k.second.size())).append(":").append(k.second).append(" ");
    h.Save(&out);
    out.push_back('\n');
  }
  out.append("x ").append(std::to_string(dropped_)).push_back('\n');
  return out;
}

bool ExporterCompatMetrics::LoadState(string_view s) {
  std::map<Key, uint64_t> counters;
  std::map<Key, Histogram> histograms;
  uint64_t dropped = 0;
  auto number = [](string_view* p, auto* v) {
    auto r = std::from_chars(p->data(), p->data() + p->size(), *v);
    if (r.ec != std::errc()) return false;
    p->remove_prefix(static_cast<size_t>(r.ptr - p->data()));
    return true;
  };
  auto text = [&number](string_view* p, std::string* out) {
    size_t len = 0;
    if (!number(p, &len) || !fields::Consume(p, ":") || len > p->size()) return false;
    out->assign(p->substr(0, len));
    p->remove_prefix(len);
    return true;
  };
  while (!s.empty()) {
    size_t nl = s.find('\n');
    if (nl == npos) return false;
    string_view rec = s.substr(0, nl);
    s.remove_prefix(nl + 1);
    Key k;
    if (fields::Consume(&rec, "c ")) {
      uint64_t v = 0;
      if (!number(&rec, &k.first) || k.first < 0 || k.first >= kFamilyCount || !kFamilies[k.first].bounds.empty() ||
          !fields::Consume(&rec, " ") || !number(&rec, &v) || !fields::Consume(&rec, " ") || !text(&rec, &k.second) ||
          !rec.empty())
        return false;
      counters[k] = v;
    } else if (fields::Consume(&rec, "h ")) {
      if (!number(&rec, &k.first) || k.first < 0 || k.first >= kFamilyCount || kFamilies[k.first].bounds.empty() ||
          !fields::Consume(&rec, " ") || !text(&rec, &k.second) || !fields::Consume(&rec, " "))
        return false;
      Histogram h;
      if (!h.Load(rec, kFamilies[k.first].bounds.size())) return false;
      histograms[k] = std::move(h);
    } else if (fields::Consume(&rec, "x ")) {
      if (!number(&rec, &dropped) || !rec.empty()) return false;
    } else {
      return false;
    }
  }
  counters_ = std::move(counters);
  histograms_ = std::move(histograms);
  series_ = counters_.size() + histograms_.size();
  dropped_ = dropped;
  return true;
}

void ExporterCompatMetrics::WriteMetrics(std::string* out) const {
  // client_golang writes families sorted by name.
  std::vector<int> order;
  for (int f = 0; f < kFamilyCount; ++f)
    if (Exposed(kFamilies[f], hsn_)) order.push_back(f);
  std::sort(order.begin(), order.end(),
            [](int a, int b) { return string_view(kFamilies[a].name) < string_view(kFamilies[b].name); });
  for (int f : order) {
    const Family& fam = kFamilies[f];
    if (f == kDropped) {
      if (dropped_ == 0) continue;
      AppendMetricHeader(out, fam.name, "counter", fam.help);
      out->append(fam.name).push_back(' ');
      AppendGoFloat(out, static_cast<double>(dropped_));
      out->push_back('\n');
      continue;
    }
    const bool histogram = !fam.bounds.empty();
    auto first_c = counters_.lower_bound({f, std::string()});
    auto first_h = histograms_.lower_bound({f, std::string()});
    const bool any = histogram ? first_h != histograms_.end() && first_h->first.first == f
                               : first_c != counters_.end() && first_c->first.first == f;
    if (!any && fam.vec) continue;
    AppendMetricHeader(out, fam.name, histogram ? "histogram" : "counter",
                       hsn_ && fam.hsn_help != nullptr ? fam.hsn_help : fam.help);
    if (histogram) {
      if (!any) AppendHistogram(out, fam.name, {}, fam.bounds, Histogram(fam.bounds.size()));
      for (auto it = first_h; it != histograms_.end() && it->first.first == f; ++it)
        AppendHistogram(out, fam.name, it->first.second, fam.bounds, it->second);
      continue;
    }
    if (!any) out->append(fam.name).append(" 0\n");
    for (auto it = first_c; it != counters_.end() && it->first.first == f; ++it) {
      out->append(fam.name);
      if (!it->first.second.empty()) out->append("{").append(it->first.second).append("}");
      out->push_back(' ');
      AppendGoFloat(out, static_cast<double>(it->second));  // client_golang: 1e+06
      out->push_back('\n');
    }
  }
}

}  // namespace maillens
