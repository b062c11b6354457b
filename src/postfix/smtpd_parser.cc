// smtpd_parser.cc - smtpd(8) (and qmqpd) session lines.
//   smtpd/smtpd.c:6486        "connect from %s"
//   smtpd/smtpd.c:6535,6339   "disconnect from %s%s" with " ehlo=1 ... commands=n/m"
//   smtpd/smtpd.c:2456        "%s: client=%s" + ", sasl_method=", ", sasl_username=",
//                             ", sasl_sender=", ", orig_queue_id=", ", orig_client="
//   smtpd/smtpd.c:6294-6308   "[%s: ]%s after %s[ (%lu bytes)] from %s"
//                             (queue ID prefix since 3.10-20250105)
//   smtpd/smtpd.c:5829        "improper command pipelining after %s from %s: %s"
//   tls/tls_misc.c:1410       "%s TLS connection %s from %s: ..."
//   smtpd/smtpd.c (smtpd_proxy_filter verdicts, logged at END-OF-MESSAGE):
//                             "[%s: ]proxy-accept: %s: %s;" / "[%s: ]proxy-reject: %s: %s;"
//                             + " from=<%s> to=<%s> proto=%s helo=<%s>" (no client: the
//                             session's "connect from" / "NOQUEUE: client=" name it)
//   access-check lines: reject_parser.cc
// SASL failures ("warning: ...: SASL ... authentication failed") are parsed in
// parser.cc with the other warnings.

#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

namespace {

void SetClient(std::string_view c, Event* ev) {
  ev->client = c;
  fields::SplitNamAddr(c, &ev->client_name, &ev->client_addr, &ev->client_port);
}

// "lost connection|timeout|too many errors after CMD[ (N bytes)] from CLIENT"
bool ParseAbnormal(std::string_view m, Event* ev) {
  static constexpr std::string_view kWhat[] = {"lost connection after ", "timeout after ",
                                               "too many errors after ",
                                               "improper command pipelining after "};
  for (std::string_view w : kWhat) {
    if (!StartsWith(m, w)) continue;
    ev->text = m.substr(0, w.size() - 7);  // without " after " (a view into the line)
    m.remove_prefix(w.size());
    size_t from = m.find(" from ");
    if (from == std::string_view::npos) return false;
    ev->command = m.substr(0, from);
    size_t paren = ev->command.find(" (");
    if (paren != std::string_view::npos) ev->command = ev->command.substr(0, paren);
    m.remove_prefix(from + 6);
    size_t colon = m.find(": ");
    SetClient(m.substr(0, colon), ev);
    ev->kind = EventKind::kAbnormalEnd;
    return true;
  }
  return false;
}

// "proxy-accept|proxy-reject: STAGE: REPLY; from=<..> to=<..> proto=.. helo=<..>"
bool ParseProxyVerdict(std::string_view m, Event* ev) {
  bool accept;
  if (Consume(&m, "proxy-accept: ")) accept = true;
  else if (Consume(&m, "proxy-reject: ")) accept = false;
  else return false;
  size_t c = m.find(": ");
  if (c == std::string_view::npos || c > 40) return false;
  ev->stage = m.substr(0, c);
  m.remove_prefix(c + 2);
  ParseReplyAndEnvelope(m, ev);
  if (ev->queue_id.empty()) ev->queue_id = "NOQUEUE";  // a static string, not the line's
  if (accept) {
    // "250 2.0.0 Ok: queued as QID" (a Postfix after-filter smtpd), or the
    // filter's own ID "250 2.5.0 OK (ID)" (PMG; see assemble/filter_links.h).
    ev->child_queue_id = fields::HandedOnQueueId(ev->reason);
    if (ev->child_queue_id.empty()) ev->filter_id = fields::TrailingFilterId(ev->reason);
    ev->kind = EventKind::kProxyAccept;
  } else {
    ev->action = Action::kProxyReject;
    ev->kind = EventKind::kReject;
  }
  return true;
}

}  // namespace

bool ParseSmtpd(std::string_view m, Event* ev) {
  if (!ev->queue_id.empty() && ev->queue_id != "NOQUEUE" && Consume(&m, "client=")) {
    // client=name[addr][:port][, sasl_method=X, sasl_username=Y, sasl_sender=Z, orig_queue_id=Q, orig_client=C]
    size_t comma = m.find(", ");
    SetClient(m.substr(0, comma), ev);
    while (comma != std::string_view::npos) {
      m.remove_prefix(comma + 2);
      comma = m.find(", ");
      std::string_view kv = m.substr(0, comma);
      if (Consume(&kv, "sasl_method=")) ev->sasl_method = kv;
      else if (Consume(&kv, "sasl_username=")) ev->sasl_username = kv;
      else if (Consume(&kv, "sasl_sender=")) ev->sasl_sender = kv;
      else if (Consume(&kv, "orig_queue_id=")) ev->child_queue_id = kv;
    }
    ev->kind = EventKind::kClient;
    return true;
  }
  if (Consume(&m, "connect from ")) {
    SetClient(m, ev);
    ev->kind = EventKind::kConnect;
    return true;
  }
  if (Consume(&m, "disconnect from ")) {
    size_t sp = m.find(' ');
    SetClient(m.substr(0, sp), ev);
    if (sp != std::string_view::npos) ev->command = m.substr(sp + 1);
    ev->kind = EventKind::kDisconnect;
    return true;
  }
  if (ParseRejectLine(m, ev)) return true;
  if (ParseProxyVerdict(m, ev)) return true;
  if (ParseAbnormal(m, ev)) return true;
  // "Anonymous TLS connection established from ...", Postfix 2.x "TLS connection
  // established from ...", "SSL_accept error from ...".
  if (m.find("TLS connection ") != std::string_view::npos || StartsWith(m, "SSL_accept error") ||
      StartsWith(m, "setting up TLS connection")) {
    ev->kind = EventKind::kTls;
    ev->text = m;
    return true;
  }
  // Known informational lines that carry nothing to count.
  return IgnoreKnown(m, {"discarding EHLO keywords", "NOQUEUE: client=", "client="},
                     ev);
}

}  // namespace maillens::internal
