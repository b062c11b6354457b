// message_records.cc - MessageRecords: one row per message, written when the
// assembler releases it (assemble/assembler.h), from its Message plus the
// few facts kept here while it is live.
//
// Links: a message's parent is the queue ID it was re-injected from
// (orig_queue_id= on smtpd's client= line, orig_id= on pickup's), or the
// message whose delivery said "queued as ID" / "forwarded as ID", or whose
// bounce(8) notice created it. The last two are seen from the parent's side,
// usually while the child is still live: they wait in parents_ (at most two
// hours of log time) for the child's release. Queue IDs of other hosts are
// matched too (a hop to another Postfix in the input), within an hour of the
// child's lifetime.
#include "export/records.h"

#include <algorithm>

#include "postfix/fields.h"

namespace maillens::exporter {

namespace {

constexpr int64_t kParentKeep = 7200;  // seconds a pending link is kept
constexpr int64_t kParentSlack = 3600;  // how far outside the child's lifetime a link may be

// A reject that refuses the whole message, not one recipient.
bool RejectsMessage(const Event& ev) {
  if (ev.action != Action::kReject && ev.action != Action::kMilterReject) return false;
  std::string_view s = ev.stage;
  return s == "header" || s == "body" || s == "content" || s == "DATA" || s == "END-OF-MESSAGE" || s == "BDAT";
}

}  // namespace

void MessageRecords::AddChild(Extra* x, std::string_view child, std::string_view parent, int64_t epoch) {
  if (!x->children.empty()) x->children.push_back(' ');
  x->children.append(child);
  auto [it, inserted] = parents_.try_emplace(std::string(child));
  it->second.parent.assign(parent);
  it->second.epoch = epoch;
  parent_order_.emplace_back(epoch, it->first);
}

void MessageRecords::ExpireParents(int64_t now) {
  while (!parent_order_.empty() && parent_order_.front().first + kParentKeep < now) {
    auto it = parents_.find(parent_order_.front().second);
    if (it != parents_.end() && it->second.epoch == parent_order_.front().first) parents_.erase(it);
    parent_order_.pop_front();
  }
}

void MessageRecords::OnEvent(const Event& ev, const Message* m) {
  if (n_released_ > 0) WriteReleased();
  if (m == nullptr) return;
  const SyslogHeader& h = *ev.header;
  now_ = h.epoch;
  auto [it, created] = extra_.try_emplace(m);
  Extra& x = it->second;
  const int32_t offset = TimestampOf(h).offset;
  if (created) x.first_offset = offset;
  x.last_offset = offset;
  switch (ev.kind) {
    case EventKind::kClient:
      if (ev.daemon == Daemon::kQmqpd) x.qmqpd = true;
      break;
    case EventKind::kReject:
    case EventKind::kCleanupAction:
      if (RejectsMessage(ev)) x.rejected = true;
      if (ev.action == Action::kDiscard || ev.action == Action::kMilterDiscard) x.discarded = true;
      break;
    case EventKind::kDelivery:
      if (!ev.child_queue_id.empty()) AddChild(&x, ev.child_queue_id, ev.queue_id, now_);
      break;
    case EventKind::kNotice:
      if (fields::IsQueueId(ev.child_queue_id)) AddChild(&x, ev.child_queue_id, ev.queue_id, now_);
      break;
    default:
      break;
  }
  if (m->held) x.held = true;  // ever held, even if released later
  if (!parent_order_.empty() && parent_order_.front().first + kParentKeep < now_) ExpireParents(now_);
}

void MessageRecords::OnMessageReleased(const Message& m) {
  if (n_released_ == released_.size()) released_.emplace_back();
  Released& r = released_[n_released_++];
  r.m = m;  // assignments reuse the strings' capacity
  auto it = extra_.find(&m);
  if (it != extra_.end()) {
    r.x = std::move(it->second);
    extra_.erase(it);
  } else {
    r.x = Extra();
  }
  r.parent.assign(m.parent_queue_id);
  auto p = parents_.find(m.queue_id);
  if (p != parents_.end()) {
    if (r.parent.empty() && p->second.epoch >= m.first_seen - kParentSlack &&
        p->second.epoch <= m.last_seen + kParentSlack)
      r.parent.assign(p->second.parent);
    parents_.erase(p);  // the order queue entry expires by itself
  }
}

void MessageRecords::WriteReleased() {
  order_.clear();
  for (size_t i = 0; i < n_released_; ++i) order_.push_back(&released_[i]);
  if (order_.size() > 1) {
    std::sort(order_.begin(), order_.end(), [](const Released* a, const Released* b) {
      if (a->m.first_seen != b->m.first_seen) return a->m.first_seen < b->m.first_seen;
      if (a->m.host != b->m.host) return a->m.host < b->m.host;
      return a->m.queue_id < b->m.queue_id;
    });
  }
  for (const Released* r : order_) Write(*r);
  n_released_ = 0;
}

void MessageRecords::Write(const Released& r) {
  const Message& m = r.m;
  const Extra& x = r.x;
  std::string_view name, addr, port;
  if (!fields::SplitNamAddr(m.client, &name, &addr, &port)) addr = {};
  std::string_view origin;
  switch (m.origin) {
    case Message::Origin::kSmtpd: origin = x.qmqpd ? "qmqpd" : "smtpd"; break;
    case Message::Origin::kPickup: origin = "pickup"; break;
    default: break;
  }
  RowWriter& w = *out_;
  w.BeginRow(RecordKind::kMessages);
  w.Time(Timestamp{m.first_seen, x.first_offset, 0});
  w.Time(Timestamp{m.last_seen, x.last_offset, 0});
  w.Text(m.host);
  w.Text(m.queue_id);
  w.Text(origin);
  w.Text(m.client);
  w.Text(addr);
  w.Text(m.sasl_username);
  w.Text(m.message_id);
  w.TextOrNull(m.has_from, m.from);
  w.IntOrNull(m.size >= 0, m.size);
  w.IntOrNull(m.nrcpt >= 0, m.nrcpt);
  w.Int(m.sent);
  w.Int(m.deferred);
  w.Int(m.bounced);
  w.Bool(m.expired > 0);
  w.Bool(x.rejected);
  w.Bool(x.held || m.held);
  w.Bool(x.discarded);
  w.Bool(m.removed);
  w.Int(m.notices);
  w.Text(r.parent);
  w.Text(x.children);
  w.Bool(m.has_from);
  w.EndRow();
}

}  // namespace maillens::exporter
