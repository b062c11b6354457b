// parser.h - from a SyslogHeader to a typed Event: the one entry point.
//
// ClassifyProgram() says whose line it is (Postfix, Dovecot, another
// program). ParseMailLine() then fills an Event; the per-daemon work lives in
// one file per daemon family, each citing the Postfix format strings it
// accepts (src/postfix/*_parser.cc, src/dovecot/dovecot_parser.cc):
//   smtpd_parser.cc       smtpd (and qmqpd client=)
//   postscreen_parser.cc  postscreen
//   cleanup_parser.cc     cleanup, pickup
//   queue_parser.cc       qmgr, bounce, postsuper
//   delivery_parser.cc    the "to=<...>, relay=..., status=..." line of any agent
//   misc_parser.cc        master, anvil, scache, postfix-script, and fall-backs
//   content_filter_parser.cc  a content filter's own hand-off lines (pmg-smtp-filter)
// No allocation, no regex: each parser is a sequence of prefix tests.
// Thread safety: stateless; call from any thread.
#ifndef MAILLENS_POSTFIX_PARSER_H_
#define MAILLENS_POSTFIX_PARSER_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "postfix/event.h"
#include "syslog/header.h"

namespace maillens {

enum class Origin : uint8_t { kPostfix, kDovecot, kForeign };

struct ParserOptions {
  // Extra syslog names that mean Postfix (pflogsumm's --syslog-name), besides
  // "postfix" and "postfix-*". Matched against the program's first component
  // and against the whole service prefix.
  std::string syslog_name;
};

// Whose line is it? Postfix: the first component of the program is "postfix",
// "postfix-*" or the configured syslog name. Dovecot: "dovecot*", or a line
// without a host (Dovecot's own log file).
Origin ClassifyProgram(const SyslogHeader& h, const ParserOptions& options);

// Fills *ev from a Postfix or Dovecot line. Returns false (and leaves
// ev->kind == kUnrecognised) if no parser understood the message.
// REQUIRES: ClassifyProgram(h) != kForeign. *ev's views point into h's line.
bool ParseMailLine(const SyslogHeader& h, Origin origin, Event* ev);

// A content filter's line (not Postfix's) handing one recipient on to a new
// Postfix queue ID: pmg-smtp-filter "ID: accept mail to <rcpt> (QID) (rule: x)".
// The filter's ID is what its reply to Postfix names (Event::filter_id).
struct FilterHandOff {
  std::string_view filter_id, recipient, queue_id;  // views into h's line
};
// True (and *out filled) if `h` is such a line. Stateless; any thread.
bool ParseFilterHandOff(const SyslogHeader& h, FilterHandOff* out);

// The msg_* severity prefix of a message ("warning: ", "fatal: ", ...),
// consumed from *msg; kInfo (nothing consumed) without one.
Severity TakeSeverity(std::string_view* msg);

// Is `msg` syslog's own repeat notice ("last message repeated N times",
// rsyslog's "message repeated N times: [ ... ]")? Such a line says nothing
// new: EventKind::kRepeated, counted by no one.
bool IsRepeatNotice(std::string_view msg);

// Is `ev` an event that a parser only partly understood: a delivery line
// whose status= word Postfix does not write (DeliveryStatus::kOther)? Such
// a line is still an event (its message and recipient are known) but the
// unparsed census counts it, and --unparsed FILE lists it.
inline bool PartlyUnderstood(const Event& ev) {
  return ev.kind == EventKind::kDelivery && ev.status == DeliveryStatus::kOther;
}

// Maps a daemon name ("smtpd", "nqmgr", ...) to its enum.
Daemon DaemonFromName(std::string_view name);

namespace internal {
// Per-daemon parsers. `msg` is the message after the queue ID, if the line
// had one (ev->queue_id is set), else the whole message. Each returns true
// when it recognised the line.
bool ParseSmtpd(std::string_view msg, Event* ev);
bool ParsePostscreen(std::string_view msg, Event* ev);
bool ParseCleanup(std::string_view msg, Event* ev);
bool ParsePickup(std::string_view msg, Event* ev);
bool ParseQmgr(std::string_view msg, Event* ev);
bool ParseBounce(std::string_view msg, Event* ev);
bool ParsePostsuper(std::string_view msg, Event* ev);
bool ParseDelivery(std::string_view msg, Event* ev);
bool ParseRejectLine(std::string_view msg, Event* ev);  // "ACTION: STAGE from x: text; from=<> ..."
Action ActionFromWord(std::string_view word);            // "reject" -> kReject; kNone if unknown
// "REPLY; from=<..> to=<..> proto=.. helo=<..>", the tail of reject and
// proxy-accept/-reject lines: ev->reason = REPLY, and the envelope fields.
void ParseReplyAndEnvelope(std::string_view m, Event* ev);
// Informational lines that carry nothing to count: if `m` starts with one of
// `prefixes`, marks *ev kIgnored (text = m) and returns true.
bool IgnoreKnown(std::string_view m, std::initializer_list<std::string_view> prefixes, Event* ev);
bool ParseMisc(std::string_view msg, Event* ev);
bool ParseDovecot(const SyslogHeader& h, Event* ev);
}  // namespace internal

}  // namespace maillens

#endif  // MAILLENS_POSTFIX_PARSER_H_
