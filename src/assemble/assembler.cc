// assembler.cc - Assembler.
#include "assemble/assembler.h"

#include <vector>

namespace maillens {

Message* Assembler::Find(std::string_view host, std::string_view qid, int64_t now, bool* created) {
  key_.assign(host);
  key_.push_back('\0');
  key_.append(qid);
  auto it = messages_.find(key_);
  *created = false;
  if (it != messages_.end()) return &it->second;
  auto [nit, ok] = messages_.try_emplace(key_);
  Message& m = nit->second;
  m.host.assign(host);
  m.queue_id.assign(qid);
  m.first_seen = now;
  *created = true;
  return &m;
}

void Assembler::Release(absl::node_hash_map<std::string, Message>::iterator it) {
  for (Listener* l : listeners_) l->OnMessageReleased(it->second);
  messages_.erase(it);
  ++released_;
}

void Assembler::Expire(int64_t now) {
  while (!lingering_.empty() && lingering_.front().removed_at + options_.linger < now) {
    auto it = messages_.find(lingering_.front().key);
    // Still the same removed message? (A reused queue ID would be live again.)
    if (it != messages_.end() && it->second.removed) {
      if (it->second.last_seen + options_.linger < now) {
        Release(it);
      } else {  // a late line arrived after "removed": linger from then on
        lingering_.push_back({it->second.last_seen, lingering_.front().key});
      }
    }
    lingering_.pop_front();
  }
  if (now - last_idle_scan_ >= 3600) {  // hourly (log time) sweep for abandoned messages
    last_idle_scan_ = now;
    std::vector<std::string> idle;
    for (auto& [key, m] : messages_)
      if (m.last_seen + options_.idle_release < now ||
          (m.queue_active == 0 && m.sent + m.deferred + m.bounced + m.expired == 0 && !m.held &&
           m.last_seen + options_.pre_queue_release < now))
        idle.push_back(key);
    for (const std::string& k : idle) Release(messages_.find(k));
    for (auto it = pending_holds_.begin(); it != pending_holds_.end();) {  // sessions that queued nothing
      auto cur = it++;
      if (cur->second + options_.pre_queue_release < now) pending_holds_.erase(cur);
    }
  }
}

Message* Assembler::Feed(const Event& ev) {
  const int64_t now = ev.header ? ev.header->epoch : 0;
  Expire(now);
  if (ev.queue_id.empty() || ev.queue_id == "NOQUEUE") {
    if (ev.kind == EventKind::kReject && ev.action == Action::kHold && ev.header && ev.header->pid >= 0)
      pending_holds_[ev.header->pid] = now;
    return nullptr;
  }
  std::string_view host = ev.header ? ev.header->host : std::string_view();
  bool created;
  Message* m = Find(host, ev.queue_id, now, &created);
  const bool starts = ev.kind == EventKind::kClient || ev.kind == EventKind::kPickup;
  if (!created && m->removed && starts) {
    // Queue ID reused: the old message is finished.
    Release(messages_.find(key_));
    m = Find(host, ev.queue_id, now, &created);
  }
  m->last_seen = now;
  switch (ev.kind) {
    case EventKind::kClient:
      m->origin = Message::Origin::kSmtpd;
      m->client.assign(ev.client);
      m->sasl_username.assign(ev.sasl_username);
      m->parent_queue_id.assign(ev.child_queue_id);  // orig_queue_id=
      if (!pending_holds_.empty() && ev.header && pending_holds_.erase(ev.header->pid) > 0) m->held = true;
      break;
    case EventKind::kPickup:
      m->origin = Message::Origin::kPickup;
      m->from.assign(ev.from);
      m->has_from = ev.has_from;
      m->parent_queue_id.assign(ev.child_queue_id);  // orig_id=
      break;
    case EventKind::kMessageId:
      m->message_id.assign(ev.message_id);
      break;
    case EventKind::kQueueActive:
      ++m->queue_active;
      if (m->size < 0) {  // the first activation defines size and sender
        m->size = ev.size;
        m->nrcpt = ev.nrcpt;
        m->from.assign(ev.from);
        m->has_from = true;
      }
      break;
    case EventKind::kDelivery:
      switch (ev.status) {
        case DeliveryStatus::kSent: ++m->sent; break;
        case DeliveryStatus::kDeferred: ++m->deferred; break;
        case DeliveryStatus::kBounced: ++m->bounced; break;
        default: break;
      }
      break;
    case EventKind::kReject:
    case EventKind::kCleanupAction:
      if (ev.action == Action::kHold || ev.action == Action::kMilterHold) m->held = true;
      break;
    case EventKind::kQueueOp:
      if (ev.text == "placed on hold") m->held = true;
      if (ev.text == "released from hold") m->held = false;
      break;
    case EventKind::kExpired:
      ++m->expired;
      break;
    case EventKind::kNotice:
      ++m->notices;
      break;
    case EventKind::kRemoved:
      if (!m->removed) {
        m->removed = true;
        lingering_.push_back({now, key_});
      }
      break;
    default:
      break;
  }
  return m;
}

void Assembler::Finish() {
  while (!messages_.empty()) Release(messages_.begin());
  lingering_.clear();
}

}  // namespace maillens
