// reject_parser.cc - the access-check/milter line shared by smtpd, postscreen
// and cleanup:
//   smtpd/smtpd_check.c:1006 (log_whatsup)
//     "%s: %s: %s from %s: %s;" + " from=<%s>" " to=<%s>" " proto=%s" " helo=<%s>"
//   postscreen/postscreen_smtpd.c:577 (comma-separated tail)
//     "NOQUEUE: reject: RCPT from [%s]:%s: %.*s; from=<%s>, to=<%s>, proto=%s, helo=<%s>"
//   smtpd/smtpd.c:1874, cleanup/cleanup_milter.c:2120 (milter actions)
//     "%s: %s: %s from %s: %s;" / "%s: %s: %s from %s[%s]: %s;"
// The message handed in starts at the action word ("reject: RCPT from ...").
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;

Action ActionFromWord(std::string_view w) {
  // Most lines are not actions: reject on the first letter before comparing.
  if (w.size() < 3 || w.size() > 14) return Action::kNone;
  switch (w[0]) {
    case 'r': case 'm': case 'h': case 'd': case 'f': case 'b': case 'w': case 'i': case 'p': case 's':
      break;
    default:
      return Action::kNone;
  }
  struct Entry {
    std::string_view word;
    Action action;
  };
  static constexpr Entry kTable[] = {
      {"reject", Action::kReject},       {"reject_warning", Action::kRejectWarning},
      {"milter-reject", Action::kMilterReject}, {"hold", Action::kHold},
      {"discard", Action::kDiscard},     {"filter", Action::kFilter},
      {"redirect", Action::kRedirect},   {"bcc", Action::kBcc},
      {"warn", Action::kWarn},           {"warning", Action::kWarn},
      {"info", Action::kInfo},           {"prepend", Action::kPrepend},
      {"replace", Action::kReplace},     {"strip", Action::kStrip},
      {"delay", Action::kDelay},         {"pass", Action::kPass},
      {"permit", Action::kPass},         {"hangup", Action::kHangup},
      {"milter-hold", Action::kMilterHold}, {"milter-discard", Action::kMilterDiscard},
  };
  for (const Entry& e : kTable)
    if (e.word == w) return e.action;
  return Action::kNone;
}

void ParseReplyAndEnvelope(std::string_view m, Event* ev) {
  size_t tail = m.rfind("; from=<");
  for (std::string_view k : {"; to=<", "; proto=", "; helo=<"}) if (tail == std::string_view::npos) tail = m.rfind(k);
  std::string_view envelope;
  if (tail != std::string_view::npos) {
    ev->reason = m.substr(0, tail);
    envelope = m.substr(tail + 2);
  } else {
    ev->reason = m;
    if (!ev->reason.empty() && ev->reason.back() == ';') ev->reason.remove_suffix(1);
  }
  bool found;
  ev->from = fields::AngleField(envelope, "from=<", &ev->has_from);
  ev->to = fields::AngleField(envelope, "to=<", &ev->has_to);
  ev->helo = fields::AngleField(envelope, "helo=<", &found);
  ev->proto = fields::PlainField(envelope, "proto=", envelope.find(", proto=") != std::string_view::npos ? ',' : ' ', &found);
}

bool ParseRejectLine(std::string_view msg, Event* ev) {
  std::string_view m = msg;
  size_t colon = m.substr(0, 18).find(": ");  // the longest action word is 14 chars
  if (colon == std::string_view::npos) return false;
  Action a = ActionFromWord(m.substr(0, colon));
  if (a == Action::kNone) return false;
  m.remove_prefix(colon + 2);
  // STAGE from CLIENT: TEXT; from=<..> to=<..> proto=.. helo=<..>
  size_t from = m.find(" from ");
  if (from == std::string_view::npos || from > 40) return false;
  ev->stage = m.substr(0, from);
  m.remove_prefix(from + 6);
  size_t cs = m.find(": ");
  if (cs == std::string_view::npos) return false;
  ev->client = m.substr(0, cs);
  if (!fields::SplitNamAddr(ev->client, &ev->client_name, &ev->client_addr, &ev->client_port)) {
    // postscreen writes "[addr]:port"; cleanup header lines end differently.
    ev->client_addr = ev->client;
  }
  m.remove_prefix(cs + 2);
  ParseReplyAndEnvelope(m, ev);
  ev->action = a;
  ev->kind = EventKind::kReject;
  return true;
}

}  // namespace maillens::internal
