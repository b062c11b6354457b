// series.cc - Bucketer: events into per-minute and per-hour buckets (series.h).
#include "history/series.h"

#include "alert/tally.h"
#include "postfix/classify.h"
#include "postfix/fields.h"

namespace maillens::history {

namespace {

constexpr const char* kMeasureNames[kMeasureCount] = {"received", "delivered", "deferred", "bounced",
                                                      "expired",  "rejected",  "held",     "auth_failures"};
constexpr const char* kDimNames[kDimCount] = {"rcpt_domain", "sender_domain", "sasl_user", "client_net",
                                              "reject_class"};

Measure FromCounter(alert::Counter c) {
  switch (c) {
    case alert::Counter::kSent: return Measure::kDelivered;
    case alert::Counter::kDeferred: return Measure::kDeferred;
    case alert::Counter::kBounced: return Measure::kBounced;
    case alert::Counter::kExpired: return Measure::kExpired;
    case alert::Counter::kRejected: return Measure::kRejected;
    case alert::Counter::kReceived: return Measure::kReceived;
    case alert::Counter::kAuthFailures: return Measure::kAuthFailures;
    case alert::Counter::kHeld: return Measure::kHeld;
  }
  return Measure::kReceived;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const char* MeasureName(Measure m) { return kMeasureNames[static_cast<int>(m)]; }
const char* DimName(Dim d) { return kDimNames[static_cast<int>(d)]; }

bool ParseMeasure(std::string_view name, Measure* m) {
  for (int i = 0; i < kMeasureCount; ++i)
    if (name == kMeasureNames[i]) return *m = static_cast<Measure>(i), true;
  return false;
}

bool ParseDim(std::string_view name, Dim* d) {
  for (int i = 0; i < kDimCount; ++i)
    if (name == kDimNames[i]) return *d = static_cast<Dim>(i), true;
  return false;
}

void Delta::Add(const Delta& o) {
  for (const auto& [t, c] : o.minutes) minutes[t] += c;
  for (const auto& [t, h] : o.hours) {
    HourCounts& mine = hours[t];
    for (int d = 0; d < kDimCount; ++d)
      for (const auto& [key, c] : h[d]) mine[d][key] += c;
  }
}

void ClientNetwork(std::string_view addr, std::string* out) {
  out->clear();
  if (addr.find(':') != std::string_view::npos) {  // IPv6: the first four groups (no :: among them)
    size_t pos = 0;
    for (int group = 0; group < 4; ++group) {
      size_t colon = addr.find(':', pos);
      if (colon == std::string_view::npos || colon == pos) {  // "::" or too short: expand no further
        out->clear();
        return;
      }
      pos = colon + 1;
    }
    out->assign(addr.substr(0, pos));
    out->append(":/64");
    return;
  }
  int dots = 0;
  size_t third = std::string_view::npos;
  for (size_t i = 0; i < addr.size(); ++i) {
    if (addr[i] == '.') {
      if (++dots == 3) third = i;
    } else if (!IsDigit(addr[i])) {
      return;
    }
  }
  if (dots != 3 || third == std::string_view::npos) return;
  out->assign(addr.substr(0, third + 1));
  out->append("0/24");
}

void Bucketer::Count(int64_t t, Measure measure, Dim dim, std::string_view key) {
  int64_t hour = t - ((t % 3600) + 3600) % 3600;
  if (hour != hour_ || hour_counts_ == nullptr) hour_ = hour, hour_counts_ = &delta_.hours[hour];
  KeyCounts& keys = (*hour_counts_)[static_cast<int>(dim)];
  auto it = keys.find(absl::string_view(key.data(), key.size()));  // Debian's absl: its own string_view
  if (it == keys.end()) it = keys.emplace(std::string(key), Counts()).first;
  ++it->second[measure];
}

void Bucketer::OnEvent(const Event& ev, const Message* m) {
  if (!ev.header) return;
  // Received per sender domain: when qmgr first activates the message.
  if (ev.kind == EventKind::kQueueActive && m && m->queue_active == 1) {
    scratch_.clear();
    fields::AppendLower(&scratch_, alert::AddressDomain(m->from));
    Count(ev.header->epoch, Measure::kReceived, Dim::kSenderDomain, scratch_);
    return;
  }
  alert::Tally t;
  if (!alert::TallyEvent(ev, m, &t)) return;
  Measure measure = FromCounter(t.counter);
  int64_t minute = t.time - ((t.time % 60) + 60) % 60;
  if (minute != minute_ || minute_counts_ == nullptr) minute_ = minute, minute_counts_ = &delta_.minutes[minute];
  ++(*minute_counts_)[measure];

  auto lower = [this](std::string_view s) -> std::string_view {
    scratch_.clear();
    fields::AppendLower(&scratch_, s);
    return scratch_;
  };
  if (!t.domain.empty()) Count(t.time, measure, Dim::kRcptDomain, lower(t.domain));
  if (m && ev.kind == EventKind::kDelivery) Count(t.time, measure, Dim::kSenderDomain, lower(alert::AddressDomain(m->from)));
  if (!t.user.empty()) Count(t.time, measure, Dim::kSaslUser, t.user);
  if (!t.ip.empty()) {
    ClientNetwork(t.ip, &scratch_);
    if (!scratch_.empty()) Count(t.time, measure, Dim::kClientNet, scratch_);
  }
  if (measure == Measure::kRejected) {
    std::string_view list;
    Count(t.time, measure, Dim::kRejectClass, RejectRestriction(ev, &list));
  }
}

Delta Bucketer::Take() {
  Delta out = std::move(delta_);
  delta_ = Delta();
  minute_ = hour_ = -1;
  minute_counts_ = nullptr;
  hour_counts_ = nullptr;
  return out;
}

}  // namespace maillens::history
