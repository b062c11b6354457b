// parser.cc - program classification, the common message prefix (severity,
// queue ID) and dispatch to the per-daemon parsers.
#include "postfix/parser.h"

#include "postfix/fields.h"

namespace maillens {

using fields::Consume;
using fields::StartsWith;

const char* DaemonName(Daemon d) {
  switch (d) {
    case Daemon::kOther: return "other";
    case Daemon::kSmtpd: return "smtpd";
    case Daemon::kPostscreen: return "postscreen";
    case Daemon::kCleanup: return "cleanup";
    case Daemon::kQmgr: return "qmgr";
    case Daemon::kPickup: return "pickup";
    case Daemon::kSmtp: return "smtp";
    case Daemon::kLmtp: return "lmtp";
    case Daemon::kLocal: return "local";
    case Daemon::kVirtual: return "virtual";
    case Daemon::kPipe: return "pipe";
    case Daemon::kError: return "error";
    case Daemon::kDiscard: return "discard";
    case Daemon::kBounce: return "bounce";
    case Daemon::kPostsuper: return "postsuper";
    case Daemon::kMaster: return "master";
    case Daemon::kAnvil: return "anvil";
    case Daemon::kScache: return "scache";
    case Daemon::kTlsproxy: return "tlsproxy";
    case Daemon::kDnsblog: return "dnsblog";
    case Daemon::kQmqpd: return "qmqpd";
    case Daemon::kPostfixScript: return "postfix-script";
    case Daemon::kSendmail: return "sendmail";
    case Daemon::kPostdrop: return "postdrop";
    case Daemon::kVerify: return "verify";
    case Daemon::kTrivialRewrite: return "trivial-rewrite";
    case Daemon::kPostlogd: return "postlogd";
    case Daemon::kDovecot: return "dovecot";
  }
  return "?";
}

Daemon DaemonFromName(std::string_view n) {
  // Switch on the first letter: a handful of comparisons per line at most.
  if (n.empty()) return Daemon::kOther;
  switch (n[0]) {
    case 'a': if (n == "anvil") return Daemon::kAnvil; break;
    case 'b': if (n == "bounce") return Daemon::kBounce; break;
    case 'c': if (n == "cleanup") return Daemon::kCleanup; break;
    case 'd':
      if (n == "discard") return Daemon::kDiscard;
      if (n == "dnsblog") return Daemon::kDnsblog;
      break;
    case 'e': if (n == "error") return Daemon::kError; break;
    case 'l':
      if (n == "local") return Daemon::kLocal;
      if (n == "lmtp") return Daemon::kLmtp;
      break;
    case 'm': if (n == "master") return Daemon::kMaster; break;
    case 'n': if (n == "nqmgr") return Daemon::kQmgr; break;
    case 'p':
      if (n == "pickup") return Daemon::kPickup;
      if (n == "pipe") return Daemon::kPipe;
      if (n == "postscreen") return Daemon::kPostscreen;
      if (n == "postsuper") return Daemon::kPostsuper;
      if (n == "postfix-script") return Daemon::kPostfixScript;
      if (n == "postdrop") return Daemon::kPostdrop;
      if (n == "postlogd") return Daemon::kPostlogd;
      break;
    case 'q':
      if (n == "qmgr") return Daemon::kQmgr;
      if (n == "qmqpd") return Daemon::kQmqpd;
      break;
    case 'r': if (n == "retry") return Daemon::kError; break;
    case 's':
      if (n == "smtpd") return Daemon::kSmtpd;
      if (n == "smtp") return Daemon::kSmtp;
      if (n == "scache") return Daemon::kScache;
      if (n == "sendmail") return Daemon::kSendmail;
      break;
    case 't':
      if (n == "tlsproxy") return Daemon::kTlsproxy;
      if (n == "trivial-rewrite") return Daemon::kTrivialRewrite;
      break;
    case 'v':
      if (n == "virtual") return Daemon::kVirtual;
      if (n == "verify") return Daemon::kVerify;
      break;
  }
  return Daemon::kOther;
}

Origin ClassifyProgram(const SyslogHeader& h, const ParserOptions& options) {
  std::string_view p = h.program;
  size_t slash = p.find('/');
  std::string_view first = p.substr(0, slash);
  if (first == "postfix" || StartsWith(first, "postfix-")) {
    // "postfix-script" alone is Postfix's; "postfix-out/smtp" is an instance.
    return Origin::kPostfix;
  }
  if (!options.syslog_name.empty() && slash != std::string_view::npos &&
      (first == options.syslog_name || h.service == options.syslog_name))
    return Origin::kPostfix;
  if (StartsWith(first, "dovecot")) return Origin::kDovecot;
  if (h.host.empty()) return Origin::kDovecot;  // Dovecot's own log file has no host field
  return Origin::kForeign;
}

namespace {

// smtpd_sasl_glue.c:351 "%s: SASL %.100s authentication failed: %s[, sasl_username=%.100s]"
bool ParseSaslFailure(std::string_view msg, Event* ev) {
  size_t i = msg.find(": SASL ");
  if (i == std::string_view::npos) return false;
  std::string_view rest = msg.substr(i + 7);
  std::string_view method = fields::TakeUntil(&rest, ' ');
  if (!Consume(&rest, "authentication failed")) return false;
  ev->client = msg.substr(0, i);
  fields::SplitNamAddr(ev->client, &ev->client_name, &ev->client_addr, &ev->client_port);
  ev->sasl_method = method;
  Consume(&rest, ": ");
  size_t u = rest.rfind(", sasl_username=");
  if (u != std::string_view::npos) {
    ev->sasl_username = rest.substr(u + 16);
    rest = rest.substr(0, u);
  }
  ev->reason = rest;
  ev->kind = EventKind::kSaslFailure;
  return true;
}

}  // namespace

bool IsRepeatNotice(std::string_view msg) {
  // syslogd: "last message repeated N times"; rsyslog: "message repeated N times: [ MSG]".
  Consume(&msg, "last ");
  if (!Consume(&msg, "message repeated ")) return false;
  size_t n = 0;
  while (n < msg.size() && msg[n] >= '0' && msg[n] <= '9') ++n;
  return n > 0 && StartsWith(msg.substr(n), " time");
}

namespace internal {
bool IgnoreKnown(std::string_view m, std::initializer_list<std::string_view> prefixes, Event* ev) {
  for (std::string_view p : prefixes) {
    if (StartsWith(m, p)) {
      ev->kind = EventKind::kIgnored;
      ev->text = m;
      return true;
    }
  }
  return false;
}
}  // namespace internal

Severity TakeSeverity(std::string_view* msg) {
  if (msg->empty()) return Severity::kInfo;
  switch ((*msg)[0]) {
    case 'w': if (Consume(msg, "warning: ")) return Severity::kWarning; break;
    case 'e': if (Consume(msg, "error: ")) return Severity::kError; break;
    case 'f': if (Consume(msg, "fatal: ")) return Severity::kFatal; break;
    case 'p': if (Consume(msg, "panic: ")) return Severity::kPanic; break;
  }
  return Severity::kInfo;
}

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kError: return "error";
    case Severity::kFatal: return "fatal";
    case Severity::kPanic: return "panic";
  }
  return "info";
}

bool ParseMailLine(const SyslogHeader& h, Origin origin, Event* ev) {
  ev->Reset();
  ev->header = &h;
  if (origin == Origin::kDovecot) {
    ev->daemon = Daemon::kDovecot;
    return internal::ParseDovecot(h, ev);
  }
  ev->daemon = DaemonFromName(h.daemon);
  std::string_view msg = h.message;
  if (IsRepeatNotice(msg)) {
    ev->kind = EventKind::kRepeated;
    ev->text = msg;
    return true;
  }
  ev->severity = TakeSeverity(&msg);
  if (ev->severity != Severity::kInfo) {
    ev->text = msg;
    if (ev->severity == Severity::kWarning && (ev->daemon == Daemon::kSmtpd) && ParseSaslFailure(msg, ev))
      return true;
    switch (ev->severity) {
      case Severity::kWarning: ev->kind = EventKind::kWarning; break;
      case Severity::kError: ev->kind = EventKind::kError; break;
      case Severity::kFatal: ev->kind = EventKind::kFatal; break;
      case Severity::kPanic: ev->kind = EventKind::kPanic; break;
      case Severity::kInfo: break;
    }
    return true;
  }
  // Old (pre-NOQUEUE) smtpd form: "reject: RCPT from ...".
  if (internal::ParseRejectLine(msg, ev)) return true;

  // "QUEUEID: " or "NOQUEUE: " prefix.
  size_t colon = msg.substr(0, 34).find(": ");  // a queue ID is at most 32 chars
  if (colon != std::string_view::npos) {
    std::string_view tok = msg.substr(0, colon);
    if (tok == "NOQUEUE" || fields::IsQueueId(tok)) {
      ev->queue_id = tok;
      msg.remove_prefix(colon + 2);
    }
  }
  bool ok = false;
  switch (ev->daemon) {
    case Daemon::kSmtpd:
    case Daemon::kQmqpd: ok = internal::ParseSmtpd(msg, ev); break;
    case Daemon::kPostscreen: ok = internal::ParsePostscreen(msg, ev); break;
    case Daemon::kCleanup: ok = internal::ParseCleanup(msg, ev); break;
    case Daemon::kPickup: ok = internal::ParsePickup(msg, ev); break;
    case Daemon::kQmgr: ok = internal::ParseQmgr(msg, ev); break;
    case Daemon::kBounce: ok = internal::ParseBounce(msg, ev); break;
    case Daemon::kPostsuper: ok = internal::ParsePostsuper(msg, ev); break;
    case Daemon::kSmtp:
    case Daemon::kLmtp:
    case Daemon::kLocal:
    case Daemon::kVirtual:
    case Daemon::kPipe:
    case Daemon::kError:
    case Daemon::kDiscard: ok = internal::ParseDelivery(msg, ev); break;
    default: break;
  }
  if (!ok) ok = internal::ParseMisc(msg, ev);
  if (!ok) ev->kind = EventKind::kUnrecognised;
  return ok;
}

}  // namespace maillens

namespace maillens {

const char* EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kUnrecognised: return "unrecognised";
    case EventKind::kConnect: return "connect";
    case EventKind::kDisconnect: return "disconnect";
    case EventKind::kClient: return "client";
    case EventKind::kReject: return "reject";
    case EventKind::kAbnormalEnd: return "abnormal_end";
    case EventKind::kSaslFailure: return "sasl_failure";
    case EventKind::kPostscreenVerdict: return "postscreen_verdict";
    case EventKind::kTls: return "tls";
    case EventKind::kMessageId: return "message_id";
    case EventKind::kCleanupAction: return "cleanup_action";
    case EventKind::kPickup: return "pickup";
    case EventKind::kQueueActive: return "queue_active";
    case EventKind::kExpired: return "expired";
    case EventKind::kRemoved: return "removed";
    case EventKind::kDelivery: return "delivery";
    case EventKind::kNotice: return "notice";
    case EventKind::kQueueOp: return "queue_op";
    case EventKind::kWarning: return "warning";
    case EventKind::kError: return "error";
    case EventKind::kFatal: return "fatal";
    case EventKind::kPanic: return "panic";
    case EventKind::kMaster: return "master";
    case EventKind::kStatistics: return "statistics";
    case EventKind::kConnectFailure: return "connect_failure";
    case EventKind::kDovecotLogin: return "dovecot_login";
    case EventKind::kDovecotAuthFailure: return "dovecot_auth_failure";
    case EventKind::kDovecotDelivery: return "dovecot_delivery";
    case EventKind::kIgnored: return "ignored";
    case EventKind::kRepeated: return "repeated";
    case EventKind::kProxyAccept: return "proxy_accept";
  }
  return "?";
}

const char* ActionName(Action a) {
  switch (a) {
    case Action::kNone: return "none";
    case Action::kReject: return "reject";
    case Action::kRejectWarning: return "reject_warning";
    case Action::kMilterReject: return "milter-reject";
    case Action::kHold: return "hold";
    case Action::kDiscard: return "discard";
    case Action::kFilter: return "filter";
    case Action::kRedirect: return "redirect";
    case Action::kBcc: return "bcc";
    case Action::kWarn: return "warning";
    case Action::kInfo: return "info";
    case Action::kPrepend: return "prepend";
    case Action::kReplace: return "replace";
    case Action::kStrip: return "strip";
    case Action::kDelay: return "delay";
    case Action::kPass: return "pass";
    case Action::kHangup: return "hangup";
    case Action::kMilterHold: return "milter-hold";
    case Action::kMilterDiscard: return "milter-discard";
    case Action::kProxyReject: return "proxy-reject";
  }
  return "?";
}

const char* DeliveryStatusName(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::kNone: return "none";
    case DeliveryStatus::kSent: return "sent";
    case DeliveryStatus::kDeferred: return "deferred";
    case DeliveryStatus::kBounced: return "bounced";
    case DeliveryStatus::kExpired: return "expired";
    case DeliveryStatus::kSoftBounce: return "softbounce";
    case DeliveryStatus::kDeliverable: return "deliverable";
    case DeliveryStatus::kUndeliverable: return "undeliverable";
    case DeliveryStatus::kDelivered: return "delivered";
    case DeliveryStatus::kOther: return "unknown-status";
  }
  return "?";
}

}  // namespace maillens
