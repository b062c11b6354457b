// cleanup_parser.cc - cleanup(8) and pickup(8).
//   cleanup/cleanup_message.c:639,645,803  "%s: message-id=%s", "%s: resent-message-id=%s"
//   cleanup/cleanup_message.c:272 (cleanup_act_log)
//     "%s: %s: %s %.200s from %s;" + " from=<%s>" " to=<%s>" " proto=%s" " helo=<%s>" + ": %s"
//     action: reject warning info filter pass discard hold delay prepend replace
//             redirect bcc strip; class: header, body (and content)
//   cleanup/cleanup_milter.c:2120  "%s: %s: %s from %s[%s]: %s;" (milter-reject etc.;
//                                  stage END-OF-MESSAGE, CONNECT, ...)
//   cleanup/cleanup_api.c:371      "%s: removed (%s)"
//   pickup/pickup.c:374,379        "%s: uid=%d from=<%s>[ orig_id=%s]"; old "%s: sender=<%s>"
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

bool ParseCleanup(std::string_view m, Event* ev) {
  if (Consume(&m, "message-id=")) {
    ev->message_id = m;
    ev->kind = EventKind::kMessageId;
    return true;
  }
  if (Consume(&m, "resent-message-id=")) {
    ev->kind = EventKind::kIgnored;
    ev->text = m;
    return true;
  }
  if (Consume(&m, "removed")) {
    ev->kind = EventKind::kRemoved;
    ev->text = m;
    return true;
  }
  // "ACTION: header|body|content TEXT from CLIENT; from=<> to=<> proto= helo=<>[: TEXT]"
  std::string_view a = m;
  size_t colon = a.find(": ");
  if (colon != std::string_view::npos && colon <= 16) {
    std::string_view word = a.substr(0, colon);
    std::string_view rest = a.substr(colon + 2);
    std::string_view stage = rest.substr(0, rest.find(' '));
    if (stage == "header" || stage == "body" || stage == "content") {
      ev->action = ActionFromWord(word);
      if (ev->action == Action::kNone) return false;
      ev->kind = EventKind::kCleanupAction;
      ev->stage = stage;
      ev->reason = rest.substr(stage.size() + (stage.size() < rest.size() ? 1 : 0));
      ev->from = fields::AngleField(ev->reason, "from=<", &ev->has_from);
      ev->to = fields::AngleField(ev->reason, "to=<", &ev->has_to);
      bool found;
      ev->helo = fields::AngleField(ev->reason, "helo=<", &found);
      return true;
    }
    // Milter actions: "milter-reject: END-OF-MESSAGE from name[addr]: 5.7.1 text; from=<> ..."
    if (ParseRejectLine(m, ev)) {
      ev->kind = EventKind::kCleanupAction;
      return true;
    }
  }
  return false;
}

bool ParsePickup(std::string_view m, Event* ev) {
  if (ev->queue_id.empty()) return false;
  if (StartsWith(m, "uid=") || StartsWith(m, "sender=")) {
    bool found;
    ev->from = fields::AngleField(m, "from=<", &ev->has_from);
    if (!ev->has_from) ev->from = fields::AngleField(m, "sender=<", &ev->has_from);
    ev->child_queue_id = fields::PlainField(m, "orig_id=", ' ', &found);
    ev->kind = EventKind::kPickup;
    return true;
  }
  return false;
}

}  // namespace maillens::internal
