// summary.cc - Summary: pflogsumm's counting rules over typed events.
#include "report/summary.h"

#include "postfix/fields.h"

namespace maillens {

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void AppendLower(std::string* out, std::string_view s) {
  for (char c : s) out->push_back(Lower(c));
}

// pflogsumm's host shortening: "mach.host.dom" -> "host.dom" when the last
// label has three letters, "mach.host.co.uk" -> "host.co.uk"; else unchanged.
void ShortenHost(std::string_view d, std::string* out) {
  // Label boundaries from the right.
  size_t last = d.rfind('.');
  if (last != std::string_view::npos && last > 0) {
    size_t second = d.rfind('.', last - 1);
    std::string_view tld = d.substr(last + 1);
    if (second != std::string_view::npos && second > 0 && last - second > 1 && tld.size() == 3) {
      AppendLower(out, d.substr(second + 1));
      return;
    }
    if (second != std::string_view::npos && second > 0 && tld.size() == 2) {
      size_t third = d.rfind('.', second - 1);
      size_t sld_len = last - second - 1;
      if (third != std::string_view::npos && second - third > 1 && (sld_len == 2 || sld_len == 3)) {
        AppendLower(out, d.substr(third + 1));
        return;
      }
    }
  }
  out->append(d);
}

}  // namespace

void ClientDomain(std::string_view client, std::string* out) {
  std::string_view name = client, addr;
  size_t open = client.find_first_of("[(/");
  if (open != std::string_view::npos) {
    name = client.substr(0, open);
    size_t close = client.find_first_of("])", open + 1);
    addr = client.substr(open + 1, (close == std::string_view::npos ? client.size() : close) - open - 1);
  }
  if (name.empty() || name == "unknown") {
    out->append(addr);
  } else {
    ShortenHost(name, out);
  }
}

int GrandTotals::rejected_pct() const {
  uint64_t total = delivered + rejected + discarded;
  return total ? static_cast<int>(static_cast<double>(rejected) / static_cast<double>(total) * 100) : 0;
}

int GrandTotals::discarded_pct() const {
  uint64_t total = delivered + rejected + discarded;
  return total ? static_cast<int>(static_cast<double>(discarded) / static_cast<double>(total) * 100) : 0;
}

GrandTotals Summary::totals() const {
  GrandTotals t = t_;
  t.senders = senders_.size();
  t.sending_domains = sending_domains_.size();
  t.recipients = recipients_.size();
  uint64_t dom = 0;
  for (const auto& [k, v] : recipient_domains_)
    if (v.count > 0) ++dom;
  t.recipient_domains = dom;
  return t;
}

void Summary::NoteDay(const SyslogHeader& h) {
  int64_t day = h.civil_day();
  if (day != last_day_) {  // dates change rarely: one set lookup per change
    last_day_ = day;
    days_.insert(day);
  }
}

void Summary::Bump(const SyslogHeader& h, TrafficColumn c) {
  ++per_day_[h.civil_day()][c];
  ++per_hour_[h.hour][c];
}

const std::string& Summary::NormaliseAddress(std::string_view addr) {
  scratch_.clear();
  if (options_.ignore_case) {
    AppendLower(&scratch_, addr);
    return scratch_;
  }
  size_t at = addr.find('@');
  if (at == std::string_view::npos || at + 1 == addr.size()) {
    scratch_.append(addr);
  } else {
    scratch_.append(addr.substr(0, at));
    AppendLower(&scratch_, addr.substr(at));
  }
  return scratch_;
}

template <typename Map>
static typename Map::mapped_type& Slot(Map* map, const std::string& key) {
  auto it = map->find(key);
  if (it != map->end()) return it->second;
  return (*map)[key];
}

void Summary::CountSender(const Message& m) {
  const std::string& addr = NormaliseAddress(m.from.empty() ? std::string_view("from=<>") : std::string_view(m.from));
  uint64_t size = m.size > 0 ? static_cast<uint64_t>(m.size) : 0;
  AddressStats& u = Slot(&senders_, addr);
  ++u.count;
  u.bytes += size;
  scratch_domain_.clear();
  size_t at = addr.find('@');
  if (at != std::string::npos && at > 0 && at + 1 < addr.size()) {
    scratch_domain_.append(addr, at + 1, std::string::npos);
  } else if (m.origin == Message::Origin::kPickup) {
    scratch_domain_ = addr;
  } else {
    ClientDomain(m.client, &scratch_domain_);
  }
  AddressStats& d = Slot(&sending_domains_, scratch_domain_);
  ++d.count;
  d.bytes += size;
  t_.bytes_received += size;
}

void Summary::CountDelivery(const Event& ev, const Message* m) {
  const SyslogHeader& h = *ev.header;
  const std::string& addr = NormaliseAddress(ev.to);
  scratch_domain_.clear();
  size_t at = addr.find('@');
  scratch_domain_.append(at != std::string::npos && at > 0 ? std::string_view(addr).substr(at + 1)
                                                           : std::string_view(addr));
  switch (ev.status) {
    case DeliveryStatus::kSent: {
      if (ev.rest.find("forwarded as ") != std::string_view::npos) {
        ++t_.forwarded;
        return;
      }
      ++t_.delivered;
      Bump(h, kDlvd);
      uint64_t size = (m && m->size > 0) ? static_cast<uint64_t>(m->size) : 0;
      t_.bytes_delivered += size;
      DomainStats& d = Slot(&recipient_domains_, scratch_domain_);
      ++d.count;
      d.bytes += size;
      d.delay_sum += ev.delay_s;
      if (ev.delay_s > d.delay_max) d.delay_max = ev.delay_s;
      AddressStats& u = Slot(&recipients_, addr);
      ++u.count;
      u.bytes += size;
      return;
    }
    case DeliveryStatus::kDeferred: {
      ++t_.deferrals;
      Bump(h, kDfrd);
      if (m == nullptr || m->deferred == 1) ++t_.deferred;
      DomainStats& d = Slot(&recipient_domains_, scratch_domain_);
      ++d.defers;
      if (ev.delay_s > d.delay_max) d.delay_max = ev.delay_s;
      return;
    }
    case DeliveryStatus::kBounced:
      ++t_.bounced;
      Bump(h, kBncd);
      return;
    default:
      return;
  }
}

void Summary::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)line;
  if (h != nullptr && origin == Origin::kPostfix) NoteDay(*h);
}

void Summary::OnEvent(const Event& ev, const Message* m) {
  if (ev.daemon == Daemon::kDovecot) return;
  const SyslogHeader& h = *ev.header;
  NoteDay(h);
  switch (ev.kind) {
    case EventKind::kReject:
    case EventKind::kCleanupAction: {
      if (ev.kind == EventKind::kCleanupAction && ev.stage != "header" && ev.stage != "body" &&
          ev.stage != "END-OF-MESSAGE")
        return;
      uint64_t* counter = nullptr;
      switch (ev.action) {
        case Action::kReject:
        case Action::kMilterReject: counter = &t_.rejected; break;
        case Action::kRejectWarning: counter = &t_.reject_warnings; break;
        case Action::kWarn:
          if (ev.kind == EventKind::kCleanupAction) counter = &t_.reject_warnings;
          break;
        case Action::kHold:
        case Action::kMilterHold: counter = &t_.held; break;
        case Action::kDiscard:
        case Action::kMilterDiscard: counter = &t_.discarded; break;
        default: break;
      }
      if (counter == nullptr) return;
      ++*counter;
      Bump(h, kRjct);
      return;
    }
    case EventKind::kClient:
      if (ev.daemon != Daemon::kSmtpd) return;
      [[fallthrough]];
    case EventKind::kPickup:
      ++t_.received;
      Bump(h, kRcvd);
      return;
    case EventKind::kQueueActive:
      if (m != nullptr && m->queue_active == 1 && m->origin != Message::Origin::kUnknown) CountSender(*m);
      return;
    case EventKind::kDelivery:
      CountDelivery(ev, m);
      return;
    default:
      return;
  }
}

}  // namespace maillens
