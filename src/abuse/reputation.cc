// reputation.cc - ReputationDetector (see reputation.h): the pattern table,
// matching, and the text/JSON renderers.
#include "abuse/reputation.h"

#include <algorithm>
#include <cstdio>

#include "abuse/abuse_util.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {

namespace {

// Providers' replies are multi-line ("550-5.7.1 ... 550-5.7.1 ..."), and
// Postfix joins the lines with spaces, so needles are single words or
// phrases that a line break does not split in the replies quoted in
// doc/abuse.md. Sources per row: doc/abuse.md.
const std::vector<ReputationPattern> kPatterns = {
    // Gmail (every Gmail reply ends in "- gsmtp").
    {"Gmail", "4.7.28", "rate limited: unusual rate of unsolicited mail (IP, SPF/DKIM domain or URL)",
     {"4.7.28", "unsolicited"}},
    {"Gmail", "4.7.0", "rate limited: unusual rate of unsolicited mail from our IP",
     {"4.7.0", "unusual", "unsolicited", "gsmtp"}},
    {"Gmail", "5.7.1", "blocked: message likely unsolicited", {"5.7.1", "likely", "unsolicited", "gsmtp"}},
    {"Gmail", "5.7.1-rate", "blocked: unusual rate of unsolicited mail from our IP",
     {"5.7.1", "unusual", "unsolicited", "gsmtp"}},
    {"Gmail", "reputation", "blocked or rate limited: low reputation of the sending IP or domain",
     {"reputation", "gsmtp"}},
    {"Gmail", "5.7.1-direct", "blocked: IP not authorized to send directly (use a relay)",
     {"5.7.1", "authorized", "directly", "gsmtp"}},
    // Microsoft (Outlook.com / Hotmail / Exchange Online).
    {"Microsoft", "S3150", "blocked: sending network on Microsoft's block list", {"S3150"}},
    {"Microsoft", "S3140", "blocked: sending network on Microsoft's block list", {"S3140"}},
    {"Microsoft", "5.7.606-649", "blocked: banned sending IP (delist at sender.office.com)", {"banned sending IP"}},
    {"Microsoft", "4.7.650", "rate limited: IP reputation", {"4.7.65", "IP reputation"}},
    {"Microsoft", "SC-001", "blocked: sending network on Microsoft's block list", {"SC-001", "block list"}},
    // Yahoo / AOL.
    {"Yahoo", "TSS04", "deferred: unexpected volume or user complaints", {"[TSS04]"}},
    {"Yahoo", "TSS09", "blocked: all messages from our IP permanently deferred", {"[TSS09]"}},
    {"Yahoo", "TS0x", "deferred: new IP, complaints or poor reputation (TS01-TS06)", {"[TS0"}},
    // Apple iCloud.
    {"Apple iCloud", "CS01", "blocked: message rejected due to local policy", {"[CS01]"}},
    {"Apple iCloud", "CS02", "blocked: message rejected due to local policy", {"[CS02]"}},
    {"Apple iCloud", "4.7.1", "rate limited: deferred due to excessive volume",
     {"deferred due to excessive volume", "apple.com"}},
    {"Apple iCloud", "HT204137", "refused (reply points to Apple's postmaster page)", {"HT204137"}},
    // United Internet: GMX, WEB.DE, mail.com, 1&1.
    {"GMX/WEB.DE", "block-listed", "blocked: our IP address is block listed", {"Nemesis ESMTP", "block listed"}},
    {"GMX/WEB.DE", "policy", "blocked: reject due to policy restrictions", {"Nemesis ESMTP", "policy restrictions"}},
    {"GMX/WEB.DE", "refused", "refused (see the postmaster URL in the reply)", {"Nemesis ESMTP"}},
    // Orange / Wanadoo (OFRnnn_nnn codes).
    {"Orange", "OFR", "refused or rate limited (Orange OFR code)", {"OFR0"}},
    {"Orange", "OFR", "refused or rate limited (Orange OFR code)", {"OFR_"}},
    // Block lists quoted in any receiver's reply.
    {"Spamhaus (block list)", "listed", "our IP or domain is on a Spamhaus list", {"spamhaus"}},
    {"Spamhaus (block list)", "listed", "our IP or domain is on a Spamhaus list", {"Spamhaus"}},
    {"SpamCop (block list)", "listed", "our IP is on bl.spamcop.net", {"spamcop"}},
    {"SpamCop (block list)", "listed", "our IP is on bl.spamcop.net", {"SpamCop"}},
    {"Barracuda (block list)", "listed", "our IP has a poor Barracuda reputation", {"Barracuda"}},
    {"Barracuda (block list)", "listed", "our IP has a poor Barracuda reputation", {"barracuda"}},
    {"UCEPROTECT (block list)", "listed", "our IP or network is on UCEPROTECT", {"uceprotect"}},
    {"UCEPROTECT (block list)", "listed", "our IP or network is on UCEPROTECT", {"UCEPROTECT"}},
    {"Proofpoint", "ipcheck", "blocked: poor Proofpoint IP reputation", {"ipcheck.proofpoint.com"}},
    {"Cloudmark", "csi", "blocked: poor Cloudmark sender reputation", {"cloudmark"}},
    {"Abusix (block list)", "listed", "our IP is on an Abusix list", {"abusix"}},
    {"SORBS (block list)", "listed", "our IP is on a SORBS list", {"sorbs.net"}},
};

// "blocked using NAME" from a receiver running Postfix-style RBL checks.
std::string_view ListName(std::string_view text) {
  size_t b = text.find("blocked using ");
  if (b == std::string_view::npos) return {};
  std::string_view name = text.substr(b + 14);
  name = name.substr(0, name.find_first_of(" ;,)"));
  while (!name.empty() && (name.back() == '.' || name.back() == ':')) name.remove_suffix(1);
  return name.substr(0, 100);
}

// Text of generic block-list mentions not covered by the table.
bool MentionsBlockList(std::string_view text) {
  for (std::string_view w : {"blacklist", "Blacklist", "BLACKLIST", "blocklist", "Blocklist", "block list",
                             "Block list", "denylist"})
    if (text.find(w) != std::string_view::npos) return true;
  return false;
}

// Records one sighting in `f`.
void Count(ReputationFinding* f, const Event& ev, const Message* m, int64_t now) {
  if (f->count() == 0) {
    f->first_seen = now;
    f->sample_text.assign(ev.status_text.substr(0, ReputationDetector::kMaxSample));
    f->sample_relay.assign(ev.relay.substr(0, 200));
    if (m != nullptr) f->sample_queue_id = m->queue_id;
  }
  f->first_seen = std::min(f->first_seen, now);
  f->last_seen = std::max(f->last_seen, now);
  if (ev.status == DeliveryStatus::kBounced) ++f->bounced;
  else ++f->deferred;
}

}  // namespace

const std::vector<ReputationPattern>& ReputationPatterns() { return kPatterns; }

int MatchReputation(std::string_view text) {
  for (size_t i = 0; i < kPatterns.size(); ++i) {
    bool all = true;
    for (std::string_view n : kPatterns[i].needles) {
      if (!n.empty() && text.find(n) == std::string_view::npos) {
        all = false;
        break;
      }
    }
    if (all) return static_cast<int>(i);
  }
  return -1;
}

ReputationDetector::ReputationDetector() {
  by_pattern_.resize(kPatterns.size());
  for (size_t i = 0; i < kPatterns.size(); ++i) {
    by_pattern_[i].provider = kPatterns[i].provider;
    by_pattern_[i].id = kPatterns[i].id;
    by_pattern_[i].meaning = kPatterns[i].meaning;
  }
}

void ReputationDetector::OnEvent(const Event& ev, const Message* m) {
  if (ev.kind != EventKind::kDelivery ||
      (ev.status != DeliveryStatus::kDeferred && ev.status != DeliveryStatus::kBounced))
    return;
  ++examined_;
  int64_t now = ev.header != nullptr ? ev.header->epoch : 0;
  std::string_view text = ev.status_text;
  int i = MatchReputation(text);
  if (i >= 0) {
    // Rows that share (provider, id) count in the first of them.
    size_t slot = static_cast<size_t>(i);
    while (slot > 0 && std::string_view(kPatterns[slot - 1].provider) == kPatterns[i].provider &&
           std::string_view(kPatterns[slot - 1].id) == kPatterns[i].id)
      --slot;
    bool first = by_pattern_[slot].count() == 0;
    Count(&by_pattern_[slot], ev, m, now);
    if (first && on_new) on_new(by_pattern_[slot]);
    return;
  }
  std::string_view list = ListName(text);
  bool mention = list.empty() && MentionsBlockList(text);
  if (list.empty() && !mention) return;
  std::string_view key = mention ? std::string_view("(block list mentioned)") : list;
  auto it = std::find_if(lists_.begin(), lists_.end(), [&](const ReputationFinding& f) { return f.id == key; });
  if (it == lists_.end()) {
    if (lists_.size() >= kMaxListNames) return;
    ReputationFinding f;
    f.provider = "Other block lists";
    f.id = key;
    f.meaning = mention ? "the reply mentions a block list" : "blocked using this DNS block list";
    lists_.push_back(std::move(f));
    it = lists_.end() - 1;
  }
  bool first = it->count() == 0;
  Count(&*it, ev, m, now);
  if (first && on_new) on_new(*it);
}

std::vector<const ReputationFinding*> ReputationDetector::Findings() const {
  std::vector<const ReputationFinding*> out;
  for (const auto* v : {&by_pattern_, &lists_})
    for (const ReputationFinding& f : *v)
      if (f.count() > 0) out.push_back(&f);
  // Providers by total count, then rows by count.
  std::vector<std::pair<std::string_view, uint64_t>> totals;
  for (const ReputationFinding* f : out) {
    auto it = std::find_if(totals.begin(), totals.end(), [&](const auto& t) { return t.first == f->provider; });
    if (it == totals.end()) totals.emplace_back(f->provider, f->count());
    else it->second += f->count();
  }
  auto total = [&](std::string_view p) {
    for (const auto& t : totals)
      if (t.first == p) return t.second;
    return uint64_t{0};
  };
  std::stable_sort(out.begin(), out.end(), [&](const ReputationFinding* a, const ReputationFinding* b) {
    uint64_t ta = total(a->provider), tb = total(b->provider);
    if (ta != tb) return ta > tb;
    if (a->provider != b->provider) return a->provider < b->provider;
    return a->count() > b->count();
  });
  return out;
}

void RenderReputationText(const ReputationDetector& d, std::string* out) {
  std::vector<const ReputationFinding*> fs = d.Findings();
  uint64_t total = 0;
  for (const ReputationFinding* f : fs) total += f->count();
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "Reputation: %llu of %llu deferred/bounced deliveries show a provider or block list refusing us\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(d.examined()));
  out->append(buf);
  std::string_view provider;
  for (const ReputationFinding* f : fs) {
    if (f->provider != provider) {
      provider = f->provider;
      uint64_t n = 0;
      int64_t first = f->first_seen, last = f->last_seen;
      for (const ReputationFinding* g : fs) {
        if (g->provider != provider) continue;
        n += g->count();
        first = std::min(first, g->first_seen);
        last = std::max(last, g->last_seen);
      }
      out->append("\n");
      AppendTerminalSafe(out, provider);
      std::snprintf(buf, sizeof buf, ": %llu  first ", static_cast<unsigned long long>(n));
      out->append(buf);
      AppendUtcTime(out, first);
      out->append("  last ");
      AppendUtcTime(out, last);
      out->append("\n");
    }
    out->append("  ");
    AppendTerminalSafe(out, f->id);
    std::snprintf(buf, sizeof buf, ": %llu (deferred %llu, bounced %llu)  ",
                  static_cast<unsigned long long>(f->count()), static_cast<unsigned long long>(f->deferred),
                  static_cast<unsigned long long>(f->bounced));
    out->append(buf);
    AppendTerminalSafe(out, f->meaning);
    out->append("\n    first ");
    AppendUtcTime(out, f->first_seen);
    out->append("  last ");
    AppendUtcTime(out, f->last_seen);
    out->append("  relay ");
    AppendTerminalSafe(out, f->sample_relay);
    out->append("\n    sample: ");
    AppendTerminalSafe(out, f->sample_text);
    out->append("\n");
  }
}

void WriteReputationJson(const ReputationDetector& d, JsonWriter* writer) {
  JsonWriter& w = *writer;
  w.BeginObject();
  w.Field("examined", d.examined());
  w.Key("findings").BeginArray();
  std::string t;
  for (const ReputationFinding* f : d.Findings()) {
    w.BeginObject().Field("provider", f->provider).Field("id", f->id).Field("meaning", f->meaning);
    w.Field("count", f->count()).Field("deferred", f->deferred).Field("bounced", f->bounced);
    t.clear();
    AppendUtcTime(&t, f->first_seen);
    w.Field("first_seen", t);
    t.clear();
    AppendUtcTime(&t, f->last_seen);
    w.Field("last_seen", t);
    w.Field("sample_text", f->sample_text).Field("sample_relay", f->sample_relay);
    w.Field("sample_queue_id", f->sample_queue_id);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

void RenderReputationJson(const ReputationDetector& d, std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Key("reputation");
  WriteReputationJson(d, &w);
  w.EndObject();
  out->push_back('\n');
}

}  // namespace maillens
