// tally.cc - TallyEvent: events to counters (tally.h).
#include "alert/tally.h"

namespace maillens::alert {

std::string_view AddressDomain(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

std::string_view ClientAddress(std::string_view client) {
  size_t open = client.rfind('[');
  size_t close = client.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return client;
  return client.substr(open + 1, close - open - 1);
}

bool TallyEvent(const Event& ev, const Message* m, Tally* t) {
  if (!ev.header) return false;
  *t = Tally();
  t->time = ev.header->epoch;
  switch (ev.kind) {
    case EventKind::kDelivery:
      switch (ev.status) {
        case DeliveryStatus::kSent: t->counter = Counter::kSent; break;
        case DeliveryStatus::kDeferred: t->counter = Counter::kDeferred; break;
        case DeliveryStatus::kBounced: t->counter = Counter::kBounced; break;
        case DeliveryStatus::kExpired: t->counter = Counter::kExpired; break;
        default: return false;
      }
      t->domain = AddressDomain(ev.to);
      break;
    case EventKind::kExpired:
      t->counter = Counter::kExpired;
      break;
    case EventKind::kReject:         // smtpd (and milter) rejects: the seeds' grep "reject:"
    case EventKind::kCleanupAction:  // header/body checks
      if (ev.action == Action::kReject || ev.action == Action::kMilterReject) {
        t->counter = Counter::kRejected;
        t->domain = AddressDomain(ev.to);
        t->ip = ev.client_addr;
        return true;
      }
      if (ev.action != Action::kHold && ev.action != Action::kMilterHold) return false;
      t->counter = Counter::kHeld;  // header/body checks' HOLD: the message waits in the hold queue
      t->domain = AddressDomain(ev.to);
      break;
    case EventKind::kClient:  // received as `report` counts it (content-filter hops included)
      if (!m) return false;
      t->counter = Counter::kReceived;
      t->ip = ev.client_addr;
      t->user = ev.sasl_username;
      return true;
    case EventKind::kPickup:
      if (!m) return false;
      t->counter = Counter::kReceived;
      return true;
    case EventKind::kSaslFailure:
      t->counter = Counter::kAuthFailures;
      t->ip = ev.client_addr;
      t->user = ev.sasl_username;
      return true;
    case EventKind::kDovecotAuthFailure:
      t->counter = Counter::kAuthFailures;
      t->ip = ev.client_addr;
      t->user = ev.user;
      return true;
    default:
      return false;
  }
  // Deliveries and expiries: the message's client and user.
  if (m) {
    t->ip = ClientAddress(m->client);
    t->user = m->sasl_username;
  }
  return true;
}

}  // namespace maillens::alert
