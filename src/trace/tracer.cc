// tracer.cc - Tracer, the trace filters and recipients' final outcomes.
#include "trace/tracer.h"

#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>
#include <cstring>

#include <re2/re2.h>

#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens {

namespace {

// Events gathered from several places (sessions, unparsed lines) back in log order.
void InLogOrder(std::vector<TraceEvent>* events) {
  std::stable_sort(events->begin(), events->end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; });
}

// `s` without one pair of surrounding angle brackets.
std::string_view Unbracket(std::string_view s) {
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') return s.substr(1, s.size() - 2);
  return s;
}

// The address inside "name[addr]" or "[addr]:port" (or `s` itself).
std::string_view ClientAddr(std::string_view s) {
  size_t open = s.rfind('[');
  size_t close = s.rfind(']');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return s;
  return s.substr(open + 1, close - open - 1);
}

// The name before "[addr]" (or `s` itself).
std::string_view ClientName(std::string_view s) {
  size_t open = s.rfind('[');
  return open == std::string_view::npos ? s : s.substr(0, open);
}

// Is `addr` a loopback address (a locally re-injected message)?
bool IsLoopback(std::string_view addr) {
  return addr.substr(0, 4) == "127." || addr == "::1" || addr == "ipv6:::1";
}

}  // namespace

TextPattern::TextPattern() = default;
TextPattern::~TextPattern() = default;
TextPattern::TextPattern(TextPattern&&) noexcept = default;
TextPattern& TextPattern::operator=(TextPattern&&) noexcept = default;

Status TextPattern::Set(std::string_view p, bool regex) {
  pattern_.assign(Unbracket(p));
  re_.reset();
  if (regex && !pattern_.empty()) {
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    re_ = std::make_unique<RE2>(pattern_, o);
    if (!re_->ok()) return Status::InvalidArgument("bad regular expression '" + pattern_ + "': " + re_->error());
  }
  return Status::OK();
}

bool TextPattern::Matches(std::string_view s) const {
  if (pattern_.empty()) return true;
  s = Unbracket(s);
  if (re_) return RE2::PartialMatch(s, *re_);
  std::string subject(s);
  return fnmatch(pattern_.c_str(), subject.c_str(), FNM_CASEFOLD) == 0;
}

bool ClientPattern::Set(std::string_view p) {
  empty_ = p.empty();
  is_net_ = false;
  if (empty_) return true;
  std::string addr(p);
  int prefix = -1;
  if (size_t slash = addr.find('/'); slash != std::string::npos) {
    std::string bits = addr.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), ::isdigit)) return false;
    prefix = std::stoi(bits);
    addr.resize(slash);
  }
  if (inet_pton(AF_INET, addr.c_str(), net_) == 1) {
    family_ = AF_INET;
    prefix_ = prefix < 0 ? 32 : prefix;
    is_net_ = prefix_ <= 32;
    return is_net_;
  }
  if (inet_pton(AF_INET6, addr.c_str(), net_) == 1) {
    family_ = AF_INET6;
    prefix_ = prefix < 0 ? 128 : prefix;
    is_net_ = prefix_ <= 128;
    return is_net_;
  }
  if (prefix >= 0) return false;
  return host_.Set(p, false).ok();
}

bool ClientPattern::Matches(std::string_view client) const {
  if (empty_) return true;
  if (!is_net_) return host_.Matches(ClientName(client));
  std::string addr(ClientAddr(client));
  if (addr.rfind("ipv6:", 0) == 0) addr.erase(0, 5);
  unsigned char a[16];
  if (inet_pton(family_, addr.c_str(), a) != 1) return false;
  int full = prefix_ / 8, rest = prefix_ % 8;
  if (std::memcmp(a, net_, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[full] & mask) == (net_[full] & mask);
}

bool TraceFilter::QidOnly() const {
  return !qid.empty() && message_id.empty() && from.empty() && to.empty() && address.empty() && sasl_user.empty() &&
         host.empty() && client.empty() && status.empty() && since == INT64_MIN && until == INT64_MAX;
}

std::vector<RecipientOutcome> Outcomes(const TraceMessage& m) {
  std::vector<RecipientOutcome> out;
  auto find = [&out](std::string_view to, std::string_view orig_to) -> RecipientOutcome& {
    for (RecipientOutcome& r : out)
      if (r.to == to && r.orig_to == orig_to) return r;
    out.push_back({std::string(to), std::string(orig_to), nullptr, "", ""});
    return out.back();
  };
  bool expired = false, deleted = false, held = false, discarded = false, rejected = false;
  for (const TraceEvent& e : m.events) {
    switch (e.kind) {
      case EventKind::kDelivery:
        if (!e.to.empty()) find(e.to, e.orig_to).last = &e;
        break;
      case EventKind::kReject:
        if (e.action == Action::kReject || e.action == Action::kMilterReject || e.action == Action::kProxyReject) {
          if (!e.to.empty()) {
            find(e.to, "").last = &e;
          } else {
            rejected = true;
          }
        }
        if (e.action == Action::kHold) held = true;
        if (e.action == Action::kDiscard) discarded = true;
        break;
      case EventKind::kCleanupAction:
        if (e.action == Action::kHold || e.action == Action::kMilterHold) held = true;
        if (e.action == Action::kDiscard || e.action == Action::kMilterDiscard) discarded = true;
        if (e.action == Action::kReject || e.action == Action::kMilterReject) rejected = true;
        break;
      case EventKind::kQueueOp:
        if (e.text().find("placed on hold") != std::string_view::npos) held = true;
        if (e.text().find("released from hold") != std::string_view::npos) held = false;
        break;
      case EventKind::kExpired: expired = true; break;
      case EventKind::kRemoved:
        if (e.daemon == Daemon::kPostsuper) deleted = true;
        break;
      default: break;
    }
  }
  for (RecipientOutcome& r : out) {
    const TraceEvent& e = *r.last;
    if (e.kind == EventKind::kReject) {
      r.word = "rejected";
      r.words = "rejected before queueing: " + e.status_text;
      continue;
    }
    std::string detail = DeliveryDetail(e);
    switch (e.status) {
      case DeliveryStatus::kSent:
        r.word = "sent";
        r.words = e.child_queue_id.empty() ? "delivered (" + detail + "): " + e.status_text
                                           : "handed on (" + detail + "), queued there as " + e.child_queue_id;
        break;
      case DeliveryStatus::kBounced:
        r.word = "bounced";
        r.words = "bounced (" + detail + "): " + e.status_text;
        break;
      case DeliveryStatus::kDeferred:
      case DeliveryStatus::kSoftBounce:
        if (held) {
          r.word = "held";
          r.words = "deferred, then put on hold; on hold at the end of the log; last: " + e.status_text;
        } else if (expired) {
          r.word = "expired";
          r.words = "deferred until it expired, returned to sender; last: " + e.status_text;
        } else if (deleted) {
          r.word = "deleted";
          r.words = "deferred, then deleted from the queue (postsuper); last: " + e.status_text;
        } else {
          r.word = "deferred";
          r.words = "deferred, still queued at the end of the log; last: " + e.status_text;
        }
        break;
      case DeliveryStatus::kExpired:
        r.word = "expired";
        r.words = "expired (" + detail + "): " + e.status_text;
        break;
      case DeliveryStatus::kDeliverable:
      case DeliveryStatus::kUndeliverable:
      case DeliveryStatus::kDelivered:
        r.word = DeliveryStatusName(e.status);
        r.words = r.word + " (address verification, " + detail + "): " + e.status_text;
        break;
      default: {
        r.word = DeliveryStatusName(DeliveryStatus::kOther);
        std::string_view t = e.text();
        size_t at = t.find(", status=");
        std::string_view w = at == std::string_view::npos ? std::string_view() : t.substr(at + 9);
        w = w.substr(0, w.find(' '));
        r.words = "unknown status \"" + std::string(w) + "\" (" + detail + "): " + e.status_text;
        break;
      }
    }
  }
  if (out.empty()) {  // nothing per recipient: the message's fate
    RecipientOutcome r;
    r.to = "(all recipients)";
    if (rejected) {
      r.word = "rejected", r.words = "rejected";
    } else if (discarded) {
      r.word = "discarded", r.words = "discarded by cleanup";
    } else if (held) {
      r.word = "held", r.words = "on hold at the end of the log";
    } else if (expired) {
      r.word = "expired", r.words = "expired, returned to sender";
    } else if (deleted) {
      r.word = "deleted", r.words = "deleted from the queue (postsuper)";
    } else {
      r.word = "unknown", r.words = "no delivery seen in the log";
    }
    out.push_back(std::move(r));
  }
  return out;
}

const std::vector<std::string>& OutcomeWords() {
  static const std::vector<std::string> words = {
      "sent", "bounced", "deferred", "expired", "deleted", "held", "rejected", "discarded",
      DeliveryStatusName(DeliveryStatus::kDeliverable), DeliveryStatusName(DeliveryStatus::kUndeliverable),
      DeliveryStatusName(DeliveryStatus::kDelivered), DeliveryStatusName(DeliveryStatus::kOther), "unknown"};
  return words;
}

std::string DeliveryDetail(const TraceEvent& e) {
  std::string d;
  if (!e.relay.empty()) d = "relay " + e.relay;
  if (!e.dsn.empty()) d += (d.empty() ? "dsn " : ", dsn ") + e.dsn;
  return d;
}

std::string Tracer::Key(std::string_view host, std::string_view qid) {
  std::string k(host);
  k.push_back('\0');
  k.append(qid);
  return k;
}

void Tracer::Fill(const Event& ev, uint64_t seq, TraceEvent* te) {
  const SyslogHeader* h = ev.header;
  te->seq = seq;
  te->epoch = h->epoch;
  te->usec = h->usec;
  te->kind = ev.kind;
  te->daemon = ev.daemon;
  te->status = ev.status;
  te->action = ev.action;
  te->line.assign(h->line);
  // Header views point into the line; keep their offsets.
  te->program_at = static_cast<uint32_t>(h->program.data() - h->line.data());
  te->program_len = static_cast<uint32_t>(h->program.size());
  te->text_at = static_cast<uint32_t>(h->message.data() - h->line.data());
  te->to.assign(ev.to);
  te->orig_to.assign(ev.orig_to);
  te->from.assign(ev.from);
  te->relay.assign(ev.relay);
  te->delay.assign(ev.delay);
  te->dsn.assign(ev.dsn);
  te->status_text.assign(ev.kind == EventKind::kReject ? ev.reason : ev.status_text);
  te->child_queue_id.assign(ev.child_queue_id);
  te->client.assign(ev.client);
  te->helo.assign(ev.helo);
  std::copy(ev.delays, ev.delays + 4, te->delays);
  te->has_delays = ev.has_delays;
  te->has_from = ev.has_from;
}

bool Tracer::Candidate(const Event& ev, const Message& m) const {
  if (!filter_.QidOnly() || m.queue_id == filter_.qid) return true;
  // A message from an outside smtpd client cannot be a linked hop.
  if (ev.kind == EventKind::kClient) return IsLoopback(ev.client_addr);
  return true;
}

bool Tracer::StillWanted(const Event& ev, const Message& m) const {
  if (named_.contains(m.queue_id) || (!m.parent_queue_id.empty() && tracked_.contains(m.parent_queue_id)))
    return true;
  const TraceFilter& f = filter_;
  if (ev.kind == EventKind::kClient) {
    if (IsLoopback(ev.client_addr)) return true;  // may be a re-injected hop
    return f.client.Matches(m.client) && (f.sasl_user.empty() || f.sasl_user.Matches(m.sasl_username));
  }
  // The first activation fixes the sender (bounce notices are named before it).
  if (ev.kind == EventKind::kQueueActive && m.queue_active == 1) return f.from.Matches(m.from);
  return true;
}

void Tracer::OnEvent(const Event& ev, const Message* m) {
  ++seq_;
  const SyslogHeader* h = ev.header;
  if (h == nullptr) return;
  if (m == nullptr) {
    const bool session = ev.daemon == Daemon::kSmtpd && h->pid >= 0;
    if (session && (ev.kind == EventKind::kConnect || ev.kind == EventKind::kTls ||
                    ev.kind == EventKind::kDisconnect)) {
      std::string key = Key(h->host, std::to_string(h->pid));
      if (ev.kind == EventKind::kDisconnect) {
        sessions_.erase(key);
        return;
      }
      std::vector<TraceEvent>& s = sessions_[key];
      if (ev.kind == EventKind::kConnect) s.clear();
      s.emplace_back();
      Fill(ev, seq_, &s.back());
      return;
    }
    // A before-queue filter's session: "NOQUEUE: client=" and its verdict
    // "proxy-accept: ... queued as QID" (or the filter's own ID, resolved to
    // QID by the pipeline) belong to QID's message, whose own lines (the
    // filter's re-injection) came first.
    // ("NOQUEUE: client=" is a kIgnored event with queue_id "NOQUEUE": it
    // starts no message.)
    const bool noqueue_client =
        ev.kind == EventKind::kIgnored && ev.queue_id == "NOQUEUE" && ev.text.starts_with("client=");
    if (session && (noqueue_client || (ev.kind == EventKind::kProxyAccept && ev.queue_id == "NOQUEUE"))) {
      auto s = sessions_.find(Key(h->host, std::to_string(h->pid)));
      if (noqueue_client) {
        if (s != sessions_.end()) {
          s->second.emplace_back();
          Fill(ev, seq_, &s->second.back());
        }
        return;
      }
      if (ev.child_queue_id.empty()) return;
      std::vector<TraceEvent> events;
      if (s != sessions_.end()) events.swap(s->second);
      events.emplace_back();
      Fill(ev, seq_, &events.back());
      JoinBeforeQueue(h->host, ev.child_queue_id, std::move(events));
      return;
    }
    // "NOQUEUE: hold|discard:" applies to the message the session queues next.
    if (session && ev.kind == EventKind::kReject && (ev.action == Action::kHold || ev.action == Action::kDiscard)) {
      auto s = sessions_.find(Key(h->host, std::to_string(h->pid)));
      if (s != sessions_.end()) {
        s->second.emplace_back();
        Fill(ev, seq_, &s->second.back());
      }
      return;
    }
    // NOQUEUE rejects: a record of their own when the filter can match them.
    if (ev.kind == EventKind::kReject && ev.queue_id == "NOQUEUE" && filter_.qid.empty() &&
        filter_.message_id.empty() && filter_.sasl_user.empty()) {
      auto tm = std::make_unique<TraceMessage>();
      tm->host.assign(h->host);
      tm->queue_id = "NOQUEUE";
      tm->from.assign(ev.from);
      tm->has_from = ev.has_from;
      tm->client.assign(ev.client);
      tm->first_seen = tm->last_seen = h->epoch;
      if (ev.action == Action::kProxyReject && session) {
        // The before-queue filter's verdict names no client: the session's
        // connect line does; its lines come first.
        auto s = sessions_.find(Key(h->host, std::to_string(h->pid)));
        if (s != sessions_.end()) {
          for (const TraceEvent& e : s->second) {
            if (tm->client.empty() && e.kind == EventKind::kConnect) tm->client = e.client;
            tm->events.push_back(e);
          }
          if (!tm->events.empty()) tm->first_seen = tm->events.front().epoch;
        }
      }
      tm->events.emplace_back();
      Fill(ev, seq_, &tm->events.back());
      if (Matches(*tm)) {
        tm->matched = true;
        done_.push_back(std::move(tm));
      }
    }
    return;
  }
  auto [it, inserted] = live_.try_emplace(m);
  if (inserted && Candidate(ev, *m)) {
    it->second = std::make_unique<TraceMessage>();
    ++tracked_[m->queue_id];
  }
  TraceMessage* tm = it->second.get();
  if (tm == nullptr) return;
  if ((ev.kind == EventKind::kClient || ev.kind == EventKind::kQueueActive) && !StillWanted(ev, *m)) {
    it->second.reset();  // cannot match: stop recording it
    if (auto t = tracked_.find(m->queue_id); t != tracked_.end() && --t->second == 0) tracked_.erase(t);
    return;
  }
  if (ev.kind == EventKind::kClient && ev.daemon == Daemon::kSmtpd && h->pid >= 0) {
    auto s = sessions_.find(Key(h->host, std::to_string(h->pid)));
    if (s != sessions_.end()) {
      for (TraceEvent& e : s->second) tm->events.push_back(std::move(e));
      s->second.clear();
    }
  }
  tm->events.emplace_back();
  Fill(ev, seq_, &tm->events.back());
  if (!ev.child_queue_id.empty() && (ev.kind == EventKind::kDelivery || ev.kind == EventKind::kNotice))
    named_.insert(std::string(ev.child_queue_id));
}

void Tracer::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)origin;
  ++seq_;
  if (h == nullptr || unparsed_count_ >= kMaxUnparsed) return;
  std::string_view msg = h->message;
  TakeSeverity(&msg);
  size_t colon = msg.substr(0, 34).find(": ");
  if (colon == std::string_view::npos) return;
  std::string_view qid = msg.substr(0, colon);
  if (!fields::IsQueueId(qid) || (filter_.QidOnly() && qid != filter_.qid)) return;
  std::vector<TraceEvent>& v = unparsed_[Key(h->host, qid)];
  v.emplace_back();
  TraceEvent& te = v.back();
  te.seq = seq_;
  te.epoch = h->epoch;
  te.usec = h->usec;
  te.kind = EventKind::kUnrecognised;
  te.line.assign(line);
  te.program_at = static_cast<uint32_t>(h->program.data() - h->line.data());
  te.program_len = static_cast<uint32_t>(h->program.size());
  te.text_at = static_cast<uint32_t>(h->message.data() - h->line.data());
  ++unparsed_count_;
}

void Tracer::JoinBeforeQueue(std::string_view host, std::string_view qid, std::vector<TraceEvent> events) {
  // Released already (a fast local delivery): a kept message takes them now.
  for (size_t i = done_.size(), n = 0; i-- > 0 && n < 64; ++n) {
    TraceMessage& tm = *done_[i];
    if (tm.queue_id != qid || tm.host != host) continue;
    for (TraceEvent& e : events) tm.events.push_back(std::move(e));
    InLogOrder(&tm.events);
    tm.first_seen = tm.events.front().epoch;
    return;
  }
  if (before_queue_.size() >= kMaxBeforeQueue) before_queue_.clear();
  std::vector<TraceEvent>& v = before_queue_[Key(host, qid)];
  for (TraceEvent& e : events) v.push_back(std::move(e));
}

void Tracer::OnMessageReleased(const Message& m) {
  auto it = live_.find(&m);
  if (it == live_.end()) return;
  std::unique_ptr<TraceMessage> tm = std::move(it->second);
  live_.erase(it);
  if (!before_queue_.empty()) {
    auto b = before_queue_.find(Key(m.host, m.queue_id));
    if (b != before_queue_.end()) {
      if (tm != nullptr) {
        for (TraceEvent& e : b->second) tm->events.push_back(std::move(e));
        InLogOrder(&tm->events);
      }
      before_queue_.erase(b);
    }
  }
  if (!unparsed_.empty()) {
    auto u = unparsed_.find(Key(m.host, m.queue_id));
    if (u != unparsed_.end()) {
      unparsed_count_ -= u->second.size();
      if (tm != nullptr) {
        for (TraceEvent& e : u->second) tm->events.push_back(std::move(e));
        InLogOrder(&tm->events);
      }
      unparsed_.erase(u);
    }
  }
  if (tm == nullptr) return;
  tm->host = m.host;
  tm->queue_id = m.queue_id;
  tm->message_id = m.message_id;
  tm->from = m.from;
  tm->has_from = m.has_from;
  for (size_t i = 0; i < tm->events.size() && !tm->has_from; ++i) {
    const TraceEvent& e = tm->events[i];
    if (e.has_from && (e.kind == EventKind::kReject || e.kind == EventKind::kCleanupAction)) {
      tm->from = e.from;  // no qmgr line: a reject's from=
      tm->has_from = true;
    }
  }
  tm->client = m.client;
  tm->sasl_username = m.sasl_username;
  tm->parent_queue_id = m.parent_queue_id;
  tm->size = m.size;
  tm->nrcpt = m.nrcpt;
  tm->first_seen = tm->events.empty() ? m.first_seen : tm->events.front().epoch;
  tm->last_seen = m.last_seen;
  tm->matched = Matches(*tm);
  const bool named = named_.erase(tm->queue_id) > 0 ||
                     (!tm->parent_queue_id.empty() && tracked_.contains(tm->parent_queue_id));
  if (tm->matched || named) {
    done_.push_back(std::move(tm));
  } else if (auto t = tracked_.find(tm->queue_id); t != tracked_.end() && --t->second == 0) {
    tracked_.erase(t);
  }
}

namespace {

// The sender of `m` matches `p` (also from= of rejects: no qmgr line).
bool SenderMatches(const TraceMessage& m, const TextPattern& p) {
  if (p.Matches(m.from)) return true;
  for (const TraceEvent& e : m.events)
    if ((e.kind == EventKind::kReject || e.kind == EventKind::kCleanupAction) && p.Matches(e.from)) return true;
  return false;
}

// A recipient of `m` (to= or orig_to= of a delivery or reject) matches `p`.
bool RecipientMatches(const TraceMessage& m, const TextPattern& p) {
  for (const TraceEvent& e : m.events)
    if ((e.kind == EventKind::kDelivery || e.kind == EventKind::kReject || e.kind == EventKind::kCleanupAction) &&
        !e.to.empty() && (p.Matches(e.to) || (!e.orig_to.empty() && p.Matches(e.orig_to))))
      return true;
  return false;
}

}  // namespace

bool Tracer::Matches(const TraceMessage& m) const {
  const TraceFilter& f = filter_;
  if (!f.qid.empty() && m.queue_id != f.qid) return false;
  if (!f.from.empty() && !SenderMatches(m, f.from)) return false;
  if (!f.host.Matches(m.host) || !f.message_id.Matches(m.message_id) ||
      !f.sasl_user.Matches(m.sasl_username) || !f.client.Matches(m.client))
    return false;
  if (!f.sasl_user.empty() && m.sasl_username.empty()) return false;
  if (!f.client.empty() && m.client.empty()) return false;
  if (m.last_seen < f.since || m.first_seen >= f.until) return false;
  if (!f.to.empty() && !RecipientMatches(m, f.to)) return false;
  if (!f.address.empty() && !SenderMatches(m, f.address) && !RecipientMatches(m, f.address)) return false;
  if (!f.status.empty()) {
    bool any = false;
    for (const RecipientOutcome& r : Outcomes(m)) any |= r.word == f.status;
    if (!any) return false;
  }
  return true;
}

std::vector<const TraceMessage*> Tracer::Finish() {
  live_.clear();  // the pipeline's Finish() released every message already
  std::sort(done_.begin(), done_.end(), [](const auto& a, const auto& b) {
    return a->events.front().seq < b->events.front().seq;
  });
  absl::flat_hash_map<std::string, std::vector<TraceMessage*>> by_qid;
  for (auto& tm : done_)
    if (tm->queue_id != "NOQUEUE") by_qid[tm->queue_id].push_back(tm.get());
  for (auto& tm : done_) {
    for (const TraceEvent& e : tm->events) {
      if (e.child_queue_id.empty() || (e.kind != EventKind::kDelivery && e.kind != EventKind::kNotice)) continue;
      auto it = by_qid.find(e.child_queue_id);
      if (it == by_qid.end()) continue;
      // The hop: same host preferred, first seen nearest the hand-over.
      TraceMessage* best = nullptr;
      int64_t best_score = INT64_MAX;
      for (TraceMessage* c : it->second) {
        if (c == tm.get() || (c->parent != nullptr && c->parent != tm.get())) continue;
        int64_t dt = std::llabs(c->first_seen - e.epoch);
        if (dt > 3600) continue;
        int64_t score = dt + (c->host == tm->host ? 0 : 7200);
        if (score < best_score) best = c, best_score = score;
      }
      if (best == nullptr || best->parent == tm.get()) continue;
      bool cycle = false;
      for (const TraceMessage* p = tm.get(); p != nullptr && !cycle; p = p->parent) cycle = p == best;
      if (cycle) continue;
      best->parent = tm.get();
      tm->hops.push_back(best);
    }
  }
  // A requeued copy or re-injection that names its origin (orig_id=) and
  // was not linked by "queued as": a hop of that origin.
  for (auto& tm : done_) {
    if (tm->parent != nullptr || tm->parent_queue_id.empty()) continue;
    auto it = by_qid.find(tm->parent_queue_id);
    if (it == by_qid.end()) continue;
    TraceMessage* best = nullptr;
    for (TraceMessage* p : it->second)
      if (p != tm.get() && p->host == tm->host && p->first_seen <= tm->first_seen) best = p;
    bool cycle = false;
    for (const TraceMessage* p = best; p != nullptr && !cycle; p = p->parent) cycle = p == tm.get();
    if (best == nullptr || cycle) continue;
    tm->parent = best;
    best->hops.push_back(tm.get());
  }
  std::vector<const TraceMessage*> roots;
  for (auto& tm : done_) {
    if (!tm->matched) continue;
    bool covered = false;
    for (const TraceMessage* p = tm->parent; p != nullptr && !covered; p = p->parent) covered = p->matched;
    if (!covered) roots.push_back(tm.get());
  }
  return roots;
}

}  // namespace maillens
