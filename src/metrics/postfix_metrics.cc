// postfix_metrics.cc - counting rules and text exposition of PostfixMetrics.
#include "metrics/postfix_metrics.h"

#include <charconv>

#include "postfix/event.h"

namespace maillens {
namespace {

struct Family {
  const char* name;
  const char* help;
};

enum F {
  kCleanupProcessed, kCleanupRejected, kQmgrRemoved, kQmgrExpired, kSmtpProcessed,
  kSmtpDeferredByDsn, kSmtpBouncedByDsn, kSmtpdConnects, kSmtpdDisconnects, kSmtpdLost,
  kSmtpdProcessed, kSmtpdRejected, kSmtpdSaslFailures, kBounceNdn, kVirtualDelivered,
  kPostscreenConnects, kUnsupported, kLinesRead, kUnparsed, kDeliveries, kSaslFailures,
  kDovecotAuthFailures, kPsConnectsRejected, kPsPasses, kPsMessagesRejected, kPsTestsFailed, kPsHangups,
  kPsAccessList, kSmtpStatusDeferred, kFamilyCount,
};

// Families in exposition order; all are counters.
constexpr Family kFamilies[kFamilyCount] = {
    {"postfix_cleanup_messages_processed_total", "Total number of messages processed by cleanup."},
    {"postfix_cleanup_messages_rejected_total", "Total number of messages rejected by cleanup."},
    {"postfix_qmgr_messages_removed_total", "Total number of messages removed from mail queues."},
    {"postfix_qmgr_messages_expired_total", "Total number of mail queue items expired."},
    {"postfix_smtp_messages_processed_total", "Total number of messages that have been processed by the smtp process."},
    {"postfix_smtp_deferred_messages_by_dsn_total", "Total number of messages deferred, by DSN."},
    {"postfix_smtp_bounced_messages_by_dsn_total", "Total number of messages bounced, by DSN."},
    {"postfix_smtpd_connects_total", "Total number of incoming connections."},
    {"postfix_smtpd_disconnects_total", "Total number of incoming disconnections."},
    {"postfix_smtpd_connections_lost_total", "Total number of connections lost."},
    {"postfix_smtpd_messages_processed_total", "Total number of messages processed."},
    {"postfix_smtpd_messages_rejected_total", "Total number of NOQUEUE rejects."},
    {"postfix_smtpd_sasl_authentication_failures_total", "Total number of SASL authentication failures."},
    {"postfix_bounce_non_delivery_notification_total", "Total number of non delivery notification sent by bounce."},
    {"postfix_virtual_delivered_total", "Total number of mail delivered to a virtual mailbox."},
    {"postfix_postscreen_connects_total", "Total number of incoming postscreen connections."},
    {"postfix_unsupported_log_entries_total", "Log entries that could not be processed."},
    {"maillens_lines_read_total", "Log lines seen by maillens (parsed or not)."},
    {"maillens_unparsed_lines_total", "Lines of a mail program no parser understood, by program."},
    {"maillens_deliveries_total", "Delivery attempts by status (all delivery agents)."},
    {"maillens_sasl_auth_failures_total", "Postfix SASL authentication failures (all smtpd services)."},
    {"maillens_dovecot_auth_failures_total", "Dovecot authentication failures."},
    {"postfix_postscreen_connects_rejected_total", "Total number of postscreen connections rejected, by reason."},
    {"postfix_postscreen_passes_total", "Total number of postscreen passes, by type (new/old)."},
    {"postfix_postscreen_messages_rejected_total", "Total number of postscreen rejects, by SMTP code."},
    {"postfix_postscreen_tests_failed_total", "Total number of failed postscreen tests, by test."},
    {"postfix_postscreen_hangups_total", "Total number of postscreen hangups."},
    {"postfix_postscreen_access_list_matches_total", "Postscreen access list matches, by action (allow/deny)."},
    {"postfix_smtp_status_deferred", "Total number of messages deferred."},
};

// True if `s` starts with `p`.
bool Starts(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

void AppendLabelValue(std::string_view v, std::string* out) {
  for (char c : v) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

void PostfixMetrics::Inc(int family, std::string_view name, std::string_view value) {
  std::string labels;
  if (!name.empty()) {
    labels.append(name).append("=\"");
    AppendLabelValue(value, &labels);
    labels.push_back('"');
  }
  ++series_[{family, std::move(labels)}];
}

void PostfixMetrics::OnEvent(const Event& ev, const Message* m) {
  (void)m;
  Inc(kLinesRead);
  const Daemon d = ev.daemon;
  switch (ev.kind) {
    case EventKind::kMessageId:
      if (d == Daemon::kCleanup) Inc(kCleanupProcessed);
      break;
    case EventKind::kCleanupAction:
      if (d == Daemon::kCleanup && ev.action == Action::kReject) Inc(kCleanupRejected);
      break;
    case EventKind::kRemoved:
      if (d == Daemon::kQmgr) Inc(kQmgrRemoved);
      break;
    case EventKind::kExpired:
      if (d == Daemon::kQmgr) Inc(kQmgrExpired);
      break;
    case EventKind::kDelivery:
      Inc(kDeliveries, "status", ev.status_word);
      if (d == Daemon::kSmtp) {
        Inc(kSmtpProcessed, "status", ev.status_word);
        if (ev.status == DeliveryStatus::kDeferred) {
          Inc(kSmtpDeferredByDsn, "dsn", ev.dsn);
          Inc(kSmtpStatusDeferred);
        }
        if (ev.status == DeliveryStatus::kBounced) Inc(kSmtpBouncedByDsn, "dsn", ev.dsn);
      } else if (d == Daemon::kVirtual && ev.status == DeliveryStatus::kSent) {
        Inc(kVirtualDelivered);
      }
      break;
    case EventKind::kConnect:
      if (d == Daemon::kSmtpd) Inc(kSmtpdConnects);
      if (d == Daemon::kPostscreen) Inc(kPostscreenConnects);
      break;
    case EventKind::kDisconnect:
      if (d == Daemon::kSmtpd) Inc(kSmtpdDisconnects);
      break;
    case EventKind::kAbnormalEnd:
      if (d == Daemon::kSmtpd && Starts(ev.text, "lost connection")) {
        Inc(kSmtpdLost, "after_stage", ev.command);
      }
      break;
    case EventKind::kClient:
      if (d == Daemon::kSmtpd) Inc(kSmtpdProcessed, "sasl_method", ev.sasl_method);
      break;
    case EventKind::kReject:
      // As the exporter: smtpd's NOQUEUE RCPT rejects only.
      if (d == Daemon::kSmtpd && ev.action == Action::kReject && ev.queue_id == "NOQUEUE" &&
          ev.stage == "RCPT") {
        Inc(kSmtpdRejected, "code", ev.reason.substr(0, 3));
      } else if (d == Daemon::kPostscreen && ev.action == Action::kReject) {
        if (ev.stage == "CONNECT") Inc(kPsConnectsRejected, "reason", ev.reason);
        else Inc(kPsMessagesRejected, "code", ev.reason.substr(0, 3));
      }
      break;
    case EventKind::kPostscreenVerdict:
      CountPostscreenVerdict(ev.text);
      break;
    case EventKind::kSaslFailure:
      Inc(kSaslFailures);
      if (d == Daemon::kSmtpd) Inc(kSmtpdSaslFailures);
      break;
    case EventKind::kNotice:
      if (d == Daemon::kBounce && ev.text.find("sender non-delivery notification") !=
                                      std::string_view::npos) {
        Inc(kBounceNdn);
      }
      break;
    case EventKind::kDovecotAuthFailure:
      Inc(kDovecotAuthFailures);
      break;
    default:
      break;
  }
}

void PostfixMetrics::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)origin, (void)line;
  Inc(kLinesRead);
  if (h == nullptr) return;
  Inc(kUnparsed, "program", h->program);
  if (Starts(h->program, "postfix")) {
    std::string labels = "service=\"";
    AppendLabelValue(h->daemon, &labels);
    labels.append("\",level=\"\"");
    ++series_[{kUnsupported, std::move(labels)}];
  }
}

void PostfixMetrics::CountPostscreenVerdict(std::string_view v) {
  if (v == "PASS NEW") Inc(kPsPasses, "type", "new");
  else if (v == "PASS OLD") Inc(kPsPasses, "type", "old");
  else if (v == "HANGUP") Inc(kPsHangups);
  else if (v == "ALLOWLISTED" || v == "WHITELISTED") Inc(kPsAccessList, "action", "allow");
  else if (v == "DENYLISTED" || v == "BLACKLISTED") Inc(kPsAccessList, "action", "deny");
  else if (v == "PREGREET" || v == "BARE NEWLINE" || v == "NON-SMTP COMMAND" || Starts(v, "COMMAND ")) {
    std::string test(v);  // the exporter's label: spaces and dashes become '_'
    for (char& c : test) if (c == ' ' || c == '-') c = '_';
    Inc(kPsTestsFailed, "test", test);
  }
}

uint64_t PostfixMetrics::Value(std::string_view family, std::string_view labels) const {
  for (int f = 0; f < kFamilyCount; ++f) {
    if (family != kFamilies[f].name) continue;
    auto it = series_.find({f, std::string(labels)});
    return it == series_.end() ? 0 : it->second;
  }
  return 0;
}

// State: one "family count labels-length:labels\n" record per series.
std::string PostfixMetrics::SaveState() const {
  std::string out;
  for (const auto& [key, count] : series_) {
    out.append(std::to_string(key.first)).push_back(' ');
    out.append(std::to_string(count)).push_back(' ');
    out.append(std::to_string(key.second.size())).push_back(':');
    out.append(key.second).push_back('\n');
  }
  return out;
}

bool PostfixMetrics::LoadState(std::string_view s) {
  std::map<std::pair<int, std::string>, uint64_t> loaded;
  while (!s.empty()) {
    int family = 0;
    uint64_t count = 0;
    size_t len = 0;
    const char* p = s.data();
    const char* end = s.data() + s.size();
    auto r = std::from_chars(p, end, family);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ' || family < 0 || family >= kFamilyCount)
      return false;
    r = std::from_chars(r.ptr + 1, end, count);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return false;
    r = std::from_chars(r.ptr + 1, end, len);
    if (r.ec != std::errc() || r.ptr == end || *r.ptr != ':') return false;
    const size_t at = static_cast<size_t>(r.ptr + 1 - p);
    if (len >= s.size() - at || s[at + len] != '\n') return false;
    loaded[{family, std::string(s.substr(at, len))}] = count;
    s.remove_prefix(at + len + 1);
  }
  series_ = std::move(loaded);
  return true;
}

void PostfixMetrics::WriteMetrics(std::string* out) const {
  auto it = series_.begin();
  for (int f = 0; f < kFamilyCount; ++f) {
    out->append("# HELP ").append(kFamilies[f].name).append(" ").append(kFamilies[f].help);
    // postfix_smtp_status_deferred keeps the exporter's name, which lacks
    // the counter suffix promtool requires: it is exposed untyped.
    out->append("\n# TYPE ").append(kFamilies[f].name).append(f == kSmtpStatusDeferred ? " untyped\n" : " counter\n");
    bool any = false;
    for (; it != series_.end() && it->first.first == f; ++it) {
      any = true;
      out->append(kFamilies[f].name);
      if (!it->first.second.empty()) out->append("{").append(it->first.second).append("}");
      out->append(" ").append(std::to_string(it->second)).push_back('\n');
    }
    // An unlabelled family with no series yet is exposed as 0.
    if (!any && f != kSmtpProcessed && f != kSmtpDeferredByDsn && f != kSmtpBouncedByDsn &&
        f != kSmtpdLost && f != kSmtpdProcessed && f != kSmtpdRejected && f != kUnsupported &&
        f != kUnparsed && f != kDeliveries && f != kPsConnectsRejected && f != kPsPasses &&
        f != kPsMessagesRejected && f != kPsTestsFailed && f != kPsAccessList) {
      out->append(kFamilies[f].name).append(" 0\n");
    }
  }
}

}  // namespace maillens
