// delivery_parser.cc - the delivery status line every delivery agent (and
// qmgr, for deferrals it decides itself) logs through log_adhoc:
//   global/log_adhoc.c:118-234
//     "%s: to=<%s>" [", orig_to=<%s>"] ", relay=%s" [", conn_use=%d"] ", delay=%s"
//     ", delays=%s/%s/%s/%s" [", tls=%s" (since 3.11-20251114)] ", dsn=%s, status=%s (%s)"
//   status words: sent, deferred, bounced, SOFTBOUNCE (global/sent.c, defer.c, bounce.c),
//   expired (qmgr), deliverable/undeliverable (verify.c:130, address probes) and
//   delivered (trace.c:146). Any other word is kOther ("unknown-status").
// The text in parentheses may hold "queued as QID" (smtp/lmtp to another
// MTA or content filter) or "forwarded as QID" (local(8) aliases/.forward).
// Also the smtp client's "connect to %s[%s]:%d: %m" lines without a queue ID
// (smtp/smtp_connect.c:335,338), and other queue-ID'd informational lines.
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

namespace {

DeliveryStatus StatusFromWord(std::string_view w) {
  if (w == "sent") return DeliveryStatus::kSent;
  if (w == "deferred") return DeliveryStatus::kDeferred;
  if (w == "bounced") return DeliveryStatus::kBounced;
  if (w == "expired") return DeliveryStatus::kExpired;
  if (w == "SOFTBOUNCE") return DeliveryStatus::kSoftBounce;
  if (w == "deliverable") return DeliveryStatus::kDeliverable;  // verify.c (address probes)
  if (w == "undeliverable") return DeliveryStatus::kUndeliverable;
  if (w == "delivered") return DeliveryStatus::kDelivered;  // trace.c (sendmail -bv, -v)
  return DeliveryStatus::kOther;
}

}  // namespace

bool ParseDelivery(std::string_view m, Event* ev) {
  if (ev->queue_id.empty() || ev->queue_id == "NOQUEUE") {
    if (Consume(&m, "connect to ")) {  // smtp_connect.c, no queue ID
      size_t c = m.find(": ");
      if (c == std::string_view::npos) return false;
      ev->relay = m.substr(0, c);
      ev->reason = m.substr(c + 2);
      ev->kind = EventKind::kConnectFailure;
      return true;
    }
    if (m.find("TLS connection ") != std::string_view::npos || StartsWith(m, "SSL_connect error") ||
        StartsWith(m, "setting up TLS connection")) {
      ev->kind = EventKind::kTls;
      ev->text = m;
      return true;
    }
    return IgnoreKnown(m, {"discarding EHLO keywords", "enabling PIX workarounds"}, ev);
  }
  if (!Consume(&m, "to=<")) {
    // Queue-ID'd informational lines of the smtp client and local(8).
    return IgnoreKnown(m, {"host ", "lost connection with ", "conversation with ", "enabling PIX workarounds",
                           "Cannot start TLS", "sender delivery status notification"},
                       ev);
  }
  // to=<ADDR>: the address ends at the first ">, ".
  size_t gt = m.find(">, ");
  if (gt == std::string_view::npos) return false;
  ev->to = m.substr(0, gt);
  ev->has_to = true;
  m.remove_prefix(gt + 3);
  // Fields up to "status=".
  while (!m.empty()) {
    if (Consume(&m, "status=")) {
      size_t sp = m.find(' ');
      ev->status_word = m.substr(0, sp);
      ev->status = StatusFromWord(ev->status_word);
      ev->rest = sp == std::string_view::npos ? std::string_view() : m.substr(sp);
      std::string_view r = ev->rest;
      size_t lp = r.find('(');
      size_t rp = r.rfind(')');
      if (lp != std::string_view::npos && rp != std::string_view::npos && rp > lp)
        ev->status_text = r.substr(lp + 1, rp - lp - 1);
      ev->child_queue_id = fields::HandedOnQueueId(ev->status_text);
      if (ev->child_queue_id.empty()) ev->filter_id = fields::TrailingFilterId(ev->status_text);
      ev->kind = EventKind::kDelivery;
      return true;
    }
    if (Consume(&m, "orig_to=<")) {
      size_t e = m.find(">, ");
      if (e == std::string_view::npos) return false;
      ev->orig_to = m.substr(0, e);
      m.remove_prefix(e + 3);
      continue;
    }
    size_t comma = m.find(", ");
    std::string_view kv = m.substr(0, comma);
    m.remove_prefix(comma == std::string_view::npos ? m.size() : comma + 2);
    if (Consume(&kv, "relay=")) {
      ev->relay = kv;
    } else if (Consume(&kv, "delay=")) {
      ev->delay = kv;
      ev->delay_s = fields::ParseDelay(kv);
    } else if (Consume(&kv, "delays=")) {
      for (int i = 0; i < 4; ++i) {
        std::string_view part = fields::TakeUntil(&kv, '/');
        ev->delays[i] = fields::ParseDelay(part);
      }
      ev->has_delays = true;
    } else if (Consume(&kv, "dsn=")) {
      ev->dsn = kv;
    }
    // conn_use=, tls= and unknown future fields are skipped.
  }
  return false;
}

}  // namespace maillens::internal
