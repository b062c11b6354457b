// assembler.cc - Assembler: message lifecycles, the skew-proof clock, parking.
#include "assemble/assembler.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace maillens {

Message* Assembler::Find(std::string_view host, std::string_view qid, int64_t now, bool* created) {
  key_.assign(host);
  key_.push_back('\0');
  key_.append(qid);
  auto it = messages_.find(key_);
  *created = false;
  unparked_ = false;
  if (it != messages_.end()) return &it->second;
  if (!parked_.empty()) {  // a parked message goes on: back into the in-flight table
    auto p = parked_.find(key_);
    if (p != parked_.end()) {
      unparked_ = true;
      return &messages_.insert(parked_.extract(p)).position->second;
    }
  }
  auto [nit, ok] = messages_.try_emplace(key_);
  Message& m = nit->second;
  m.host.assign(host);
  m.queue_id.assign(qid);
  m.serial = ++serials_;
  m.first_seen = now;
  *created = true;
  return &m;
}

void Assembler::Release(Map::iterator it) {
  for (Listener* l : listeners_) l->OnMessageReleased(it->second);
  messages_.erase(it);
  ++released_;
}

void Assembler::ReleaseParked(Map::iterator it) {
  for (Listener* l : listeners_) l->OnMessageReleased(it->second);
  parked_.erase(it);
  ++released_;
}

// Moves the clock (see "The clock" in assembler.h). Lines without a time
// (epoch 0) do not count.
void Assembler::Tick(int64_t epoch) {
  if (epoch == 0) return;
  if (clock_ == 0 || epoch <= clock_ + options_.clock_step) {
    if (epoch > clock_) clock_ = epoch;
    ahead_count_ = 0;
    return;
  }
  ahead_min_ = ahead_count_ == 0 ? epoch : std::min(ahead_min_, epoch);
  if (++ahead_count_ >= std::max<uint32_t>(1, options_.clock_confirm)) {
    clock_ = ahead_min_;
    ahead_count_ = 0;
  }
}

void Assembler::Expire() {
  const int64_t now = clock_;
  // Removed messages: linger seconds on the clock or linger_events events
  // after their last line. Both readings only grow, so the deque stays in order.
  while (!lingering_.empty() && (lingering_.front().clock + options_.linger < now ||
                                 lingering_.front().events + options_.linger_events <= events_)) {
    auto it = messages_.find(lingering_.front().key);
    // Still the same removed message? (A reused queue ID would be live again.)
    if (it != messages_.end() && it->second.removed) {
      const Message& m = it->second;
      if (m.clock_seen + options_.linger < now || m.events_seen + options_.linger_events <= events_) {
        Release(it);
      } else {  // a late line arrived after "removed": linger from then on
        lingering_.push_back({m.clock_seen, m.events_seen, lingering_.front().key});
      }
    }
    lingering_.pop_front();
  }
  // The sweep for idle messages: each clock hour, and each sweep_events events
  // (so that a clock that cannot move - input going back in time - still sweeps).
  if (now - last_sweep_clock_ < 3600 && events_ - last_sweep_events_ < options_.sweep_events) return;
  last_sweep_clock_ = now;
  last_sweep_events_ = events_;
  std::vector<std::string> idle, park;
  for (auto& [key, m] : messages_) {
    if (m.events_seen + options_.idle_events > events_) continue;  // seen within idle_events: never idle
    if (m.clock_seen + options_.idle_release < now) {
      idle.push_back(key);
    } else if (m.queue_active == 0 && m.sent + m.deferred + m.bounced + m.expired == 0 && !m.held &&
               !m.removed) {
      park.push_back(key);
    }
  }
  for (const std::string& k : idle) Release(messages_.find(k));
  for (const std::string& k : park) {
    auto node = messages_.extract(k);
    parked_order_.push_back({node.mapped().events_seen, k});
    parked_.insert(std::move(node));
  }
  // Parked messages, oldest first: over the cap (evicted), or idle_release old.
  while (!parked_order_.empty()) {
    const ParkedEntry& e = parked_order_.front();
    auto it = parked_.find(e.key);
    if (it == parked_.end() || it->second.events_seen != e.events_seen) {  // stale
      parked_order_.pop_front();
      continue;
    }
    const bool over = parked_.size() > options_.max_parked;
    if (!over && it->second.clock_seen + options_.idle_release >= now) break;
    ReleaseParked(it);
    if (over) ++evicted_;
    parked_order_.pop_front();
  }
  if (parked_order_.size() > 2 * options_.max_parked + 64) {  // drop stale entries
    std::deque<ParkedEntry> live;
    for (ParkedEntry& e : parked_order_) {
      auto it = parked_.find(e.key);
      if (it != parked_.end() && it->second.events_seen == e.events_seen) live.push_back(std::move(e));
    }
    parked_order_.swap(live);
  }
  for (auto it = pending_holds_.begin(); it != pending_holds_.end();) {  // sessions that queued nothing
    auto cur = it++;
    if (cur->second + options_.pending_hold_expiry < now) pending_holds_.erase(cur);
  }
}

// The max_in_flight cap: releases the eighth of the messages idle longest.
void Assembler::Evict() {
  std::vector<std::pair<std::pair<int64_t, uint64_t>, const std::string*>> age;
  age.reserve(messages_.size());
  for (auto& [key, m] : messages_) age.push_back({{m.clock_seen, m.events_seen}, &key});
  size_t n = std::min(std::max<size_t>(1, messages_.size() / 8), messages_.size() - 1);
  if (n == 0) return;
  std::nth_element(age.begin(), age.begin() + (n - 1), age.end());
  std::vector<std::string> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i) keys.push_back(*age[i].second);
  for (const std::string& k : keys) {
    Release(messages_.find(k));
    ++evicted_;
  }
}

Message* Assembler::Feed(const Event& ev) {
  const int64_t now = ev.header ? ev.header->epoch : 0;
  ++events_;
  Tick(now);
  Expire();
  if (ev.queue_id.empty() || ev.queue_id == "NOQUEUE") {
    if (ev.kind == EventKind::kReject && ev.action == Action::kHold && ev.header && ev.header->pid >= 0)
      pending_holds_[ev.header->pid] = clock_;
    return nullptr;
  }
  std::string_view host = ev.header ? ev.header->host : std::string_view();
  const bool starts = ev.kind == EventKind::kClient || ev.kind == EventKind::kPickup;
  bool created;
  Message* m = Find(host, ev.queue_id, now, &created);
  if (!created && starts && (m->removed || unparked_)) {
    // Queue ID reused (a new client= or pickup line after "removed", or for
    // a parked message): the old message is finished.
    Release(messages_.find(key_));
    m = Find(host, ev.queue_id, now, &created);
  }
  if (created && messages_.size() > options_.max_in_flight) {
    m->events_seen = events_;  // the newest: never evicted with the oldest
    m->clock_seen = clock_;
    Evict();
    m = &messages_.find(key_)->second;
  }
  m->last_seen = now;
  m->clock_seen = clock_;
  m->events_seen = events_;
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
        lingering_.push_back({clock_, events_, key_});
      }
      break;
    default:
      break;
  }
  return m;
}

void Assembler::Finish() {
  while (!messages_.empty()) Release(messages_.begin());
  while (!parked_.empty()) ReleaseParked(parked_.begin());
  lingering_.clear();
  parked_order_.clear();
}

}  // namespace maillens
