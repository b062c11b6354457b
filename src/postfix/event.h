// event.h - a typed mail-log event: what one Postfix or Dovecot line says.
//
// The parsers (postfix/parser.h, dovecot/dovecot_parser.h) fill an Event from
// a SyslogHeader without allocating: every text field is a string_view into
// the line, valid only as long as the line is (until the LineReader's next
// Next()). Consumers that keep a value copy it.
//
// One Event type serves every daemon: `kind` says which fields are set; the
// others are empty/zero. The table in doc/events.md lists, per kind, the
// Postfix format string it comes from.
#ifndef MAILLENS_POSTFIX_EVENT_H_
#define MAILLENS_POSTFIX_EVENT_H_

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "syslog/header.h"

namespace maillens {

enum class Daemon : uint8_t {
  kOther, kSmtpd, kPostscreen, kCleanup, kQmgr, kPickup, kSmtp, kLmtp, kLocal, kVirtual, kPipe,
  kError, kDiscard, kBounce, kPostsuper, kMaster, kAnvil, kScache, kTlsproxy, kDnsblog, kQmqpd,
  kPostfixScript, kSendmail, kPostdrop, kVerify, kTrivialRewrite, kPostlogd, kDovecot,
};
const char* DaemonName(Daemon d);

enum class EventKind : uint8_t {
  kUnrecognised,  // a mail program's line no parser understood
  // smtpd / postscreen sessions
  kConnect,            // "connect from name[addr]" / postscreen "CONNECT from [addr]:port"
  kDisconnect,         // "disconnect from name[addr] ehlo=1 ... commands=n/m"
  kClient,             // "QID: client=name[addr][, sasl_method=.., sasl_username=..]"
  kReject,             // "QID|NOQUEUE: ACTION: STAGE from name[addr]: text; from=<> to=<> proto= helo=<>"
                       // and smtpd's before-queue filter verdict "proxy-reject: STAGE: text; from=<> ..."
                       // (action kProxyReject, queue_id "NOQUEUE", no client)
  kProxyAccept,        // "[QID|NOQUEUE: ]proxy-accept: END-OF-MESSAGE: 250 ... queued as QID; from=<> to=<> ..."
                       // (the before-queue filter took the message; child_queue_id: the queue ID it names)
  kAbnormalEnd,        // "[QID: ]lost connection|timeout|too many errors after CMD from name[addr]"
  kSaslFailure,        // "warning: name[addr]: SASL LOGIN authentication failed: ..."
  kPostscreenVerdict,  // PASS NEW/OLD, DNSBL rank, PREGREET, HANGUP, DISCONNECT, (DENY|BLACK)LISTED, ...
  kTls,                // "... TLS connection established from/to ..."
  // cleanup / pickup
  kMessageId,      // "QID: message-id=<...>"
  kCleanupAction,  // "QID: reject|warning|hold|discard|...: header|body|END-OF-MESSAGE ..."
  kPickup,         // "QID: uid=N from=<...>" / "QID: sender=<...>"
  // qmgr
  kQueueActive,  // "QID: from=<...>, size=N, nrcpt=N (queue active)"
  kExpired,      // "QID: from=<...>, status=expired, returned to sender"
  kRemoved,      // "QID: removed" (qmgr, postsuper, cleanup "removed (...)")
  // delivery agents (and qmgr deferrals)
  kDelivery,  // "QID: to=<...>, [orig_to=<...>, ]relay=..., delay=..., delays=a/b/c/d, dsn=x.y.z, status=S (text)"
  kNotice,    // bounce: "QID: sender non-delivery notification: NEWQID" (and delay/success/postmaster)
  kQueueOp,   // postsuper: requeued, placed on hold, released from hold
  // diagnostics of any daemon
  kWarning, kError, kFatal, kPanic,
  kMaster,      // master daemon messages
  kStatistics,      // anvil / scache statistics
  kConnectFailure,  // smtp/lmtp "connect to host[addr]:port: reason" (no queue ID)
  // Dovecot
  kDovecotLogin, kDovecotAuthFailure, kDovecotDelivery,
  kIgnored,  // recognised, carries nothing a consumer counts (e.g. smtpd "Anonymous TLS")
  kRepeated,  // syslog's own "last message repeated N times" / rsyslog "message repeated N times: [...]"
};
const char* EventKindName(EventKind k);

// Reject-family actions of smtpd access checks, milters and cleanup checks.
enum class Action : uint8_t {
  kNone, kReject, kRejectWarning, kMilterReject, kHold, kDiscard, kFilter, kRedirect, kBcc, kWarn,
  kInfo, kPrepend, kReplace, kStrip, kDelay, kPass, kHangup, kMilterHold, kMilterDiscard,
  kProxyReject,  // smtpd's before-queue content filter (smtpd_proxy_filter) refused the message
};
const char* ActionName(Action a);

// Postfix's msg_* prefix (util/msg_syslog.c): info lines have none.
enum class Severity : uint8_t { kInfo, kWarning, kError, kFatal, kPanic };
const char* SeverityName(Severity s);  // "info", "warning", "error", "fatal", "panic"

// The status= word of a delivery line. kDeliverable/kUndeliverable are
// address verification probes (verify.c), kDelivered a "sendmail -bv"/trace
// report (trace.c); kOther any word Postfix does not write (its text is in
// Event::status_word). DeliveryStatusName gives the one name used in trace,
// export and report: "sent", "deferred", "bounced", "expired", "softbounce",
// "deliverable", "undeliverable", "delivered", "unknown-status" (kOther).
enum class DeliveryStatus : uint8_t {
  kNone, kSent, kDeferred, kBounced, kExpired, kSoftBounce, kDeliverable, kUndeliverable, kDelivered, kOther
};
const char* DeliveryStatusName(DeliveryStatus s);

struct Event {
  EventKind kind = EventKind::kUnrecognised;
  Daemon daemon = Daemon::kOther;
  Severity severity = Severity::kInfo;
  const SyslogHeader* header = nullptr;

  std::string_view queue_id;  // empty, "NOQUEUE", or a Postfix queue ID ("NOQUEUE" may be a static
                              // string, not the line's: a proxy verdict without a prefix)
  // Peer: client (smtpd/postscreen) as "name[addr]" and its parts.
  std::string_view client, client_name, client_addr, client_port;
  // Envelope.
  std::string_view from, to, orig_to;
  bool has_from = false;  // from=<> is present (possibly empty)
  bool has_to = false;
  // Reject / cleanup action.
  Action action = Action::kNone;
  std::string_view stage;   // "RCPT", "MAIL", "CONNECT", "header", "body", "END-OF-MESSAGE", ...
  std::string_view reason;  // text after "from name[addr]: " up to ";" (reject), or the rest
  std::string_view helo, proto;
  // Delivery.
  std::string_view relay;
  DeliveryStatus status = DeliveryStatus::kNone;
  std::string_view status_word;  // as written: "sent", "deferred", ...
  std::string_view delay;        // as written, e.g. "1.2"
  double delay_s = 0;
  double delays[4] = {0, 0, 0, 0};  // a/b/c/d
  bool has_delays = false;
  std::string_view dsn;
  std::string_view status_text;  // inside "status=S (...)"
  std::string_view rest;         // after "status=S" to the end of the line
  std::string_view child_queue_id;  // "queued as X", "forwarded as X", notification's new queue ID
  // A content filter's own ID closing a delivery or proxy-accept reply ("250
  // 2.5.0 OK (ID)", PMG) when no queue ID is named; the pipeline resolves it
  // to child_queue_id through the filter's own hand-off lines
  // (assemble/filter_links.h).
  std::string_view filter_id;
  // qmgr / cleanup.
  int64_t size = -1;
  int32_t nrcpt = -1;
  std::string_view message_id;
  // SASL / Dovecot.
  std::string_view sasl_method, sasl_username, sasl_sender;
  std::string_view user;  // Dovecot user=<...>
  // Free text: warning/fatal/panic text, master message, postscreen verdict word, ...
  std::string_view text;
  std::string_view command;  // abnormal end: "after CMD"; disconnect: command stats

  // Back to the default state. One memset instead of ~40 member stores:
  // this runs once per line.
  void Reset();
};

static_assert(std::is_trivially_copyable_v<Event>, "Event::Reset() relies on it");

inline void Event::Reset() {
  std::memset(static_cast<void*>(this), 0, sizeof(Event));
  size = -1;
  nrcpt = -1;
}

}  // namespace maillens

#endif  // MAILLENS_POSTFIX_EVENT_H_
