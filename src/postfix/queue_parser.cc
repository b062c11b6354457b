// queue_parser.cc - qmgr(8), bounce(8) and postsuper(1).
//   global/opened.c:90 (qmgr/qmgr_message.c:665)  "%s: from=<%s>, size=%ld, nrcpt=%d%s%s%s" ("(queue active)")
//   qmgr/qmgr_active.c:463   "%s: from=<%s>, status=%s, returned to sender" (expired, force-expired)
//   qmgr/qmgr_active.c:585   "%s: removed"
//   qmgr/qmgr_message.c:1532 "%s: skipped, still being delivered"
//   bounce/bounce_notify_service.c:234,191,289, bounce_one_service.c:200, bounce_notify_verp.c:177,
//   bounce/bounce_trace_service.c:184
//     "%s: sender non-delivery notification: %s", "%s: postmaster non-delivery notification: %s",
//     "%s: sender delivery status notification: %s", "%s: sender delay notification: %s"
//   postsuper/postsuper.c:625,674,725,766 "%s: removed", "%s: requeued", "%s: placed on hold",
//                                          "%s: released from hold"
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

bool ParseQmgr(std::string_view m, Event* ev) {
  if (ev->queue_id.empty()) return false;
  if (StartsWith(m, "from=<")) {
    ev->from = fields::AngleField(m, "from=<", &ev->has_from);
    size_t after = m.find(">, ");
    std::string_view rest = after == std::string_view::npos ? std::string_view() : m.substr(after + 3);
    if (Consume(&rest, "size=")) {
      std::string_view num = fields::TakeUntil(&rest, ',');
      if (!fields::ParseUint(num, &ev->size)) return false;
      if (Consume(&rest, " nrcpt=")) {
        int64_t n = 0;
        size_t e = 0;
        while (e < rest.size() && rest[e] >= '0' && rest[e] <= '9') ++e;
        if (fields::ParseUint(rest.substr(0, e), &n)) ev->nrcpt = static_cast<int32_t>(n);
      }
      ev->kind = EventKind::kQueueActive;
      return true;
    }
    if (Consume(&rest, "status=")) {
      ev->status_word = rest.substr(0, rest.find(','));
      ev->status = DeliveryStatus::kExpired;
      ev->kind = EventKind::kExpired;
      return true;
    }
    return false;
  }
  if (m == "removed") {
    ev->kind = EventKind::kRemoved;
    return true;
  }
  if (StartsWith(m, "to=<")) return ParseDelivery(m, ev);
  if (StartsWith(m, "skipped, still being delivered")) {
    ev->kind = EventKind::kIgnored;
    return true;
  }
  return false;
}

bool ParseBounce(std::string_view m, Event* ev) {
  if (ev->queue_id.empty()) return false;
  static constexpr std::string_view kNotices[] = {
      "sender non-delivery notification: ", "postmaster non-delivery notification: ",
      "sender delivery status notification: ", "sender delay notification: ",
      "postmaster delay notification: "};
  for (std::string_view n : kNotices) {
    if (StartsWith(m, n)) {
      ev->kind = EventKind::kNotice;
      ev->text = m.substr(0, n.size() - 2);
      ev->child_queue_id = m.substr(n.size());
      return true;
    }
  }
  return false;
}

bool ParsePostsuper(std::string_view m, Event* ev) {
  if (ev->queue_id.empty()) {
    // "Deleted: 3 messages", "Requeued: 1 message", ...
    if (m.find(": ") != std::string_view::npos && m.find(" message") != std::string_view::npos) {
      ev->kind = EventKind::kIgnored;
      ev->text = m;
      return true;
    }
    return false;
  }
  if (m == "removed") {
    ev->kind = EventKind::kRemoved;
    ev->text = ev->header ? ev->header->daemon : std::string_view();  // "postsuper"
    return true;
  }
  if (m == "requeued" || m == "placed on hold" || m == "released from hold") {
    ev->kind = EventKind::kQueueOp;
    ev->text = m;
    return true;
  }
  return false;
}

}  // namespace maillens::internal
