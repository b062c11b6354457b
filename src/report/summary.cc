// summary.cc - Summary: pflogsumm's counting rules over typed events.
#include "report/summary.h"

#include <charconv>
#include <ctime>

#include "postfix/fields.h"
#include "report/pflogsumm_rules.h"

namespace maillens {

namespace {

// The client of a pipelining reject: /^.+? from (\S+?):.*$/ on the line.
std::string_view PipeliningClient(std::string_view msg) {
  for (size_t f = msg.find(" from "); f != std::string_view::npos; f = msg.find(" from ", f + 1)) {
    size_t j = f + 6, k = j + 1;
    while (k < msg.size() && msg[k - 1] != ' ' && msg[k] != ':') ++k;
    if (j < msg.size() && k < msg.size() && msg[k - 1] != ' ' && msg[k] == ':') return msg.substr(j, k - j);
  }
  return {};
}

using fields::AppendLower;

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
  if (v13()) {
    // 1.3.0: late rejects and cancels are not received; at the end, nor are
    // the messages never sized (when the input has size data at all).
    int64_t unsized = 0;
    if (size_data13_)
      for (const auto& [qid, p] : pending13_) unsized += !p.sized;
    t.received13 = static_cast<int64_t>(t_.received) - received_taken13_ - unsized;
    t.received = t.received13 > 0 ? static_cast<uint64_t>(t.received13) : 0;
  }
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

const std::string& Summary::NormaliseAddress(std::string_view addr, bool verp) {
  scratch_.clear();
  if (options_.uucp_mung && addr.find('!') != std::string_view::npos) {
    key2_.assign(addr);
    pfl::UucpMung(&key2_);
    addr = key2_;
  }
  if (options_.ignore_case) {
    AppendLower(&scratch_, addr);
  } else {
    size_t at = addr.find('@');
    if (at == std::string_view::npos || at + 1 == addr.size()) {
      scratch_.append(addr);
    } else {
      scratch_.append(addr.substr(0, at));
      AppendLower(&scratch_, addr.substr(at));
    }
  }
  if (verp && options_.verp_mung > 0 && scratch_ != "from=<>") pfl::VerpMung(options_.verp_mung, &scratch_);
  return scratch_;
}

namespace {

uint64_t& CountOf(Counts* m, std::string_view key) {
  auto it = m->find(absl::string_view(key.data(), key.size()));
  if (it != m->end()) return it->second;
  return m->emplace(std::string(key), 0).first->second;
}

template <typename Map>
typename Map::mapped_type& Child(Map* m, std::string_view key) {
  auto it = m->find(absl::string_view(key.data(), key.size()));
  if (it != m->end()) return it->second;
  return (*m)[std::string(key)];
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Seconds of wall-clock time (pflogsumm's Delta_DHMS works on the written time).
int64_t WallSeconds(const SyslogHeader& h) {
  return h.civil_day() * 86400 + h.hour * 3600 + h.minute * 60 + h.second;
}

// "ddd PHRASE;" anywhere in s (pflogsumm's /^.*?\d{3} (PHRASE);.*$/).
bool HasCodedPhrase(std::string_view s, std::string_view phrase_semicolon) {
  for (size_t p = s.find(phrase_semicolon); p != std::string_view::npos; p = s.find(phrase_semicolon, p + 1)) {
    if (p >= 4 && s[p - 1] == ' ' && IsDigitChar(s[p - 2]) && IsDigitChar(s[p - 3]) && IsDigitChar(s[p - 4]))
      return true;
  }
  return false;
}

double ExactDelay(std::string_view s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

template <typename Map>
static typename Map::mapped_type& Slot(Map* map, const std::string& key) {
  auto it = map->find(key);
  if (it != map->end()) return it->second;
  return (*map)[key];
}

void Summary::CountSender(const Message& m) {
  const std::string& addr =
      NormaliseAddress(m.from.empty() ? std::string_view("from=<>") : std::string_view(m.from), true);
  uint64_t size = m.size > 0 ? static_cast<uint64_t>(m.size) : 0;
  AddressStats& u = Slot(&senders_, addr);
  ++u.count;
  u.bytes += size;
  scratch_domain_.clear();
  size_t at = addr.find('@');
  if (v13()) {  // fold_domain($addr), or whence: "pickup" or gimme_domain(client)
    if (addr != "from=<>") pfl::FoldDomain13(addr, &scratch_domain_);
    if (scratch_domain_.empty()) {
      if (m.origin == Message::Origin::kPickup) {
        scratch_domain_ = "pickup";
      } else {
        pfl::GimmeDomain13(m.client, false, &scratch_domain_);
      }
    }
  } else if (at != std::string::npos && at > 0 && at + 1 < addr.size()) {
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
  if (options_.dedupe_content_filter) {
    auto it = recent_.find(absl::string_view(m.queue_id));
    if (it != recent_.end()) {
      it->second.sender_counted = true;
      it->second.sender = addr;
      it->second.domain = scratch_domain_;
      it->second.size = size;
    }
  }
}

// --dedupe-content-filter. A content filter (amavis, ...) receives message A
// over SMTP and re-injects it as message B through an smtpd: B's
// "client=" line is followed by A's delivery to the filter ending in
// "queued as B". Both messages were counted as received; here B's receipt
// (count, hour and day rows, sender, sending domain, bytes) is taken back and
// A's deliveries to the filter (one line per recipient, each "queued as B")
// are not counted as deliveries, so the message counts once: received as A,
// delivered as B's recipients. Either order, within the hour: B's "client="
// line first (the usual order: the filter answers after the re-injection is
// queued), or the replies first (pending_hops_). A filter that names its own
// ID instead of B's ("250 2.5.0 OK (ID)", PMG) is resolved to B upstream
// (assemble/filter_links.h).
void Summary::NoteReceived(const Event& ev) {
  const SyslogHeader& h = *ev.header;
  while (!recent_order_.empty() && h.epoch - recent_order_.front().first > 3600) {
    auto it = recent_.find(absl::string_view(recent_order_.front().second));
    if (it != recent_.end() && it->second.epoch == recent_order_.front().first) recent_.erase(it);
    recent_order_.pop_front();
  }
  Received& r = recent_[std::string(ev.queue_id)];
  r = Received();
  r.epoch = h.epoch;
  r.date = h.civil_day();
  r.hour = h.hour;
  recent_order_.emplace_back(h.epoch, std::string(ev.queue_id));
  // The other order: the filter's "queued as" line came first. This receipt
  // is not counted, and that delivery to the filter is taken back.
  auto p = pending_hops_.find(absl::string_view(ev.queue_id.data(), ev.queue_id.size()));
  if (p == pending_hops_.end()) return;
  for (const Hop& hop : p->second) {
    if (h.epoch - hop.epoch > 3600) continue;
    if (!r.hop) TakeBackReceipt(&r);
    --t_.delivered;
    --per_day_[hop.date][kDlvd];
    --per_hour_[hop.hour][kDlvd];
    t_.bytes_delivered -= std::min(t_.bytes_delivered, hop.size);
    --latency_[hop.latency_bucket];
    auto d = recipient_domains_.find(absl::string_view(hop.domain));
    if (d != recipient_domains_.end()) {
      --d->second.count;
      d->second.bytes -= std::min(d->second.bytes, hop.size);
      d->second.delay_sum -= hop.delay;
      if (d->second.count == 0 && d->second.defers == 0) recipient_domains_.erase(d);
    }
    auto u = recipients_.find(absl::string_view(hop.recipient));
    if (u != recipients_.end()) {
      --u->second.count;
      u->second.bytes -= std::min(u->second.bytes, hop.size);
      if (u->second.count == 0) recipients_.erase(u);
    }
  }
  pending_hops_.erase(p);
}

// A receipt that was a content filter's re-injection: the message was
// received once already, so this receipt is not counted.
void Summary::TakeBackReceipt(Received* r) {
  r->hop = true;
  ++t_.content_filter_hops;
  --t_.received;
  --per_day_[r->date][kRcvd];
  --per_hour_[r->hour][kRcvd];
}

bool Summary::DedupeHop(std::string_view child) {
  auto it = recent_.find(absl::string_view(child.data(), child.size()));
  if (it == recent_.end()) return false;
  Received& r = it->second;
  if (r.hop) return true;  // another recipient's copy to the filter: the receipt is taken back already
  TakeBackReceipt(&r);
  if (r.sender_counted) {
    auto take = [&](absl::flat_hash_map<std::string, AddressStats>* m, const std::string& key) {
      auto s = m->find(key);
      if (s == m->end()) return;
      --s->second.count;
      s->second.bytes -= std::min(s->second.bytes, r.size);
      if (s->second.count == 0) m->erase(s);
    };
    take(&senders_, r.sender);
    take(&sending_domains_, r.domain);
    t_.bytes_received -= std::min(t_.bytes_received, r.size);
  }
  return true;
}

void Summary::CountDelivery(const Event& ev, const Message* m) {
  const SyslogHeader& h = *ev.header;
  const std::string& addr = NormaliseAddress(ev.to);
  scratch_domain_.clear();
  size_t at = addr.find('@');
  if (v13()) {
    pfl::FoldDomain13(addr, &scratch_domain_);
  } else {
    scratch_domain_.append(at != std::string::npos && at > 0 ? std::string_view(addr).substr(at + 1)
                                                             : std::string_view(addr));
  }
  switch (ev.status) {
    case DeliveryStatus::kSent: {
      if (ev.rest.find("forwarded as ") != std::string_view::npos) {
        ++t_.forwarded;
        return;
      }
      if (options_.dedupe_content_filter && !ev.child_queue_id.empty() && DedupeHop(ev.child_queue_id)) return;
      ++t_.delivered;
      Bump(h, kDlvd);
      uint64_t size = (m && m->size > 0) ? static_cast<uint64_t>(m->size) : 0;
      if (v13()) {  // $rcvdMsg{$qid}{'size'}: gone once a recipient was forwarded or the message removed
        auto it = pending13_.find(absl::string_view(ev.queue_id.data(), ev.queue_id.size()));
        size = it != pending13_.end() && it->second.size > 0 ? static_cast<uint64_t>(it->second.size) : 0;
      }
      t_.bytes_delivered += size;
      double delay = ExactDelay(ev.delay);
      DomainStats& d = Slot(&recipient_domains_, scratch_domain_);
      ++d.count;
      d.bytes += size;
      d.delay_sum += delay;
      if (delay > d.delay_max) d.delay_max = delay;
      size_t bucket = 0;
      while (bucket < kLatencyBuckets - 1 && delay >= kLatencyBounds[bucket]) ++bucket;
      ++latency_[bucket];
      if (options_.dedupe_content_filter && !ev.child_queue_id.empty()) {
        if (pending_hops_.size() > 100000) pending_hops_.clear();  // bound: hops resolve within seconds
        pending_hops_[std::string(ev.child_queue_id)].push_back(
            Hop{h.epoch, h.civil_day(), h.hour, addr, scratch_domain_, size, delay, bucket});
      }
      AddressStats& u = Slot(&recipients_, addr);
      ++u.count;
      u.bytes += size;
      if (size == 0 && !options_.no_no_msg_size) Child(&no_size_, ev.queue_id) = addr;
      if (options_.message_detail) {
        MessageLines& lines = DetailLines(ev, m);
        if (size == 0) lines.Add("(sender not in log)");
        lines.Add(addr);
      }
      return;
    }
    case DeliveryStatus::kDeferred: {
      ++t_.deferrals;
      Bump(h, kDfrd);
      if (m == nullptr || m->deferred == 1) ++t_.deferred;
      double delay = ExactDelay(ev.delay);
      DomainStats& d = Slot(&recipient_domains_, scratch_domain_);
      ++d.defers;
      if (delay > d.delay_max) d.delay_max = delay;
      if (options_.deferral_detail) {
        // /, status=deferred \(([^\)]+)/
        std::string_view msg = h.message, reason;
        size_t p = msg.find(", status=deferred (");
        if (p != std::string_view::npos) {
          size_t b = p + 19, e = msg.find(')', b);
          if (e == std::string_view::npos) e = msg.size();
          if (e > b) reason = msg.substr(b, e - b);
        }
        key1_.clear();
        if (v13() && !options_.verbose_msg_detail) {  // {svc}{host}{reason}
          key2_.clear();
          pfl::DeferralKey13(reason, &key2_, &key1_);
          ++CountOf(&Child(&Child(&problems_.deferred13, pfl::Command(h.program)), key2_), key1_);
          return;
        }
        DetailKey(reason, pfl::SaidStringTrimmer, 65);
        if (!options_.verbose_msg_detail) {
          if (key1_.size() >= 4 && IsDigitChar(key1_[0]) && IsDigitChar(key1_[1]) && IsDigitChar(key1_[2]) &&
              key1_[3] == ' ')
            key1_.erase(0, 4);
          if (StartsWith(key1_, "connect to ")) key1_.erase(0, 11);
        }
        ++CountOf(&Child(&problems_.deferred, pfl::Command(h.program)), key1_);
      }
      return;
    }
    case DeliveryStatus::kBounced:
      ++t_.bounced;
      Bump(h, kBncd);
      if (options_.bounce_detail) {
        // /, status=bounced \((.+)\)/
        std::string_view msg = h.message, reason;
        size_t p = msg.find(", status=bounced (");
        if (p != std::string_view::npos) {
          size_t b = p + 18, e = msg.rfind(')');
          if (e != std::string_view::npos && e > b) reason = msg.substr(b, e - b);
        }
        if (v13()) {  // {gimme_domain($relay, 1)}{said_string_trimmer(reason, 66)}
          DetailKey(reason, pfl::SaidStringTrimmer13, 66);
          key2_.clear();
          std::string_view relay = ev.relay;  // s/:\d+$//
          size_t c = relay.rfind(':');
          if (c != std::string_view::npos && c + 1 < relay.size()) {
            bool digits = true;
            for (size_t i = c + 1; i < relay.size(); ++i) digits = digits && IsDigitChar(relay[i]);
            if (digits) relay = relay.substr(0, c);
          }
          scratch_.clear();
          if (options_.ignore_case) {
            AppendLower(&scratch_, relay);
          } else {
            scratch_.append(relay);
          }
          pfl::GimmeDomain13(scratch_, true, &key2_);
          ++CountOf(&Child(&problems_.bounced, key2_), key1_);
          return;
        }
        DetailKey(reason, pfl::SaidStringTrimmer, 66);
        if (!options_.verbose_msg_detail) {
          if (key1_.size() >= 4 && IsDigitChar(key1_[0]) && IsDigitChar(key1_[1]) && IsDigitChar(key1_[2]) &&
              key1_[3] == ' ')
            key1_.erase(0, 4);
        }
        key2_.clear();
        if (options_.ignore_case) {
          AppendLower(&key2_, ev.relay);
        } else {
          key2_.append(ev.relay);
        }
        ++CountOf(&Child(&problems_.bounced, key2_), key1_);
      }
      return;
    default:
      return;
  }
}

void Summary::DetailKey(std::string_view text, void (*trim)(std::string_view, size_t, std::string*), size_t width) {
  key1_.clear();
  if (options_.verbose_msg_detail) {
    key1_.append(text);
  } else {
    trim(text, width, &key1_);
  }
}

void Summary::CountDiagnostic(const SyslogHeader& h) {
  std::string_view msg = h.message;
  if (msg.empty()) return;
  std::string_view cmd = pfl::Command(h.program);
  if (v13()) {
    CountDiagnostic13(cmd, msg);
    return;
  }
  Counts2* target = nullptr;
  std::string_view word;
  switch (msg[0]) {
    case 'w':
      if (StartsWith(msg, "warning: ")) {
        if (cmd == "smtpd" && options_.no_smtpd_warnings) return;
        target = &problems_.warnings, word = "warning: ";
      }
      break;
    case 'f':
      if (StartsWith(msg, "fatal: ")) target = &problems_.fatals, word = "fatal: ";
      break;
    case 'p':
      if (StartsWith(msg, "panic: ")) target = &problems_.panics, word = "panic: ";
      break;
    default: break;
  }
  if (target != nullptr) {
    // s/^.*warning: // (greedy: after the last one); string_trimmer(66)
    std::string_view text = msg.substr(msg.rfind(word) + word.size());
    DetailKey(text, pfl::StringTrimmer, 66);
    ++CountOf(&Child(target, cmd), key1_);
    return;
  }
  if (cmd == "master") {
    // (split(/^.*master.*: /, $logRmdr))[1]: after the last ": ".
    size_t c = msg.rfind(": ");
    ++CountOf(&problems_.master, c == std::string_view::npos ? msg : msg.substr(c + 2));
    return;
  }
  if (cmd == "smtp" && options_.smtp_detail) {
    // /.* connect to (\S+?): ([^;]+); address \S+ port.*$/ or
    // /.* connect to ([^[]+)\[\S+?\]: (.+?) \(port \d+\)$/
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    for (size_t c = msg.rfind("connect to "); c != std::string_view::npos;
         c = c == 0 ? std::string_view::npos : msg.rfind("connect to ", c - 1)) {
      if (c > 0 && msg[c - 1] != ' ') continue;
      size_t j = c + 11;
      // First form.
      size_t k = j + 1;
      while (k < msg.size() && !is_space(msg[k - 1]) && !(msg[k] == ':' && k + 1 < msg.size() && msg[k + 1] == ' ')) ++k;
      if (k < msg.size() && j < msg.size() && !is_space(msg[k - 1]) && msg[k] == ':') {
        size_t r = k + 2, semi = msg.find(';', r);
        if (semi != std::string_view::npos && semi > r && StartsWith(msg.substr(semi), "; address ")) {
          size_t a = semi + 10, e = a;
          while (e < msg.size() && !is_space(msg[e])) ++e;
          if (e > a && StartsWith(msg.substr(e), " port")) {
            key1_.clear();
            pfl::AppendLower(&key1_, msg.substr(r, semi - r));
            ++CountOf(&Child(&problems_.smtp_failures, key1_), msg.substr(j, k - j));
            return;
          }
        }
      }
      // Second form.
      size_t br = msg.find('[', j);
      if (br == std::string_view::npos || br == j) continue;
      size_t close = msg.find("]: ", br + 2);
      if (close == std::string_view::npos) continue;
      bool nospace = true;
      for (size_t q = br + 1; q < close; ++q) nospace = nospace && !is_space(msg[q]);
      if (!nospace || msg.empty() || msg.back() != ')') continue;
      size_t port = msg.rfind(" (port ");
      if (port == std::string_view::npos || port <= close + 3) continue;
      bool digits = port + 7 < msg.size() - 1;
      for (size_t q = port + 7; q + 1 < msg.size(); ++q) digits = digits && IsDigitChar(msg[q]);
      if (!digits) continue;
      key1_.clear();
      pfl::AppendLower(&key1_, msg.substr(close + 3, port - close - 3));
      ++CountOf(&Child(&problems_.smtp_failures, key1_), msg.substr(j, br - j));
      return;
    }
  }
}

Summary::Summary(SummaryOptions options) : options_(options) {
  if (v13()) {  // 1.3.0's $thisYr and current month, for traditional stamps
    time_t now = std::time(nullptr);
    struct tm tm;
    localtime_r(&now, &tm);
    this_year13_ = tm.tm_year + 1900;
    this_month13_ = tm.tm_mon + 1;
  }
}

void Summary::NoteLine13(const SyslogHeader& h) {
  Date13 d{h.year, h.month, h.day};
  if (h.format == TimeFormat::kTraditional) d.year = h.month > this_month13_ ? this_year13_ - 1 : this_year13_;
  if (!any_line13_) first13_ = d;
  last13_ = d;
  any_line13_ = true;
}

void Summary::OnForeign(const SyslogHeader& h, std::string_view line) {
  (void)line;
  if (v13()) NoteLine13(h);
}

// 1.3.0's postscreen branch: @pscrnRegexs, connection times per IP:port.
void Summary::CountPostscreen13(const SyslogHeader& h) {
  if (!options_.pscrn_stats && !options_.pscrn_detail) return;
  std::string_view act, ip, port, addl;
  size_t n = pfl::PostscreenAction13(h.message, &act, &ip, &port, &addl);
  auto bump = [&]() {
    if (!options_.pscrn_detail) return;
    key1_.assign(act);
    if (n == 4) key1_.append(" ").append(addl);
    ++CountOf(&Child(&problems_.pscrn_actions, key1_), ip);
  };
  if (n == 4) {
    bump();
    return;
  }
  if (n != 3) return;
  key2_.assign(ip).append(":").append(port);
  if (act == "CONNECT") {
    pscrn_open_[key2_] = WallSeconds(h);
  } else if (act == "DISCONNECT" || act == "HANGUP" || act == "PASS NEW" || act == "PASS OLD") {
    auto it = pscrn_open_.find(key2_);
    if (it == pscrn_open_.end()) return;
    int64_t secs = WallSeconds(h) - it->second;
    pscrn_open_.erase(it);
    ++pscrn_.connections;
    pscrn_.seconds += secs;
    if (options_.pscrn_stats && !pscrn_.addresses.contains(absl::string_view(ip.data(), ip.size())))
      pscrn_.addresses.emplace(ip);
    if (act == "PASS NEW" || act == "PASS OLD") bump();
  } else {
    bump();
  }
}

// pflogsumm 1.3.0: the text after the queue ID ($logRmdr: the line's
// "NOQUEUE: " / "QID: " taken off) is tested for "warning|panic|fatal: "
// first, then master's messages (whole), then smtp's session exceptions.
void Summary::CountDiagnostic13(std::string_view cmd, std::string_view msg) {
  // (?:(?:NOQUEUE|[0-9A-F]+|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]+):\h+)?
  {
    auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
    auto longq = [](char c) {
      if (c >= '0' && c <= '9') return true;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        char l = static_cast<char>(c | 0x20);
        return l != 'a' && l != 'e' && l != 'i' && l != 'o' && l != 'u';
      }
      return false;
    };
    size_t c = msg.find(':');
    if (c != std::string_view::npos && c > 0 && c + 1 < msg.size() && (msg[c + 1] == ' ' || msg[c + 1] == '\t')) {
      std::string_view tok = msg.substr(0, c);
      bool all_hex = true, all_long = true;
      for (char x : tok) all_hex = all_hex && hex(x), all_long = all_long && longq(x);
      if (tok == "NOQUEUE" || all_hex || all_long) {
        size_t k = c + 1;
        while (k < msg.size() && (msg[k] == ' ' || msg[k] == '\t')) ++k;
        msg.remove_prefix(k);
      }
    }
  }
  Counts2* target = nullptr;
  size_t word = 0;
  if (StartsWith(msg, "warning:")) target = &problems_.warnings, word = 8;
  else if (StartsWith(msg, "fatal:")) target = &problems_.fatals, word = 6;
  else if (StartsWith(msg, "panic:")) target = &problems_.panics, word = 6;
  if (target != nullptr) {
    std::string_view text = msg.substr(word);
    size_t k = 0;
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t')) ++k;  // \s+(.+)
    if (k == 0 || k == text.size()) target = nullptr;
    text.remove_prefix(k);
    if (target == &problems_.warnings) {
      // Condensed (not cleanup's), then string_trimmer(66): no trimming
      // with --verbose-msg-detail (1.3.0 sets colwidth 0).
      key2_.clear();
      if (cmd != "cleanup" && pfl::CondenseWarning13(text, &key2_)) text = key2_;
      DetailKey(text, pfl::StringTrimmer, 66);
      ++CountOf(&Child(target, cmd), key1_);
      return;
    }
    if (target != nullptr) {
      ++CountOf(&Child(target, cmd), text);
      return;
    }
  }
  if (cmd == "master") {
    ++CountOf(&problems_.master, msg);
    return;
  }
  if (cmd == "smtp" && StartsWith(msg, "connect to")) {
    // /^connect to\s+([^\]]+\]): (.+?) \(port \d+\)$/ or /^connect to\s+([^\]]+\]):\d+:\s+(.+)$/
    size_t j = 10;
    if (j >= msg.size() || (msg[j] != ' ' && msg[j] != '\t')) return;
    while (j < msg.size() && (msg[j] == ' ' || msg[j] == '\t')) ++j;
    size_t close = msg.find(']', j);
    if (close == std::string_view::npos || close == j || close + 1 >= msg.size() || msg[close + 1] != ':') return;
    std::string_view dest = msg.substr(j, close + 1 - j), text;
    std::string_view after = msg.substr(close + 2);
    bool ok = false;
    if (StartsWith(after, " ") && !msg.empty() && msg.back() == ')') {
      size_t port = after.rfind(" (port ");
      if (port != std::string_view::npos && port > 1) {
        bool digits = port + 7 < after.size() - 1;
        for (size_t q = port + 7; q + 1 < after.size(); ++q) digits = digits && IsDigitChar(after[q]);
        if (digits) text = after.substr(1, port - 1), ok = true;
      }
    }
    if (!ok && !after.empty() && IsDigitChar(after[0])) {
      size_t q = 0;
      while (q < after.size() && IsDigitChar(after[q])) ++q;
      if (q < after.size() && after[q] == ':') {
        ++q;
        size_t w = q;
        while (q < after.size() && (after[q] == ' ' || after[q] == '\t')) ++q;
        if (q > w && q < after.size()) text = after.substr(q), ok = true;
      }
    }
    if (!ok) return;
    key1_.clear();
    pfl::AppendLower(&key1_, text);
    key2_.clear();
    pfl::GimmeDomain13(dest, true, &key2_);
    ++CountOf(&Child(&problems_.smtp_exceptions, key1_), key2_);
  }
}

// pflogsumm 1.3.0's %rcvdMsg bookkeeping and its new totals.
void Summary::Track13(const Event& ev) {
  absl::string_view qid(ev.queue_id.data(), ev.queue_id.size());
  switch (ev.kind) {
    case EventKind::kClient:
      if (ev.daemon == Daemon::kSmtpd || ev.daemon == Daemon::kPostscreen) pending13_[qid].whence = true;
      return;
    case EventKind::kPickup:
      pending13_[qid].whence = true;
      return;
    case EventKind::kQueueActive: {
      // next if($rcvdMsg{$qid}{'size'}); a sender only if $rcvdMsg{$qid}{'whence'}
      count_sender13_ = false;
      if (ev.daemon != Daemon::kQmgr) return;
      size_data13_ = true;
      Pending13& p = pending13_[qid];
      if (p.size_nonzero) return;
      count_sender13_ = p.whence;
      p.sized = true;
      p.size_nonzero = ev.size > 0;
      p.size = ev.size;
      return;
    }
    case EventKind::kDelivery:
      if (ev.status == DeliveryStatus::kSent) {
        if (ev.rest.find("(forwarded as ") != std::string_view::npos) {
          pending13_.erase(qid);
        } else {
          pending13_.try_emplace(qid);  // $rcvdMsg{$qid}{'size'} autovivifies
        }
      } else if (ev.status == DeliveryStatus::kDeferred) {
        auto it = pending13_.find(qid);
        if (it != pending13_.end()) {
          std::string_view relay = ev.relay;  // s/:\d+$//
          size_t c = relay.rfind(':');
          if (c != std::string_view::npos && c + 1 < relay.size()) {
            bool digits = true;
            for (size_t i = c + 1; i < relay.size(); ++i) digits = digits && IsDigitChar(relay[i]);
            if (digits) relay = relay.substr(0, c);
          }
          it->second.relay.assign(relay);
        }
      }
      return;
    case EventKind::kExpired: {
      if (ev.daemon != Daemon::kQmgr || !EndsWith(ev.header->message, ", status=expired, returned to sender")) return;
      ++t_.expired;
      Pending13& p = pending13_[qid];
      key1_.clear();
      if (p.relay.empty()) {
        key1_ = "unknown";  // gimme_domain(undef)
      } else {
        pfl::GimmeDomain13(p.relay, true, &key1_);
      }
      ++CountOf(&problems_.expired, key1_);
      return;
    }
    case EventKind::kRemoved:
      if (ev.daemon == Daemon::kQmgr && ev.header->message.substr(ev.header->message.find(' ') + 1) == "removed") {
        pending13_.erase(qid);
      } else if (ev.daemon == Daemon::kCleanup && ev.text == " (canceled)") {
        ++t_.removed_canceled;
        ++received_taken13_;
        pending13_.erase(qid);
      }
      return;
    default:
      return;
  }
}

// The sender of a reject's detail key: --verp-mung'ed and, with -i,
// lower-cased (into *buf when changed).
std::string_view Summary::RejectSender(std::string_view from, std::string* buf) const {
  if (options_.verp_mung <= 0 && !options_.ignore_case) return from;
  buf->assign(from);
  pfl::VerpMung(options_.verp_mung, buf);
  if (options_.ignore_case) {
    std::string l;
    pfl::AppendLower(&l, *buf);
    *buf = l;
  }
  return *buf;
}

// 1.3.0's proc_smtpd_reject(): its reasons and per-reason keys.
void Summary::CountReject13(const Event& ev, Counts3* detail) {
  std::string_view stage, client, rmdr;
  pfl::SplitReject(ev.header->message, &stage, &client, &rmdr);
  key1_.clear();  // reason
  if (options_.verbose_msg_detail) {
    key1_.append(rmdr);
  } else {
    pfl::RejectReason13(stage, rmdr, &key1_);
  }
  if (stage == "connect" && !options_.verbose_msg_detail) stage = "CONNECT";
  std::string_view to = pfl::RejectTo(rmdr), from = pfl::RejectFrom(rmdr);
  std::string from_s, to_s;  // rarely needed: munged or lower-cased
  from = RejectSender(from, &from_s);
  if (options_.ignore_case) {
    pfl::AppendLower(&to_s, to);
    to = to_s;
  }
  key2_.clear();  // data
  std::string_view reason = key1_;
  auto client_domain = [&]() { pfl::GimmeDomain13(client, false, &key2_); };
  if (StartsWith(reason, "Sender address rejected:")) {
    if (!client.empty()) client_domain();
    if (options_.rej_add_to) {
      if (!to.empty()) key2_.append(" (").append(from).append(" -> ").append(to).append(")");
    } else {
      key2_.append(" (<").append(from).append(")");
    }
  } else if (StartsWith(reason, "Recipient address rejected:") ||
             (StartsWith(reason, "User unknown") && (reason.size() == 12 || reason[12] == ' '))) {
    key2_.append(to);
    if (options_.rej_add_from) {
      key2_.append("  (");
      if (from.empty()) {
        client_domain();
      } else {
        key2_.append(from);
      }
      key2_.append(")");
    }
  } else if (HasCodedPhrase(reason, "Improper use of SMTP command pipelining;")) {
    key1_ = "Improper use of SMTP command pipelining";
    key2_.append(PipeliningClient(ev.header->message));
  } else if (HasCodedPhrase(reason, "Message size exceeds fixed limit;") ||
             HasCodedPhrase(reason, "Server configuration error;") ||
             HasCodedPhrase(reason, "Server configuration problem;") ||
             reason == "Helo command rejected: Invalid name") {
    if (HasCodedPhrase(reason, "Message size exceeds fixed limit;")) {
      key1_ = "Message size exceeds fixed limit";
    } else if (HasCodedPhrase(reason, "Server configuration error;")) {
      key1_ = "(Local) Server configuration error";
    } else if (HasCodedPhrase(reason, "Server configuration problem;")) {
      key1_ = "(Local) Server configuration problem";
    }
    client_domain();
    if (options_.rej_add_from) key2_.append("  (").append(from).append(")");
  } else {
    client_domain();
    if (options_.rej_add_from && options_.rej_add_to && !to.empty()) {
      key2_.append("  (").append(from).append(" -> ").append(to).append(")");
    } else if (options_.rej_add_from) {
      key2_.append("  (< ").append(from).append(")");
    } else if (options_.rej_add_to && !to.empty()) {
      key2_.append("  (> ").append(to).append(")");
    }
  }
  ++CountOf(&Child(&Child(detail, stage), key1_), key2_);
}

void Summary::CountReject(const Event& ev, Counts3* detail) {
  if (!options_.reject_detail) return;
  if (v13()) {
    CountReject13(ev, detail);
    return;
  }
  std::string_view stage, client, rmdr;
  pfl::SplitReject(ev.header->message, &stage, &client, &rmdr);
  key1_.clear();  // reason
  if (options_.verbose_msg_detail) {
    key1_.append(rmdr);
  } else {
    pfl::RejectReason(stage, rmdr, &key1_);
  }
  std::string_view to = pfl::RejectTo(rmdr), from = pfl::RejectFrom(rmdr);
  std::string from_s;  // rarely needed: munged or lower-cased sender
  from = RejectSender(from, &from_s);
  key2_.clear();  // data
  auto add_from = [&]() {
    if (options_.rej_add_from) key2_.append("  (").append(from).append(")");
  };
  std::string_view reason = key1_;
  if (StartsWith(reason, "Sender address rejected:")) {
    key2_.append(from);
  } else if (StartsWith(reason, "Recipient address rejected:") ||
             (StartsWith(reason, "User unknown") && (reason.size() == 12 || reason[12] == ' '))) {
    if (options_.ignore_case) {
      pfl::AppendLower(&key2_, to);
    } else {
      key2_.append(to);
    }
    if (options_.rej_add_from) {
      key2_.append("  (");
      if (from.empty()) {
        pfl::GimmeDomain(client, &key2_);
      } else {
        key2_.append(from);
      }
      key2_.append(")");
    }
  } else if (HasCodedPhrase(reason, "Improper use of SMTP command pipelining;")) {
    key1_ = "Improper use of SMTP command pipelining";
    key2_.append(PipeliningClient(ev.header->message));
  } else if (HasCodedPhrase(reason, "Message size exceeds fixed limit;")) {
    key1_ = "Message size exceeds fixed limit";
    pfl::GimmeDomain(client, &key2_);
    add_from();
  } else if (HasCodedPhrase(reason, "Server configuration error;") ||
             HasCodedPhrase(reason, "Server configuration problem;")) {
    key1_ = HasCodedPhrase(reason, "Server configuration error;") ? "(Local) Server configuration error"
                                                                   : "(Local) Server configuration problem";
    pfl::GimmeDomain(client, &key2_);
    add_from();
  } else {
    pfl::GimmeDomain(client, &key2_);
    add_from();
  }
  ++CountOf(&Child(&Child(detail, stage), key1_), key2_);
}

void Summary::CountCleanupAction(const Event& ev, Counts3* detail) {
  if (!options_.reject_detail) return;
  std::string_view msg = ev.header->message, rmdr;
  // /.*?\b(...): (header|body|END-OF-MESSAGE) (.*)$/: the text after the stage.
  const char* sp = ev.stage.data() + ev.stage.size();
  if (sp >= msg.data() && sp < msg.data() + msg.size() && *sp == ' ') {
    rmdr = msg.substr(static_cast<size_t>(sp + 1 - msg.data()));
  } else {
    std::string pat = ": " + std::string(ev.stage) + " ";
    size_t p = msg.find(pat);
    if (p != std::string_view::npos) rmdr = msg.substr(p + pat.size());
  }
  if (!options_.verbose_msg_detail) {
    // s/( from \S+?)?; from=<.*$//
    size_t k = rmdr.find("; from=<");
    if (k != std::string_view::npos) {
      size_t j = k;
      while (j > 0 && rmdr[j - 1] != ' ' && rmdr[j - 1] != '\t') --j;
      if (j < k && j >= 6 && rmdr.substr(j - 6, 6) == " from ") k = j - 6;
      rmdr = rmdr.substr(0, k);
    }
  }
  DetailKey(rmdr, pfl::StringTrimmer, 64);
  ++CountOf(&Child(&Child(detail, "cleanup"), ev.stage), key1_);
}

void Summary::CountConnection(const Event& ev) {
  const SyslogHeader& h = *ev.header;
  if (ev.daemon != Daemon::kSmtpd || h.pid < 0) return;
  if (ev.kind == EventKind::kConnect) {
    open_conn_[h.pid] = WallSeconds(h);
    return;
  }
  auto it = open_conn_.find(h.pid);
  if (it == open_conn_.end()) return;
  int64_t secs = WallSeconds(h) - it->second;
  open_conn_.erase(it);
  std::string_view msg = h.message;
  size_t p = StartsWith(msg, "disconnect from ") ? 0 : msg.find("disconnect from ");
  key1_.clear();
  if (p != std::string_view::npos) {
    if (v13()) {
      pfl::GimmeDomain13(msg.substr(p + 16), false, &key1_);
    } else {
      pfl::GimmeDomain(msg.substr(p + 16), &key1_);
    }
  }
  auto add = [secs](ConnStats& c) {
    ++c.count;
    c.seconds += secs;
    if (secs > c.max) c.max = secs;
  };
  add(smtpd_.per_hour[h.hour]);
  add(smtpd_.per_day[h.civil_day()]);
  add(Child(&smtpd_.per_domain, key1_));
  ++smtpd_.connections;
  smtpd_.seconds += secs;
}

// A queue ID's entry is its newest message's; a delivery or qmgr line of a
// later message (new serial: the queue ID was reused) starts a new entry.
MessageLines& Summary::DetailLines(const Event& ev, const Message* m) {
  const uint64_t serial = m != nullptr ? m->serial : 0;
  auto [it, added] = detail_index_.try_emplace(absl::string_view(ev.queue_id.data(), ev.queue_id.size()),
                                               static_cast<uint32_t>(detail_.size()));
  if (!added && (serial == 0 || detail_[it->second].serial == serial)) return detail_[it->second].lines;
  it->second = static_cast<uint32_t>(detail_.size());
  MessageDetailEntry& e = detail_.emplace_back();
  e.queue_id.assign(ev.queue_id);
  e.serial = serial;
  return e.lines;
}

void Summary::CountDetailSender(const Event& ev, const Message* m) {
  MessageLines& lines = DetailLines(ev, m);
  if (lines.sized) return;  // next if($msgSizes{$qid})
  lines.sized = ev.size > 0;
  lines.Add(NormaliseAddress(ev.from.empty() ? std::string_view("from=<>") : ev.from, true));
}

void Summary::OnUnparsed(const SyslogHeader* h, Origin origin, std::string_view line) {
  (void)line;
  if (h != nullptr && v13()) NoteLine13(*h);
  if (h != nullptr && origin == Origin::kPostfix) {
    NoteDay(*h);
    CountDiagnostic(*h);
    if (v13() && h->daemon == "postscreen") CountPostscreen13(*h);
  }
}

void Summary::OnEvent(const Event& ev, const Message* m) {
  if (v13() && ev.header != nullptr) NoteLine13(*ev.header);
  if (ev.daemon == Daemon::kDovecot) return;
  const SyslogHeader& h = *ev.header;
  NoteDay(h);
  if (ev.severity != Severity::kInfo || ev.daemon == Daemon::kMaster ||
      (ev.daemon == Daemon::kSmtp && ev.kind != EventKind::kDelivery)) {
    CountDiagnostic(h);
  }
  if (v13()) {
    Track13(ev);
    if (ev.daemon == Daemon::kPostscreen && ev.severity == Severity::kInfo && ev.kind != EventKind::kReject &&
        ev.kind != EventKind::kClient)
      CountPostscreen13(h);
  }
  switch (ev.kind) {
    case EventKind::kReject:
    case EventKind::kCleanupAction: {
      if (ev.kind == EventKind::kCleanupAction && ev.stage != "header" && ev.stage != "body" &&
          ev.stage != "END-OF-MESSAGE")
        return;
      // 1.3.0: cleanup's milter-hold and milter-discard are not read (its
      // expression is anchored: /^((?:milter-)?reject|hold|discard): /).
      if (v13() && ev.kind == EventKind::kCleanupAction &&
          (ev.action == Action::kMilterHold || ev.action == Action::kMilterDiscard))
        return;
      // 1.3.0: cleanup's "warning: header ..." is a warning (CountDiagnostic13).
      if (v13() && ev.kind == EventKind::kCleanupAction && ev.action == Action::kWarn) {
        if (ev.severity == Severity::kInfo) CountDiagnostic(h);
        return;
      }
      uint64_t* counter = nullptr;
      Counts3* detail = nullptr;
      switch (ev.action) {
        case Action::kReject:
        case Action::kMilterReject: counter = &t_.rejected, detail = &problems_.rejects; break;
        case Action::kRejectWarning: counter = &t_.reject_warnings, detail = &problems_.reject_warnings; break;
        case Action::kWarn:
          if (ev.kind == EventKind::kCleanupAction) counter = &t_.reject_warnings, detail = &problems_.reject_warnings;
          break;
        case Action::kHold:
        case Action::kMilterHold: counter = &t_.held, detail = &problems_.holds; break;
        case Action::kDiscard:
        case Action::kMilterDiscard: counter = &t_.discarded, detail = &problems_.discards; break;
        default: break;
      }
      if (counter == nullptr) return;
      ++*counter;
      Bump(h, kRjct);
      if (v13()) {  // a late reject was counted as received; the message is done with
        absl::string_view qid(ev.queue_id.data(), ev.queue_id.size());
        bool reject = counter == &t_.rejected;
        if (ev.kind == EventKind::kCleanupAction) {
          if (reject) ++received_taken13_;
          pending13_.erase(qid);
        } else if (reject && ev.action == Action::kReject) {  // smtpd's milter-reject: unseen by 1.3.0
          if (ev.queue_id != "NOQUEUE") ++received_taken13_;
          pending13_.erase(qid);
        }
      }
      if (ev.kind == EventKind::kReject) {
        CountReject(ev, detail);
      } else {
        CountCleanupAction(ev, detail);
      }
      return;
    }
    case EventKind::kClient:
      if (ev.daemon != Daemon::kSmtpd) return;
      [[fallthrough]];
    case EventKind::kPickup:
      ++t_.received;
      Bump(h, kRcvd);
      if (options_.dedupe_content_filter && !ev.queue_id.empty() && ev.queue_id != "NOQUEUE") NoteReceived(ev);
      return;
    case EventKind::kQueueActive:
      if (options_.message_detail) CountDetailSender(ev, m);
      if (v13() ? (m != nullptr && count_sender13_)
                : (m != nullptr && m->queue_active == 1 && m->origin != Message::Origin::kUnknown)) {
        if (options_.dedupe_content_filter) {  // a re-injection already taken back: not a sender
          auto it = recent_.find(absl::string_view(ev.queue_id.data(), ev.queue_id.size()));
          if (it != recent_.end() && it->second.hop) return;
        }
        CountSender(*m);
      }
      return;
    case EventKind::kDelivery:
      CountDelivery(ev, m);
      return;
    case EventKind::kConnect:
    case EventKind::kDisconnect:
      if (options_.smtpd_stats) CountConnection(ev);
      return;
    default:
      return;
  }
}

}  // namespace maillens
