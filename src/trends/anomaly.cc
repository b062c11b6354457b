// anomaly.cc - seasonal anomaly detection (anomaly.h).
#include "trends/anomaly.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "alert/tally.h"
#include "util/duration.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens::trends {

using history::Counts;
using history::Dim;
using history::KeyCounts;
using history::Measure;

namespace {

constexpr const char* kKindNames[kAnomalyKindCount] = {"volume_spike", "volume_drop",  "reject_jump",
                                                       "queue_growth", "bounce_ratio", "deferral_ratio",
                                                       "sasl_user_volume"};

std::string Utc(int64_t t) { return FormatEpoch(t, "%Y-%m-%d %H:%M", true); }

uint64_t Attempts(const Counts& c) { return c[Measure::kDelivered] + c[Measure::kDeferred] + c[Measure::kBounced]; }

// The measure a tally's counter counts in (history's measures).
bool MeasureOf(alert::Counter c, Measure* m) {
  switch (c) {
    case alert::Counter::kSent: *m = Measure::kDelivered; return true;
    case alert::Counter::kDeferred: *m = Measure::kDeferred; return true;
    case alert::Counter::kBounced: *m = Measure::kBounced; return true;
    case alert::Counter::kRejected: *m = Measure::kRejected; return true;
    case alert::Counter::kReceived: *m = Measure::kReceived; return true;
    default: return false;
  }
}

void Lower(std::string* s) {
  for (char& ch : *s)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
}

}  // namespace

const char* AnomalyKindName(AnomalyKind k) { return kKindNames[static_cast<int>(k)]; }
const char* AnomalySeverityName(AnomalySeverity s) { return s == AnomalySeverity::kCritical ? "critical" : "warning"; }

// --- SampleBook -------------------------------------------------------------

namespace {

// The book's key: 's' + measure for a slot's totals, 'h' + measure + dim + key for an hour's key.
void BookKey(char what, Measure m, int dim, std::string_view key, std::string* out) {
  out->clear();
  out->push_back(what);
  out->push_back(static_cast<char>('0' + static_cast<int>(m)));
  if (dim >= 0) out->push_back(static_cast<char>('0' + dim));
  out->append(key);
}

}  // namespace

void SampleBook::Put(const std::string& k, int64_t window, std::string_view qid) {
  auto it = ids_.find(k);
  if (it == ids_.end()) it = ids_.emplace(k, std::pair<int64_t, std::vector<std::string>>(window, {})).first;
  auto& [w, ids] = it->second;
  if (w != window) w = window, ids.clear();
  if (ids.size() < per_key_ && std::find(ids.begin(), ids.end(), qid) == ids.end()) ids.emplace_back(qid);
}

void SampleBook::OnEvent(const Event& ev, const Message* m) {
  if (m == nullptr || m->queue_id.empty()) return;
  alert::Tally t;
  Measure measure;
  if (!alert::TallyEvent(ev, m, &t) || !MeasureOf(t.counter, &measure)) return;
  const int64_t slot = FloorTo(t.time, 600), hour = FloorTo(t.time, 3600);
  BookKey('s', measure, -1, {}, &scratch_);
  Put(scratch_, slot, m->queue_id);
  if (!t.domain.empty()) {
    BookKey('h', measure, static_cast<int>(Dim::kRcptDomain), t.domain, &scratch_);
    Lower(&scratch_);
    Put(scratch_, hour, m->queue_id);
  }
  if (!t.user.empty()) {
    BookKey('h', measure, static_cast<int>(Dim::kSaslUser), t.user, &scratch_);
    Put(scratch_, hour, m->queue_id);
  }
}

std::vector<std::string> SampleBook::Slot(int64_t slot, Measure measure) const {
  std::string k;
  BookKey('s', measure, -1, {}, &k);
  auto it = ids_.find(k);
  return it == ids_.end() || it->second.first != slot ? std::vector<std::string>() : it->second.second;
}

std::vector<std::string> SampleBook::Hour(int64_t hour, Dim d, std::string_view key, Measure measure) const {
  std::string k;
  BookKey('h', measure, static_cast<int>(d), key, &k);
  auto it = ids_.find(k);
  return it == ids_.end() || it->second.first != hour ? std::vector<std::string>() : it->second.second;
}

void SampleBook::DropBefore(int64_t t) {
  for (auto it = ids_.begin(); it != ids_.end();) {
    if (it->second.first < t) ids_.erase(it++);
    else ++it;
  }
}

// --- QueueTracker -----------------------------------------------------------

void QueueTracker::OnEvent(const Event& ev, const Message* m) {
  if (m == nullptr || m->queue_id.empty()) return;
  if (ev.kind == EventKind::kRemoved) {
    auto it = deferred_.find(absl::string_view(m->queue_id.data(), m->queue_id.size()));
    if (it != deferred_.end()) deferred_.erase(it);
    return;
  }
  alert::Tally t;
  if (ev.kind == EventKind::kDelivery && alert::TallyEvent(ev, m, &t) && t.counter == alert::Counter::kDeferred)
    entered_ += deferred_.insert(m->queue_id).second;
}

// --- AnomalyDetector --------------------------------------------------------

void AnomalyDetector::Flag(Anomaly a, const Band& b) {
  a.expected = b.expected;
  a.low = std::max(0.0, b.low());
  a.high = b.high();
  a.mad = b.mad;
  a.lags = b.lags;
  a.severity = std::fabs(b.Excess(a.seen)) > 1 + o_.critical_excess ? AnomalySeverity::kCritical
                                                                     : AnomalySeverity::kWarning;
  a.until = a.slot + o_.slot;
  std::string id = std::string(AnomalyKindName(a.kind)) + '\n' + a.key;
  auto it = open_.find(id);
  if (it != open_.end()) {
    Anomaly& prev = anomalies_[it->second];
    if (prev.until >= a.slot) {  // the slot right after: the same anomaly goes on
      prev.until = a.until;
      if (a.severity == AnomalySeverity::kCritical) prev.severity = a.severity;
      return;
    }
  }
  char buf[320];
  const char* what = a.kind == AnomalyKind::kBounceRatio    ? "bounced"
                     : a.kind == AnomalyKind::kDeferralRatio ? "deferred"
                     : a.kind == AnomalyKind::kQueueGrowth   ? "messages entered the deferred queue"
                     : a.kind == AnomalyKind::kSaslUserVolume ? "messages received"
                                                              : "";
  std::string key = TerminalSafe(a.key);
  if (a.kind == AnomalyKind::kBounceRatio || a.kind == AnomalyKind::kDeferralRatio)
    std::snprintf(buf, sizeof buf, "%s %s: %.0f of %llu attempts %s (%s..%s), expected %.1f (band %.1f..%.1f)",
                  AnomalyKindName(a.kind), key.c_str(), a.seen, static_cast<unsigned long long>(a.attempts), what,
                  Utc(a.window_start).c_str(), Utc(a.window_end).c_str() + 11, a.expected, a.low, a.high);
  else
    std::snprintf(buf, sizeof buf, "%s %s: %.0f %s (%s..%s), expected %.1f (band %.1f..%.1f)",
                  AnomalyKindName(a.kind), key.c_str(), a.seen, what[0] ? what : key.c_str(),
                  Utc(a.window_start).c_str(), Utc(a.window_end).c_str() + 11, a.expected, a.low, a.high);
  a.text = buf;
  if (a.kind == AnomalyKind::kQueueGrowth)
    a.text += " (" + std::to_string(a.queue_size) + " deferred at " + Utc(a.window_end).substr(11) + ")";
  open_[id] = anomalies_.size();
  anomalies_.push_back(std::move(a));
  if (on_anomaly) on_anomaly(anomalies_.back());
}

void AnomalyDetector::Totals(int64_t slot) {
  const int64_t end = slot + o_.slot;
  const Counts now = series_->Sum(slot, end);
  const std::vector<Lag> lags = LagOffsets(o_.baseline);
  std::vector<Lagged> past;
  auto band_of = [&](Measure m) {
    past.clear();
    for (const Lag& l : lags)
      if (series_->Covered(slot - l.seconds, end - l.seconds))
        past.push_back({static_cast<double>(series_->Sum(slot - l.seconds, end - l.seconds)[m]), l.weekly});
    return MakeBand(past, o_.baseline);
  };
  auto emit = [&](AnomalyKind kind, Measure m, double seen, const Band& b, const char* key) {
    Anomaly a;
    a.kind = kind;
    a.key = key;
    a.slot = a.window_start = slot;
    a.window_end = end;
    a.seen = seen;
    if (samples_) a.sample_queue_ids = samples_->Slot(slot, m);
    if (kind == AnomalyKind::kQueueGrowth) a.queue_size = queue_size_;
    Flag(std::move(a), b);
  };
  for (Measure m : {Measure::kReceived, Measure::kDelivered}) {
    Band b = band_of(m);
    if (!b.ok) continue;
    const double seen = static_cast<double>(now[m]);
    if (seen > b.high() && seen >= o_.min_volume) emit(AnomalyKind::kVolumeSpike, m, seen, b, history::MeasureName(m));
    else if (seen < b.low() && b.expected >= o_.min_volume)
      emit(AnomalyKind::kVolumeDrop, m, seen, b, history::MeasureName(m));
  }
  {
    Band b = band_of(Measure::kRejected);
    const double seen = static_cast<double>(now[Measure::kRejected]);
    if (b.ok && seen > b.high() && seen >= o_.min_rejects)
      emit(AnomalyKind::kRejectJump, Measure::kRejected, seen, b, "rejected");
  }
  double q, size;
  if (series_->Queue(slot, &q, &size)) {
    past.clear();
    double v, unused;
    for (const Lag& l : lags)
      if (series_->Covered(slot - l.seconds, end - l.seconds) && series_->Queue(slot - l.seconds, &v, &unused))
        past.push_back({v, l.weekly});
    Band b = MakeBand(past, o_.baseline);
    if (b.ok && q > b.high() && q >= o_.min_queue) {
      queue_size_ = static_cast<uint64_t>(size);
      emit(AnomalyKind::kQueueGrowth, Measure::kDeferred, q, b, "deferred_queue");
    }
  }
}

void AnomalyDetector::Domains(int64_t slot) {
  const int64_t end = slot + o_.slot, hour = FloorTo(slot, 3600);
  const KeyCounts* keys = series_->Hour(hour, Dim::kRcptDomain);
  if (keys == nullptr) return;
  const std::vector<Lag> lags = LagOffsets(o_.baseline);
  std::vector<Lagged> past;
  for (const auto& [domain, c] : *keys) {
    const uint64_t n = Attempts(c);
    if (static_cast<double>(n) < o_.min_attempts) continue;
    for (Measure m : {Measure::kBounced, Measure::kDeferred}) {
      const double seen = static_cast<double>(c[m]);
      if (seen < o_.min_ratio_count || seen < o_.min_share * static_cast<double>(n)) continue;
      // Each earlier hour's ratio, applied to this hour's attempts.
      past.clear();
      for (const Lag& l : lags) {
        if (!series_->Covered(hour - l.seconds, hour - l.seconds + 3600)) continue;
        const KeyCounts* pk = series_->Hour(hour - l.seconds, Dim::kRcptDomain);
        if (pk == nullptr) continue;
        auto it = pk->find(domain);
        if (it == pk->end() || Attempts(it->second) == 0) continue;
        past.push_back({static_cast<double>(it->second[m]) * static_cast<double>(n) /
                            static_cast<double>(Attempts(it->second)),
                        l.weekly});
      }
      Band b = MakeBand(past, o_.baseline);
      if (!b.ok || seen <= b.high()) continue;
      Anomaly a;
      a.kind = m == Measure::kBounced ? AnomalyKind::kBounceRatio : AnomalyKind::kDeferralRatio;
      a.key = std::string(domain);
      a.slot = slot;
      a.window_start = hour;
      a.window_end = end;
      a.seen = seen;
      a.attempts = n;
      if (samples_) a.sample_queue_ids = samples_->Hour(hour, Dim::kRcptDomain, a.key, m);
      Flag(std::move(a), b);
    }
  }
}

void AnomalyDetector::Users(int64_t slot) {
  const int64_t end = slot + o_.slot, hour = FloorTo(slot, 3600);
  const KeyCounts* keys = series_->Hour(hour, Dim::kSaslUser);
  if (keys == nullptr) return;
  const double fraction = static_cast<double>(end - hour) / 3600.0;
  const std::vector<Lag> lags = LagOffsets(o_.baseline);
  std::vector<Lagged> past;
  for (const auto& [user, c] : *keys) {
    const double seen = static_cast<double>(c[Measure::kReceived]);
    if (seen < o_.min_user_volume) continue;
    past.clear();
    for (const Lag& l : lags) {
      if (!series_->Covered(hour - l.seconds, hour - l.seconds + 3600)) continue;
      const KeyCounts* pk = series_->Hour(hour - l.seconds, Dim::kSaslUser);
      double v = 0;
      if (pk != nullptr)
        if (auto it = pk->find(user); it != pk->end()) v = static_cast<double>(it->second[Measure::kReceived]);
      past.push_back({v, l.weekly});
    }
    Band b = Scale(MakeBand(past, o_.baseline), fraction, o_.baseline);
    if (!b.ok || seen <= b.high()) continue;
    Anomaly a;
    a.kind = AnomalyKind::kSaslUserVolume;
    a.key = std::string(user);
    a.slot = slot;
    a.window_start = hour;
    a.window_end = end;
    a.seen = seen;
    if (samples_) a.sample_queue_ids = samples_->Hour(hour, Dim::kSaslUser, a.key, Measure::kReceived);
    Flag(std::move(a), b);
  }
}

void AnomalyDetector::Evaluate(int64_t slot) {
  ++slots_;
  Totals(slot);
  Domains(slot);
  Users(slot);
}

// --- AnomalySink ------------------------------------------------------------

AnomalySink::AnomalySink(AnomalyOptions options, int64_t since)
    : samples_(options.samples), detector_(options, &series_, &samples_), since_(since) {}

void AnomalySink::CloseSlot() {
  const int64_t slot_len = detector_.options().slot;
  const int64_t end = slot_ + slot_len;
  series_.Add(bucketer_.Take());
  series_.SetQueue(slot_, queue_.TakeEntered(), static_cast<uint32_t>(queue_.size()));
  if (series_.begin() <= slot_) {  // a whole slot (the first one is partial)
    series_.Cover(slot_, end);
    if (slot_ >= since_) detector_.Evaluate(slot_);
  } else {
    series_.Cover(end, end);
  }
  samples_.DropBefore(FloorTo(end, 3600));
  slot_ = end;
}

void AnomalySink::OnEvent(const Event& ev, const Message* m) {
  if (ev.header != nullptr) {
    const int64_t t = ev.header->epoch;
    const int64_t slot_len = detector_.options().slot;
    if (slot_ == INT64_MIN) slot_ = FloorTo(t, slot_len);
    while (t >= slot_ + slot_len) CloseSlot();
  }
  bucketer_.OnEvent(ev, m);
  samples_.OnEvent(ev, m);
  queue_.OnEvent(ev, m);
}

void AnomalySink::Finish() { series_.Add(bucketer_.Take()); }

// --- Rendering --------------------------------------------------------------

void RenderAnomaliesText(const AnomalyDetector& d, std::string* out) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "Anomalies: %zu (%llu ten-minute slots evaluated)\n", d.anomalies().size(),
                static_cast<unsigned long long>(d.slots_evaluated()));
  out->append(buf);
  out->append("Baseline: ").append(kBaselineSentence);
  std::snprintf(buf, sizeof buf, " (k = %g, floor %g).\n", d.options().baseline.k, d.options().baseline.floor);
  out->append(buf);
  for (const Anomaly& a : d.anomalies()) {
    out->append("\n").append(a.severity == AnomalySeverity::kCritical ? "CRITICAL " : "WARNING  ");
    out->append(a.text);  // built terminal-safe
    std::snprintf(buf, sizeof buf, "\n  from %d earlier slots, MAD %.1f; flagged until %s",
                  a.lags, a.mad, Utc(a.until).c_str());
    out->append(buf);
    out->append("\n  sample queue IDs:");
    for (const std::string& q : a.sample_queue_ids) out->append(" ").append(TerminalSafe(q));
    out->append("\n");
  }
}

void RenderAnomaliesJson(const AnomalyDetector& d, std::string* out) {
  JsonWriter w(out);
  w.BeginObject().Field("baseline", kBaselineSentence);
  w.Key("k").Double(d.options().baseline.k);
  w.Field("slots_evaluated", d.slots_evaluated());
  w.Key("anomalies").BeginArray();
  for (const Anomaly& a : d.anomalies()) {
    w.BeginObject().Field("kind", AnomalyKindName(a.kind)).Field("key", a.key);
    w.Field("severity", AnomalySeverityName(a.severity));
    w.Key("slot").Int(a.slot);
    w.Field("slot_utc", FormatEpoch(a.slot, "%Y-%m-%dT%H:%M:%SZ", true));
    w.Key("window_start").Int(a.window_start);
    w.Key("window_end").Int(a.window_end);
    w.Key("until").Int(a.until);
    w.Key("seen").Double(a.seen);
    w.Key("expected").Double(a.expected);
    w.Key("band").BeginArray().Double(a.low).Double(a.high).EndArray();
    w.Key("mad").Double(a.mad);
    w.Key("lags").Int(a.lags);
    if (a.attempts) w.Field("attempts", a.attempts);
    if (a.kind == AnomalyKind::kQueueGrowth) w.Field("queue_size", a.queue_size);
    w.Key("sample_queue_ids").BeginArray();
    for (const std::string& q : a.sample_queue_ids) w.String(q);
    w.EndArray();
    w.Field("text", a.text);
    w.EndObject();
  }
  w.EndArray().EndObject();
  out->push_back('\n');
}

}  // namespace maillens::trends
