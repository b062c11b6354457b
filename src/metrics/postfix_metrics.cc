// postfix_metrics.cc - counting rules and text exposition of PostfixMetrics.
//
// The exporter families follow Hsn723/postfix_exporter 0.20's rules (facts
// in ../shared/research/peers.md and doc/metrics.md); where its output is a
// bug (all four smtp delay stages recorded under stage="") maillens labels
// the stage, and doc/metrics.md says so.
#include "metrics/postfix_metrics.h"

#include <charconv>
#include <set>

#include "postfix/classify.h"
#include "postfix/event.h"
#include "postfix/fields.h"
#include "postfix/parser.h"
#include "util/text_escape.h"

namespace maillens {
namespace {

using fields::StartsWith;

struct Family {
  const char* name;
  const char* help;
  bool labelled;  // false: exposed as 0 before its first count
};

// Counter families. New ones go at the end: the index is in checkpoints.
enum F {
  kCleanupProcessed, kCleanupRejected, kQmgrRemoved, kQmgrExpired, kSmtpProcessed,
  kSmtpDeferredByDsn, kSmtpBouncedByDsn, kSmtpdConnects, kSmtpdDisconnects, kSmtpdLost,
  kSmtpdProcessed, kSmtpdRejected, kSmtpdSaslFailures, kBounceNdn, kVirtualDelivered,
  kPostscreenConnects, kUnsupported, kLinesRead, kUnparsed, kDeliveries, kSaslFailures,
  kDovecotAuthFailures, kPsConnectsRejected, kPsPasses, kPsMessagesRejected, kPsTestsFailed, kPsHangups,
  kPsAccessList, kSmtpStatusDeferred, kSmtpTls, kSmtpdTls, kSmtpTimedOut, kSmtpdFcrdns,
  kCleanupNotAccepted, kSmtpDeferred, kOpendkimSigned, kDeliveriesByDomain, kRejects, kRblRejects,
  kLogMessages, kFamilyCount,
};

constexpr Family kFamilies[kFamilyCount] = {
    {"postfix_cleanup_messages_processed_total", "Total number of messages processed by cleanup.", false},
    {"postfix_cleanup_messages_rejected_total", "Total number of messages rejected by cleanup.", false},
    {"postfix_qmgr_messages_removed_total", "Total number of messages removed from mail queues.", false},
    {"postfix_qmgr_messages_expired_total", "Total number of messages expired from mail queues.", false},
    {"postfix_smtp_messages_processed_total", "Total number of messages that have been processed by the smtp process.", true},
    {"postfix_smtp_deferred_messages_by_dsn_total", "Total number of messages that have been deferred on SMTP by DSN.", true},
    {"postfix_smtp_bounced_messages_by_dsn_total", "Total number of messages that have been bounced on SMTP by DSN.", true},
    {"postfix_smtpd_connects_total", "Total number of incoming connections.", false},
    {"postfix_smtpd_disconnects_total", "Total number of incoming disconnections.", false},
    {"postfix_smtpd_connections_lost_total", "Total number of connections lost.", true},
    {"postfix_smtpd_messages_processed_total", "Total number of messages processed.", true},
    {"postfix_smtpd_messages_rejected_total", "Total number of NOQUEUE rejects.", true},
    {"postfix_smtpd_sasl_authentication_failures_total", "Total number of SASL authentication failures.", false},
    {"postfix_bounce_non_delivery_notification_total", "Total number of non delivery notification sent by bounce.", false},
    {"postfix_virtual_delivered_total", "Total number of mail delivered to a virtual mailbox.", false},
    {"postfix_postscreen_connects_total", "Total number of connections handled by postscreen.", false},
    {"postfix_unsupported_log_entries_total", "Log entries that could not be processed.", true},
    {"maillens_lines_read_total", "Log lines seen by maillens (parsed or not).", false},
    {"maillens_unparsed_lines_total", "Lines of a mail program no parser understood, by program.", true},
    {"maillens_deliveries_total", "Delivery attempts by status (all delivery agents).", true},
    {"maillens_sasl_auth_failures_total", "Postfix SASL authentication failures (all smtpd services).", false},
    {"maillens_dovecot_auth_failures_total", "Dovecot authentication failures.", false},
    {"postfix_postscreen_connects_rejected_total", "Total number of connections rejected by postscreen, by reject reason.", true},
    {"postfix_postscreen_passes_total", "Total number of clients passed by postscreen, by allowlist status (new/old).", true},
    {"postfix_postscreen_messages_rejected_total", "Total number of NOQUEUE rejects issued by postscreen, by response code.", true},
    {"postfix_postscreen_tests_failed_total", "Total number of postscreen pre-greet/protocol test failures, by test name.", true},
    {"postfix_postscreen_hangups_total", "Total client disconnects reported by postscreen while testing.", false},
    {"postfix_postscreen_access_list_matches_total", "Postscreen access list matches, by action (allow/deny).", true},
    {"postfix_smtp_status_deferred", "Total number of messages deferred.", false},
    {"postfix_smtp_tls_connections_total", "Total number of outgoing TLS connections.", true},
    {"postfix_smtpd_tls_connections_total", "Total number of incoming TLS connections.", true},
    {"postfix_smtp_connection_timed_out_total", "Total number of smtp connections that timed out.", false},
    {"postfix_smtpd_forward_confirmed_reverse_dns_errors_total",
     "Total number of connections for which forward-confirmed DNS cannot be resolved.", false},
    {"postfix_cleanup_messages_not_accepted_total",
     "Total number of messages not accepted by cleanup (reject, milter-reject, discard).", false},
    {"postfix_smtp_deferred_messages_total", "Total number of messages that have been deferred on SMTP.", false},
    {"opendkim_signatures_added_total", "Total number of messages signed.", true},
    {"maillens_deliveries_by_domain_total",
     "Delivery attempts by destination domain (the busiest, others as \"other\") and status.", true},
    {"maillens_rejects_total", "Rejects by service, SMTP stage and restriction class.", true},
    {"maillens_rbl_rejects_total", "smtpd rejects by the DNSBL named in \"blocked using NAME\".", true},
    {"maillens_log_messages_total", "Postfix warning, error, fatal and panic lines, by service and level.", true},
};

constexpr double kDelayBuckets[] = {1e-3, 1e-2, 1e-1, 1, 10, 60, 3600, 86400, 172800};
constexpr double kRcptBuckets[] = {1, 2, 4, 8, 16, 32, 64, 128};
constexpr double kSizeBuckets[] = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
constexpr double kRankBuckets[] = {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15};

struct HistogramFamily {
  const char* name;
  const char* help;
  std::span<const double> bounds;
  bool labelled;  // false: exposed with zero counts before its first observation
};

// Histogram families. New ones go at the end: the index is in checkpoints.
enum H { kHSmtpDelay, kHLmtpDelay, kHPipeDelay, kHQmgrRcptLegacy, kHQmgrRcpt, kHQmgrSize, kHDnsblRank, kHDelay, kHCount };

constexpr HistogramFamily kHistograms[kHCount] = {
    {"postfix_smtp_delivery_delay_seconds", "SMTP message processing time in seconds.", kDelayBuckets, true},
    {"postfix_lmtp_delivery_delay_seconds", "LMTP message processing time in seconds.", kDelayBuckets, true},
    {"postfix_pipe_delivery_delay_seconds", "Pipe message processing time in seconds.", kDelayBuckets, true},
    {"postfix_qmgr_messages_inserted_receipients",
     "Legacy metric, please switch to postfix_qmgr_messages_inserted_recipients.", kRcptBuckets, false},
    {"postfix_qmgr_messages_inserted_recipients", "Number of recipients per message inserted into the mail queues.",
     kRcptBuckets, false},
    {"postfix_qmgr_messages_inserted_size_bytes", "Size of messages inserted into the mail queues in bytes.",
     kSizeBuckets, false},
    {"postfix_postscreen_dnsbl_rank", "DNSBL rank assigned to clients by postscreen.", kRankBuckets, false},
    {"maillens_delivery_delay_seconds",
     "Delay of sent deliveries (all agents) per stage, and in total, in seconds.", kDelayBuckets, true},
};

// The delays=a/b/c/d stages, as the exporter names them.
constexpr std::string_view kStages[4] = {"before_queue_manager", "queue_manager", "connection_setup",
                                         "transmission"};

// The exporter's level label: the severity word, "" for info.
std::string_view Level(Severity s) { return s == Severity::kInfo ? "" : SeverityName(s); }

// True if `s` is one exporter `\w+` word (so not "END-OF-MESSAGE").
bool IsWord(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// The absl view of `s` (Debian's abseil has its own string_view type).
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

PostfixMetrics::PostfixMetrics(MetricsOptions options) : options_(options) {}

void PostfixMetrics::Begin(int family) {
  key_.first = family;
  key_.second.clear();
}

void PostfixMetrics::Label(std::string_view name, std::string_view value) {
  if (!key_.second.empty()) key_.second.push_back(',');
  key_.second.append(name).append("=\"");
  AppendPrometheusLabelValue(&key_.second, value);
  key_.second.push_back('"');
}

void PostfixMetrics::Bump() {
  auto it = series_.find(key_);
  if (it == series_.end()) series_.emplace(key_, 1);
  else ++it->second;
}

void PostfixMetrics::Inc(int family, std::string_view name, std::string_view value) {
  Begin(family);
  if (!name.empty()) Label(name, value);
  Bump();
}

void PostfixMetrics::Observe(int h, double v) {
  key_.first = h;
  auto it = histograms_.find(key_);
  if (it == histograms_.end()) it = histograms_.emplace(key_, Histogram(kHistograms[h].bounds.size())).first;
  it->second.Observe(kHistograms[h].bounds, v);
}

void PostfixMetrics::ObserveStages(int h, const Event& ev, std::string_view relay_label) {
  for (int i = 0; i < 4; ++i) {
    key_.second.clear();
    if (!relay_label.empty()) Label("relay", relay_label);
    Label("stage", kStages[i]);
    Observe(h, ev.delays[i]);
  }
}

void PostfixMetrics::OnEvent(const Event& ev, const Message* m) {
  (void)m;
  Inc(kLinesRead);
  const Daemon d = ev.daemon;
  if (ev.severity != Severity::kInfo && d != Daemon::kDovecot) {
    Begin(kLogMessages);
    Label("service", DaemonName(d));
    Label("level", Level(ev.severity));
    Bump();
  }
  // Whether postfix_exporter counts the line in one of its families; the
  // others are its postfix_unsupported_log_entries_total.
  bool understood = false;
  switch (ev.kind) {
    case EventKind::kMessageId:
      if (d == Daemon::kCleanup) Inc(kCleanupProcessed), understood = true;
      break;
    case EventKind::kCleanupAction:
      if (d == Daemon::kCleanup) {
        if (ev.action == Action::kReject) Inc(kCleanupRejected), understood = true;
        if (ev.action == Action::kReject || ev.action == Action::kMilterReject || ev.action == Action::kDiscard)
          Inc(kCleanupNotAccepted);
      }
      CountReject(ev);
      break;
    case EventKind::kQueueActive:
      if (d == Daemon::kQmgr && ev.size >= 0 && ev.nrcpt >= 0) {
        key_.second.clear();
        Observe(kHQmgrSize, static_cast<double>(ev.size));
        Observe(kHQmgrRcptLegacy, ev.nrcpt);
        Observe(kHQmgrRcpt, ev.nrcpt);
        understood = true;
      }
      break;
    case EventKind::kRemoved:
      if (d == Daemon::kQmgr) Inc(kQmgrRemoved), understood = true;
      break;
    case EventKind::kExpired:
      if (d == Daemon::kQmgr) Inc(kQmgrExpired), understood = true;
      break;
    case EventKind::kDelivery:
      understood = CountDelivery(ev);
      break;
    case EventKind::kConnect:
      if (d == Daemon::kSmtpd) Inc(kSmtpdConnects), understood = true;
      if (d == Daemon::kPostscreen) Inc(kPostscreenConnects), understood = true;
      break;
    case EventKind::kDisconnect:
      if (d == Daemon::kSmtpd) Inc(kSmtpdDisconnects), understood = true;
      break;
    case EventKind::kAbnormalEnd:
      if (d == Daemon::kSmtpd && StartsWith(ev.text, "lost connection") && IsWord(ev.command) &&
          StartsWith(std::string_view(ev.command.data() + ev.command.size(), 6), " from "))
        Inc(kSmtpdLost, "after_stage", ev.command), understood = true;
      break;
    case EventKind::kClient:
      // Hsn723 0.20: "NONE" without sasl_method, commas dropped.
      if (d == Daemon::kSmtpd) {
        Begin(kSmtpdProcessed);
        std::string_view method = ev.sasl_method;
        while (!method.empty() && method.back() == ',') method.remove_suffix(1);
        Label("sasl_method", ev.sasl_method.empty() ? std::string_view("NONE") : method);
        Bump();
        understood = true;
      }
      break;
    case EventKind::kReject:
      // As the exporter: NOQUEUE RCPT rejects of smtpd and postscreen, by
      // SMTP code; postscreen's CONNECT rejects by reason.
      if (ev.action == Action::kReject && ev.queue_id == "NOQUEUE" && ev.stage == "RCPT" &&
          (d == Daemon::kSmtpd || d == Daemon::kPostscreen)) {
        Inc(d == Daemon::kSmtpd ? kSmtpdRejected : kPsMessagesRejected, "code", ev.reason.substr(0, 3));
        understood = true;
      } else if (d == Daemon::kPostscreen && ev.action == Action::kReject && ev.stage == "CONNECT") {
        Inc(kPsConnectsRejected, "reason", ev.reason);
        understood = true;
      }
      CountReject(ev);
      break;
    case EventKind::kPostscreenVerdict:
      understood = CountPostscreenVerdict(ev);
      break;
    case EventKind::kSaslFailure:
      Inc(kSaslFailures);
      if (d == Daemon::kSmtpd) Inc(kSmtpdSaslFailures), understood = true;
      break;
    case EventKind::kNotice:
      if (d == Daemon::kBounce && ev.text.find("sender non-delivery notification") != std::string_view::npos)
        Inc(kBounceNdn), understood = true;
      break;
    case EventKind::kTls:
      understood = CountTls(ev);
      break;
    case EventKind::kConnectFailure:
      if (d == Daemon::kSmtp && ev.reason == "Connection timed out") Inc(kSmtpTimedOut), understood = true;
      break;
    case EventKind::kWarning:
      if (d == Daemon::kSmtpd && StartsWith(ev.text, "hostname ") &&
          ev.text.find(" does not resolve to address ") != std::string_view::npos)
        Inc(kSmtpdFcrdns), understood = true;
      break;
    case EventKind::kDovecotAuthFailure:
      Inc(kDovecotAuthFailures);
      break;
    default:
      break;
  }
  if (!understood) {
    // The exporter's service label: "" for other programs (Dovecot), and
    // "postfix" for its bounce and virtual parsers.
    std::string_view service = DaemonName(d);
    if (d == Daemon::kDovecot) service = {};
    else if (d == Daemon::kBounce || d == Daemon::kVirtual) service = "postfix";
    else if (d == Daemon::kOther && ev.header != nullptr) service = ev.header->daemon;
    CountUnsupported(service, Level(ev.severity));
  }
}

void PostfixMetrics::CountUnsupported(std::string_view service, std::string_view level) {
  Begin(kUnsupported);
  Label("service", service);
  Label("level", level);
  Bump();
}

bool PostfixMetrics::CountDelivery(const Event& ev) {
  const Daemon d = ev.daemon;
  Inc(kDeliveries, "status", ev.status_word);
  if (ev.has_to) {
    std::string_view to = ev.to;
    size_t at = to.rfind('@');
    domain_.clear();
    fields::AppendLower(&domain_, at == std::string_view::npos ? std::string_view() : to.substr(at + 1));
    std::string_view label = domain_.empty() ? std::string_view("(local)") : DomainLabel(domain_);
    Begin(kDeliveriesByDomain);
    Label("domain", label);
    Label("status", ev.status_word);
    Bump();
  }
  const bool deferred = ev.status == DeliveryStatus::kDeferred;
  if (ev.status == DeliveryStatus::kSent && ev.has_delays) {
    ObserveStages(kHDelay, ev, {});
    key_.second.clear();
    Label("stage", "total");
    Observe(kHDelay, ev.delay_s);
  }
  if (d == Daemon::kVirtual) {
    // The exporter's rule: maildir deliveries only.
    if (ev.status != DeliveryStatus::kSent || ev.status_text != "delivered to maildir") return false;
    Inc(kVirtualDelivered);
    return true;
  }
  // The exporter reads smtp, lmtp and pipe lines with relay= and delays=.
  if (!ev.has_delays || ev.relay.empty()) return false;
  if (d == Daemon::kSmtp) {
    Inc(kSmtpProcessed, "status", ev.status_word);
    if (deferred) {
      Inc(kSmtpDeferredByDsn, "dsn", ev.dsn);
      Inc(kSmtpStatusDeferred);
      Inc(kSmtpDeferred);
    }
    if (ev.status == DeliveryStatus::kBounced) Inc(kSmtpBouncedByDsn, "dsn", ev.dsn);
    // Hsn723 0.20 (#425): delays of deferred attempts are left out.
    if (!deferred) ObserveStages(kHSmtpDelay, ev, {});
    return true;
  }
  if (d == Daemon::kLmtp) {
    if (!deferred) ObserveStages(kHLmtpDelay, ev, {});
    return true;
  }
  if (d == Daemon::kPipe) {
    ObserveStages(kHPipeDelay, ev, ev.relay);
    return true;
  }
  return false;
}

std::string_view PostfixMetrics::DomainLabel(std::string_view domain) {
  if (domains_.contains(Av(domain))) return domain;
  if (domains_.size() >= options_.top_domains) return "other";
  // Space-Saving: a bounded table of candidates; a newcomer replaces the
  // least counted and inherits its count as possible error, so a busy
  // domain cannot be crowded out by one-offs, and a domain is admitted
  // only on deliveries it surely had (count - error).
  auto it = domain_sketch_.find(Av(domain));
  if (it != domain_sketch_.end()) {
    ++it->second.count;
  } else {
    Candidate c{1, 0};
    if (domain_sketch_.size() >= 8 * options_.top_domains + 8) {
      // The least counted; ties go to the smallest name, so the choice does
      // not depend on the table's history (a restored sketch evicts alike).
      auto min = domain_sketch_.begin();
      for (auto j = domain_sketch_.begin(); j != domain_sketch_.end(); ++j)
        if (j->second.count < min->second.count || (j->second.count == min->second.count && j->first < min->first))
          min = j;
      c = Candidate{min->second.count + 1, min->second.count};
      domain_sketch_.erase(min);
    }
    it = domain_sketch_.emplace(std::string(domain), c).first;
  }
  if (it->second.count - it->second.error < options_.domain_min_deliveries) return "other";
  domain_sketch_.erase(it);
  return *domains_.emplace(std::string(domain)).first;
}

void PostfixMetrics::CountReject(const Event& ev) {
  if (ev.action != Action::kReject && ev.action != Action::kMilterReject) return;
  std::string_view list;
  std::string_view cls = RejectRestriction(ev, &list);
  Begin(kRejects);
  Label("service", DaemonName(ev.daemon));
  Label("stage", ev.stage);
  Label("class", cls);
  Bump();
  if (list.empty()) return;
  if (!rbl_names_.contains(Av(list))) {
    if (rbl_names_.size() >= options_.max_rbl_names) list = "other";
    else rbl_names_.emplace(std::string(list));
  }
  Inc(kRblRejects, "rbl", list);
}

bool PostfixMetrics::CountTls(const Event& ev) {
  const int family = ev.daemon == Daemon::kSmtp ? kSmtpTls : ev.daemon == Daemon::kSmtpd ? kSmtpdTls : -1;
  TlsSession t;
  if (family < 0 || !ParseTlsEstablished(ev.text, &t) || t.outgoing != (family == kSmtpTls)) return false;
  Begin(family);
  Label("trust", t.trust);
  Label("protocol", t.protocol);
  Label("cipher", t.cipher);
  Label("secret_bits", t.secret_bits);
  Label("algorithm_bits", t.algorithm_bits);
  Bump();
  return true;
}

void PostfixMetrics::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)line;
  Inc(kLinesRead);
  if (h == nullptr) {
    CountUnsupported({}, {});
    return;
  }
  Inc(kUnparsed, "program", h->program);
  std::string_view message = h->message;
  CountUnsupported(origin == Origin::kPostfix ? h->daemon : std::string_view(), Level(TakeSeverity(&message)));
}

void PostfixMetrics::OnForeign(const SyslogHeader& h, std::string_view line) {
  (void)line;
  Inc(kLinesRead);
  // opendkim: "QID: DKIM-Signature field added (s=SELECTOR, d=DOMAIN)";
  // any other line is the exporter's unsupported{service=""} (its pattern
  // matches only postfix and opendkim).
  const bool opendkim = h.program == "opendkim";
  constexpr std::string_view kAdded = ": DKIM-Signature field added (s=";
  std::string_view s = h.message;
  size_t c = s.find(kAdded);
  size_t comma = std::string_view::npos;
  if (opendkim && c != std::string_view::npos && s.back() == ')') {
    s = s.substr(c + kAdded.size(), s.size() - c - kAdded.size() - 1);
    comma = s.find(", d=");
  }
  if (comma == std::string_view::npos) {
    std::string_view message = h.message;
    CountUnsupported(opendkim ? std::string_view("opendkim") : std::string_view(),
                     opendkim ? Level(TakeSeverity(&message)) : std::string_view());
    return;
  }
  Begin(kOpendkimSigned);
  Label("subject", s.substr(0, comma));
  Label("domain", s.substr(comma + 4));
  Bump();
}

bool PostfixMetrics::CountPostscreenVerdict(const Event& ev) {
  std::string_view v = ev.text;
  if (v == "PASS NEW") Inc(kPsPasses, "type", "new");
  else if (v == "PASS OLD") Inc(kPsPasses, "type", "old");
  else if (v == "HANGUP") Inc(kPsHangups);
  else if (v == "ALLOWLISTED" || v == "WHITELISTED") Inc(kPsAccessList, "action", "allow");
  else if (v == "DENYLISTED" || v == "BLACKLISTED") Inc(kPsAccessList, "action", "deny");
  else if (v == "DNSBL") {
    double rank = 0;
    auto r = std::from_chars(ev.reason.data(), ev.reason.data() + ev.reason.size(), rank);
    if (r.ec != std::errc()) return false;
    key_.second.clear();
    Observe(kHDnsblRank, rank);
  } else if (v == "PREGREET" || v == "BARE NEWLINE" || v == "NON-SMTP COMMAND" || v == "COMMAND PIPELINING" ||
             v == "COMMAND TIME LIMIT" || v == "COMMAND COUNT LIMIT" || v == "COMMAND LENGTH LIMIT") {
    Begin(kPsTestsFailed);
    key_.second.append("test=\"");  // the exporter's label: spaces and dashes become '_'
    for (char c : v) key_.second.push_back(c == ' ' || c == '-' ? '_' : c);
    key_.second.push_back('"');
    Bump();
  } else {
    return false;
  }
  return true;
}

uint64_t PostfixMetrics::Value(std::string_view family, std::string_view labels) const {
  for (int f = 0; f < kFamilyCount; ++f) {
    if (family != kFamilies[f].name) continue;
    auto it = series_.find({f, std::string(labels)});
    return it == series_.end() ? 0 : it->second;
  }
  return 0;
}

std::span<const double> PostfixMetrics::DelayBounds() { return kDelayBuckets; }

const Histogram* PostfixMetrics::HistogramOf(std::string_view family, std::string_view labels) const {
  for (int h = 0; h < kHCount; ++h) {
    if (family != kHistograms[h].name) continue;
    auto it = histograms_.find({h, std::string(labels)});
    return it == histograms_.end() ? nullptr : &it->second;
  }
  return nullptr;
}

// State, one record per line:
//   "FAMILY COUNT LEN:LABELS"          a counter series
//   "h FAMILY LEN:LABELS SUM C0..CN"   a histogram series
//   "d LEN:DOMAIN"                     an admitted destination domain
//   "s LEN:DOMAIN COUNT ERROR"         a candidate domain of the sketch
//   "r LEN:NAME"                       a DNSBL name with its own series
std::string PostfixMetrics::SaveState() const {
  std::string out;
  auto text = [&out](std::string_view s) { out.append(std::to_string(s.size())).append(":").append(s); };
  for (const auto& [key, count] : series_) {
    out.append(std::to_string(key.first)).push_back(' ');
    out.append(std::to_string(count)).push_back(' ');
    text(key.second);
    out.push_back('\n');
  }
  for (const auto& [key, h] : histograms_) {
    out.append("h ").append(std::to_string(key.first)).push_back(' ');
    text(key.second);
    out.push_back(' ');
    h.Save(&out);
    out.push_back('\n');
  }
  for (const std::string& d : std::set<std::string>(domains_.begin(), domains_.end())) {
    out.append("d ");
    text(d);
    out.push_back('\n');
  }
  for (const auto& [d, c] : std::map<std::string, Candidate>(domain_sketch_.begin(), domain_sketch_.end())) {
    out.append("s ");
    text(d);
    out.append(" ").append(std::to_string(c.count)).append(" ").append(std::to_string(c.error)).push_back('\n');
  }
  for (const std::string& r : std::set<std::string>(rbl_names_.begin(), rbl_names_.end())) {
    out.append("r ");
    text(r);
    out.push_back('\n');
  }
  return out;
}

bool PostfixMetrics::LoadState(std::string_view s) {
  std::map<Key, uint64_t> series;
  std::map<Key, Histogram> histograms;
  absl::flat_hash_set<std::string> domains, rbls;
  absl::flat_hash_map<std::string, Candidate> sketch;
  // Reads "LEN:TEXT" at *p; false if malformed.
  auto text = [](std::string_view* p, std::string* out) {
    size_t len = 0;
    auto r = std::from_chars(p->data(), p->data() + p->size(), len);
    if (r.ec != std::errc() || r.ptr == p->data() + p->size() || *r.ptr != ':') return false;
    size_t at = static_cast<size_t>(r.ptr + 1 - p->data());
    if (len > p->size() - at) return false;
    out->assign(p->substr(at, len));
    p->remove_prefix(at + len);
    return true;
  };
  auto number = [](std::string_view* p, auto* v) {
    auto r = std::from_chars(p->data(), p->data() + p->size(), *v);
    if (r.ec != std::errc()) return false;
    p->remove_prefix(static_cast<size_t>(r.ptr - p->data()));
    return true;
  };
  while (!s.empty()) {
    size_t nl = s.find('\n');
    if (nl == std::string_view::npos) return false;
    std::string_view rec = s.substr(0, nl);
    s.remove_prefix(nl + 1);
    // A label text may hold no newline (escaped as \n), so records are lines.
    if (fields::Consume(&rec, "h ")) {
      int h = 0;
      Key k;
      if (!number(&rec, &h) || h < 0 || h >= kHCount || !fields::Consume(&rec, " ") || !text(&rec, &k.second) ||
          !fields::Consume(&rec, " "))
        return false;
      k.first = h;
      Histogram hist;
      if (!hist.Load(rec, kHistograms[h].bounds.size())) return false;
      histograms[k] = std::move(hist);
    } else if (fields::Consume(&rec, "s ")) {
      std::string d;
      Candidate c{};
      if (!text(&rec, &d) || !fields::Consume(&rec, " ") || !number(&rec, &c.count) || !fields::Consume(&rec, " ") ||
          !number(&rec, &c.error) || !rec.empty() || c.error > c.count)
        return false;
      sketch[std::move(d)] = c;
    } else if (rec.size() > 2 && (rec[0] == 'd' || rec[0] == 'r') && rec[1] == ' ') {
      const bool domain = rec[0] == 'd';
      rec.remove_prefix(2);
      std::string v;
      if (!text(&rec, &v) || !rec.empty()) return false;
      (domain ? domains : rbls).insert(std::move(v));
    } else {
      int family = 0;
      uint64_t count = 0;
      Key k;
      if (!number(&rec, &family) || family < 0 || family >= kFamilyCount || !fields::Consume(&rec, " ") ||
          !number(&rec, &count) || !fields::Consume(&rec, " ") || !text(&rec, &k.second) || !rec.empty())
        return false;
      k.first = family;
      series[k] = count;
    }
  }
  series_ = std::move(series);
  histograms_ = std::move(histograms);
  domains_ = std::move(domains);
  rbl_names_ = std::move(rbls);
  domain_sketch_ = std::move(sketch);
  return true;
}

void PostfixMetrics::WriteMetrics(std::string* out) const {
  auto it = series_.begin();
  for (int f = 0; f < kFamilyCount; ++f) {
    // postfix_smtp_status_deferred keeps the exporter's name, which lacks
    // the counter suffix promtool requires: it is exposed untyped.
    AppendMetricHeader(out, kFamilies[f].name, f == kSmtpStatusDeferred ? "untyped" : "counter", kFamilies[f].help);
    bool any = false;
    for (; it != series_.end() && it->first.first == f; ++it) {
      any = true;
      out->append(kFamilies[f].name);
      if (!it->first.second.empty()) out->append("{").append(it->first.second).append("}");
      out->append(" ").append(std::to_string(it->second)).push_back('\n');
    }
    if (!any && !kFamilies[f].labelled) out->append(kFamilies[f].name).append(" 0\n");
  }
  auto h = histograms_.begin();
  for (int f = 0; f < kHCount; ++f) {
    const HistogramFamily& fam = kHistograms[f];
    AppendMetricHeader(out, fam.name, "histogram", fam.help);
    bool any = false;
    for (; h != histograms_.end() && h->first.first == f; ++h) {
      any = true;
      AppendHistogram(out, fam.name, h->first.second, fam.bounds, h->second);
    }
    if (!any && !fam.labelled) AppendHistogram(out, fam.name, {}, fam.bounds, Histogram(fam.bounds.size()));
  }
}

}  // namespace maillens
