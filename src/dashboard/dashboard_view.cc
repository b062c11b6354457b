// dashboard_view.cc - DashboardView: counting, JSON and state (see dashboard_view.h).
#include "dashboard/dashboard_view.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "alert/tally.h"
#include "postfix/fields.h"
#include "report/insights.h"
#include "util/json_writer.h"

namespace maillens {

namespace {

constexpr std::string_view kOther = "(other)", kOtherReasons = "(other reasons)";

// The `limit` largest entries of `c`, largest first (ties by key).
std::vector<std::pair<std::string_view, uint64_t>> Top(const absl::flat_hash_map<std::string, uint64_t>& c,
                                                       size_t limit) {
  std::vector<std::pair<std::string_view, uint64_t>> v(c.begin(), c.end());
  auto order = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  if (v.size() > limit) {
    std::partial_sort(v.begin(), v.begin() + static_cast<long>(limit), v.end(), order);
    v.resize(limit);
  } else {
    std::sort(v.begin(), v.end(), order);
  }
  return v;
}

void WriteCounts(JsonWriter* w, std::string_view name, std::string_view key,
                 const absl::flat_hash_map<std::string, uint64_t>& c, size_t limit) {
  w->Key(name).BeginArray();
  for (const auto& [k, n] : Top(c, limit)) w->BeginObject().Field(key, k).Field("count", n).EndObject();
  w->EndArray();
}

// State text: one record a line, fields separated by tabs; keys from the log
// have '%', tab and newline percent-encoded.
void AppendKey(std::string* out, std::string_view k) {
  for (char c : k) {
    if (c == '%') out->append("%25");
    else if (c == '\t') out->append("%09");
    else if (c == '\n') out->append("%0A");
    else out->push_back(c);
  }
}

std::string DecodeKey(std::string_view k) {
  std::string out;
  for (size_t i = 0; i < k.size(); ++i) {
    if (k.substr(i, 3) == "%25") out.push_back('%'), i += 2;
    else if (k.substr(i, 3) == "%09") out.push_back('\t'), i += 2;
    else if (k.substr(i, 3) == "%0A") out.push_back('\n'), i += 2;
    else out.push_back(k[i]);
  }
  return out;
}

bool ParseCount(std::string_view s, uint64_t* n) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *n);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

void DashboardView::Bump(Counts* c, std::string_view key, size_t cap, std::string_view overflow, uint64_t n) {
  auto it = c->find(absl::string_view(key.data(), key.size()));
  if (it == c->end()) {
    if (c->size() >= cap) key = overflow;
    it = c->try_emplace(std::string(key), 0).first;
  }
  it->second += n;
}

DashboardView::Domain& DashboardView::DomainOf(std::string_view domain) {
  scratch_.clear();
  fields::AppendLower(&scratch_, domain);
  std::string_view d = scratch_.empty() ? std::string_view("(local)") : std::string_view(scratch_);
  auto it = domains_.find(absl::string_view(d.data(), d.size()));
  if (it != domains_.end()) return it->second;
  if (domains_.size() >= kMaxDomains) d = kOther;
  return domains_[std::string(d)];
}

void DashboardView::OnEvent(const Event& ev, const Message* m) {
  // What counts as what: alert/tally.h, as for /api/summary's counters.
  alert::Tally t;
  if (!alert::TallyEvent(ev, m, &t)) return;
  switch (t.counter) {
    case alert::Counter::kSent:
      if (ev.kind == EventKind::kDelivery) ++DomainOf(t.domain).sent;
      return;
    case alert::Counter::kDeferred:
    case alert::Counter::kBounced: {
      Domain& d = DomainOf(t.domain);
      DeferralReasonKey(ev, &reason_);
      bool deferred = t.counter == alert::Counter::kDeferred;
      ++(deferred ? d.deferred : d.bounced);
      Bump(deferred ? &d.deferral_reasons : &d.bounce_reasons, reason_, kMaxReasons, kOtherReasons);
      return;
    }
    case alert::Counter::kAuthFailures:
      ++auth_total_;
      Bump(&auth_ip_, t.ip.empty() ? std::string_view("unknown") : t.ip, kMaxKeys, kOther);
      Bump(&auth_user_, t.user.empty() ? std::string_view("(none)") : t.user, kMaxKeys, kOther);
      return;
    default:
      return;
  }
}

void DashboardView::WriteDestinations(JsonWriter* w, size_t limit, size_t reasons) const {
  std::vector<std::pair<std::string_view, const Domain*>> v;
  v.reserve(domains_.size());
  for (const auto& [name, d] : domains_) v.emplace_back(name, &d);
  auto order = [](const auto& a, const auto& b) {
    uint64_t fa = a.second->deferred + a.second->bounced, fb = b.second->deferred + b.second->bounced;
    if (fa != fb) return fa > fb;
    if (a.second->sent != b.second->sent) return a.second->sent > b.second->sent;
    return a.first < b.first;
  };
  std::sort(v.begin(), v.end(), order);
  if (v.size() > limit) v.resize(limit);
  w->Key("domains_tracked").Uint(domains_.size());
  w->Key("domains").BeginArray();
  for (const auto& [name, d] : v) {
    w->BeginObject().Field("domain", name).Field("sent", d->sent).Field("deferred", d->deferred);
    w->Field("bounced", d->bounced);
    WriteCounts(w, "deferral_reasons", "reason", d->deferral_reasons, reasons);
    WriteCounts(w, "bounce_reasons", "reason", d->bounce_reasons, reasons);
    w->EndObject();
  }
  w->EndArray();
}

void DashboardView::WriteAuthFailures(JsonWriter* w, size_t limit) const {
  w->Field("auth_failures_total", auth_total_);
  WriteCounts(w, "auth_failures_by_ip", "ip", auth_ip_, limit);
  WriteCounts(w, "auth_failures_by_user", "user", auth_user_, limit);
}

// Lines: "A total", "I count key", "U count key", "D sent deferred bounced
// domain", then that domain's "R count reason" (deferral) / "B count reason".
std::string DashboardView::SaveState() const {
  std::string out = "A\t" + std::to_string(auth_total_) + "\n";
  auto counts = [&out](char tag, const Counts& c) {
    for (const auto& [k, n] : c) {
      out.push_back(tag);
      out += "\t" + std::to_string(n) + "\t";
      AppendKey(&out, k);
      out.push_back('\n');
    }
  };
  counts('I', auth_ip_);
  counts('U', auth_user_);
  for (const auto& [name, d] : domains_) {
    out += "D\t" + std::to_string(d.sent) + "\t" + std::to_string(d.deferred) + "\t" + std::to_string(d.bounced) + "\t";
    AppendKey(&out, name);
    out.push_back('\n');
    counts('R', d.deferral_reasons);
    counts('B', d.bounce_reasons);
  }
  return out;
}

bool DashboardView::LoadState(std::string_view state) {
  DashboardView fresh;
  Domain* current = nullptr;
  while (!state.empty()) {
    size_t nl = state.find('\n');
    std::string_view line = state.substr(0, nl);
    state = nl == std::string_view::npos ? std::string_view() : state.substr(nl + 1);
    std::vector<std::string_view> f;
    for (size_t at = 0;;) {
      size_t tab = line.find('\t', at);
      f.push_back(line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at));
      if (tab == std::string_view::npos) break;
      at = tab + 1;
    }
    uint64_t n[3] = {0, 0, 0};
    if (f[0] == "A" && f.size() == 2 && ParseCount(f[1], &n[0])) {
      fresh.auth_total_ = n[0];
    } else if ((f[0] == "I" || f[0] == "U" || f[0] == "R" || f[0] == "B") && f.size() == 3 && ParseCount(f[1], &n[0])) {
      Counts* c = f[0] == "I" ? &fresh.auth_ip_ : f[0] == "U" ? &fresh.auth_user_ : nullptr;
      if (!c && !current) return false;
      if (!c) c = f[0] == "R" ? &current->deferral_reasons : &current->bounce_reasons;
      (*c)[DecodeKey(f[2])] = n[0];
    } else if (f[0] == "D" && f.size() == 5 && ParseCount(f[1], &n[0]) && ParseCount(f[2], &n[1]) &&
               ParseCount(f[3], &n[2])) {
      current = &fresh.domains_[DecodeKey(f[4])];
      current->sent = n[0], current->deferred = n[1], current->bounced = n[2];
    } else {
      return false;
    }
  }
  *this = std::move(fresh);
  return true;
}

}  // namespace maillens
