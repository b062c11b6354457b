// engine.cc - AlertEngine: event counting, rule evaluation, alert states.
#include "alert/engine.h"

#include <algorithm>
#include <charconv>

#include "alert/tally.h"
#include "assemble/assembler.h"
#include "queue/postqueue.h"
#include "util/text_escape.h"

namespace maillens::alert {

namespace {

constexpr int64_t kWeek = 7 * 86400;

// Percent-encodes bytes that would break the state's line/field structure.
void AppendEscaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (c <= 0x20 || c == '%' || c >= 0x7f) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

// Inverse of AppendEscaped; false if malformed.
bool Unescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int v = 0;
    auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + i + 3) return false;
    out->push_back(static_cast<char>(v));
    i += 2;
  }
  return true;
}

// Splits `line` at tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> f;
  size_t start = 0;
  while (true) {
    size_t t = line.find('\t', start);
    f.push_back(line.substr(start, t - start));
    if (t == std::string_view::npos) return f;
    start = t + 1;
  }
}

template <typename T>
bool Num(std::string_view s, T* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kOk: return "OK";
    case Severity::kWarning: return "WARNING";
    case Severity::kCritical: return "CRITICAL";
    case Severity::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* NotificationKindName(Notification::Kind k) {
  switch (k) {
    case Notification::Kind::kFiring: return "firing";
    case Notification::Kind::kRepeat: return "repeat";
    case Notification::Kind::kResolved: return "resolved";
  }
  return "firing";
}

uint64_t QueueCounts::Get(std::string_view q) const {
  if (q == "active") return active;
  if (q == "deferred") return deferred;
  if (q == "hold") return hold;
  if (q == "incoming") return incoming;
  if (q == "maildrop") return maildrop;
  return total;
}

QueueCounts CountQueues(const std::string& input, std::string* error) {
  QueueCounts q;
  std::string text, source;
  if (!ReadPostqueueSnapshot(input, &text, &source, error)) return q;
  std::vector<QueuedMessage> msgs;
  std::vector<PostqueueProblem> problems;
  ParsePostqueueJson(text, &msgs, &problems);
  q.known = true;
  for (const QueuedMessage& m : msgs) {
    ++q.total;
    if (m.queue_name == "active") ++q.active;
    else if (m.queue_name == "deferred") ++q.deferred;
    else if (m.queue_name == "hold") ++q.hold;
    else if (m.queue_name == "incoming") ++q.incoming;
    else if (m.queue_name == "maildrop") ++q.maildrop;
  }
  return q;
}

AlertEngine::AlertEngine(std::vector<Rule> rules, std::string name)
    : rules_(std::move(rules)), name_(std::move(name)) {
  for (const Rule& r : rules_) {
    int64_t retention = r.window + (r.relative ? kWeek : 0);
    if (r.fn == Rule::Fn::kCount) Track(r.counter, r.key, retention);
    if (r.fn == Rule::Fn::kBounceRatio) {
      Track(Counter::kSent, r.key, retention);
      Track(Counter::kBounced, r.key, retention);
    }
  }
}

bool AlertEngine::needs_queue() const {
  for (const Rule& r : rules_)
    if (r.fn == Rule::Fn::kQueue) return true;
  return false;
}

void AlertEngine::Track(Counter c, KeyDim k, int64_t retention) {
  Family& f = Fam(c, k);
  f.used = true;
  f.retention = std::max(f.retention, retention);
}

void AlertEngine::Bump(Counter c, int64_t t, std::string_view domain, std::string_view ip, std::string_view user) {
  for (int k = 0; k < kKeyDimCount; ++k) {
    Family& f = families_[static_cast<int>(c) * kKeyDimCount + k];
    if (!f.used) continue;
    std::string_view key;
    switch (static_cast<KeyDim>(k)) {
      case KeyDim::kNone: key = {}; break;
      case KeyDim::kDomain: key = domain; break;
      case KeyDim::kIp: key = ip; break;
      case KeyDim::kUser: key = user; break;
    }
    if (k != 0 && key.empty()) continue;
    if (static_cast<KeyDim>(k) == KeyDim::kDomain) {  // domains compare case-insensitively
      scratch_.assign(key);
      for (char& ch : scratch_)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      key = scratch_;
    }
    auto it = f.keys.find(absl::string_view(key.data(), key.size()));
    if (it == f.keys.end()) it = f.keys.emplace(std::string(key), CountWindow()).first;
    it->second.Add(t);
  }
}

void AlertEngine::OnEvent(const Event& ev, const Message* m) {
  Tally t;
  if (!ev.header) return;
  if (ev.header->epoch > newest_) newest_ = ev.header->epoch;
  if (TallyEvent(ev, m, &t)) Bump(t.counter, t.time, t.domain, t.ip, t.user);
  if (newest_ - last_prune_ >= 60) Prune(newest_);
}

void AlertEngine::Prune(int64_t now) {
  last_prune_ = now;
  for (Family& f : families_) {
    if (!f.used) continue;
    for (auto it = f.keys.begin(); it != f.keys.end();) {
      it->second.Prune(now - f.retention);
      if (it->second.empty()) f.keys.erase(it++);
      else ++it;
    }
  }
}

uint64_t AlertEngine::Count(Counter c, KeyDim k, std::string_view key, int64_t from, int64_t to) const {
  const Family& f = Fam(c, k);
  auto it = f.keys.find(absl::string_view(key.data(), key.size()));
  return it == f.keys.end() ? 0 : it->second.Count(from, to);
}

double AlertEngine::Value(const Rule& r, std::string_view key, int64_t end, bool* enough) const {
  *enough = true;
  if (r.fn == Rule::Fn::kCount) return static_cast<double>(Count(r.counter, r.key, key, end - r.window, end));
  uint64_t sent = Count(Counter::kSent, r.key, key, end - r.window, end);
  uint64_t bounced = Count(Counter::kBounced, r.key, key, end - r.window, end);
  *enough = sent + bounced >= std::max<uint64_t>(r.min_count, 1);
  return *enough ? static_cast<double>(bounced) / static_cast<double>(sent + bounced) : 0;
}

std::vector<Finding> AlertEngine::Evaluate(int64_t now, const QueueCounts& queue) const {
  std::vector<Finding> out;
  for (const Rule& r : rules_) {
    auto judge = [&](Finding* f) {
      f->has_warning = r.warning.has_value();
      double factor = 1;
      if (r.relative) {
        // No traffic a week ago (or no history that far back): nothing to
        // compare with, so the rule stays OK rather than firing on any value.
        if (!(f->baseline > 0)) {
          f->baseline = -1;
          f->has_warning = false;
          return;
        }
        factor = f->baseline;
      }
      f->critical = r.critical * factor;
      f->warning = r.warning.value_or(0) * factor;
      if (Compare(r.cmp, f->value, f->critical)) f->severity = Severity::kCritical;
      else if (f->has_warning && Compare(r.cmp, f->value, f->warning)) f->severity = Severity::kWarning;
    };
    if (r.fn == Rule::Fn::kQueue) {
      Finding f;
      f.rule = &r;
      if (!queue.known) {
        f.severity = Severity::kUnknown;
        f.critical = r.critical;
        f.has_warning = r.warning.has_value();
        f.warning = r.warning.value_or(0);
      } else {
        f.value = static_cast<double>(queue.Get(r.queue));
        judge(&f);
      }
      out.push_back(std::move(f));
      continue;
    }
    // The keys to look at: every key with events of the counter(s) involved.
    std::vector<std::string_view> keys;
    if (r.key == KeyDim::kNone) {
      keys.push_back({});
    } else {
      Counter cs[2] = {r.counter, r.counter};
      if (r.fn == Rule::Fn::kBounceRatio) cs[0] = Counter::kSent, cs[1] = Counter::kBounced;
      for (Counter c : cs)
        for (const auto& [k, w] : Fam(c, r.key).keys) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    }
    std::vector<Finding> mine;
    Finding best;  // the highest value, reported when no key fires
    for (std::string_view key : keys) {
      Finding f;
      f.rule = &r;
      f.key = std::string(key);
      bool enough = true;
      f.value = Value(r, key, now, &enough);
      if (!enough) continue;
      if (r.relative) {
        bool base_enough = true;
        f.baseline = Value(r, key, now - kWeek, &base_enough);
        if (!base_enough) f.baseline = -1;
      }
      judge(&f);
      if (f.severity != Severity::kOk || r.key == KeyDim::kNone) {
        mine.push_back(std::move(f));
      } else if (!best.rule || f.value > best.value) {
        best = std::move(f);
      }
    }
    if (mine.empty()) {
      if (!best.rule) {  // nothing counted at all: the rule's value is 0
        best.rule = &r;
        judge(&best);
      }
      mine.push_back(std::move(best));
    }
    std::sort(mine.begin(), mine.end(), [](const Finding& a, const Finding& b) {
      if (a.severity != b.severity) return a.severity > b.severity;
      return a.value > b.value;
    });
    for (Finding& f : mine) out.push_back(std::move(f));
  }
  return out;
}

void AlertEngine::Transitions(const std::vector<Finding>& findings, int64_t now) {
  auto notify = [&](Notification::Kind kind, const Finding& f, int64_t since) {
    if (!notifier_) return;
    Notification n;
    n.kind = kind;
    n.finding = f;
    n.time = now;
    n.since = since;
    notifier_(n);
  };
  std::map<std::pair<std::string, std::string>, const Finding*> firing;
  for (const Finding& f : findings) {
    if (f.severity != Severity::kWarning && f.severity != Severity::kCritical) continue;
    auto id = std::make_pair(f.rule->name, f.key);
    firing[id] = &f;
    State& s = states_[id];
    if (s.severity == Severity::kOk) {
      s = {f.severity, now, now};
      notify(Notification::Kind::kFiring, f, now);
    } else if (s.severity != f.severity) {
      s.severity = f.severity;
      s.last_notice = now;
      notify(Notification::Kind::kFiring, f, s.since);
    } else if (now - s.last_notice >= f.rule->repeat && f.rule->repeat > 0) {
      s.last_notice = now;
      notify(Notification::Kind::kRepeat, f, s.since);
    }
  }
  for (auto it = states_.begin(); it != states_.end();) {
    if (firing.count(it->first)) {
      ++it;
      continue;
    }
    // Resolved (or its rule is gone): say so with the value now.
    const Rule* rule = nullptr;
    for (const Rule& r : rules_)
      if (r.name == it->first.first) rule = &r;
    if (rule && rule->fn != Rule::Fn::kQueue) {
      Finding f;
      f.rule = rule;
      f.key = it->first.second;
      bool enough = true;
      f.value = Value(*rule, f.key, now, &enough);
      f.critical = rule->critical;
      notify(Notification::Kind::kResolved, f, it->second.since);
    } else if (rule) {
      bool unknown = false;  // a queue rule that could not be read stays as it was
      for (const Finding& f : findings)
        if (f.rule == rule && f.severity == Severity::kUnknown) unknown = true;
      if (unknown) {
        ++it;
        continue;
      }
      for (const Finding& f : findings)
        if (f.rule == rule) notify(Notification::Kind::kResolved, f, it->second.since);
    }
    it = states_.erase(it);
  }
}

void AlertEngine::Tick(int64_t now) {
  if (now - last_prune_ >= 60) Prune(std::max(now, newest_));
  QueueCounts q;
  if (needs_queue() && queue_source_) q = queue_source_();
  Transitions(Evaluate(now, q), now);
}

void AlertEngine::WriteMetrics(std::string* out) const {
  if (rules_.empty()) return;
  out->append("# HELP maillens_alerts_firing Keys (or 1 for rules without a key) for which an alert rule fires.\n"
              "# TYPE maillens_alerts_firing gauge\n");
  for (const Rule& r : rules_) {
    uint64_t n[4] = {0, 0, 0, 0};
    for (const auto& [id, st] : states_)
      if (id.first == r.name) ++n[static_cast<int>(st.severity)];
    for (Severity sev : {Severity::kWarning, Severity::kCritical}) {
      out->append("maillens_alerts_firing{alert=\"");
      AppendPrometheusLabelValue(out, r.name);
      out->append("\",severity=\"");
      out->append(sev == Severity::kWarning ? "warning" : "critical");
      out->append("\"} " + std::to_string(n[static_cast<int>(sev)]) + "\n");
    }
  }
}

std::string AlertEngine::SaveState() const {
  std::string out = "maillens-alerts 1\n";
  out += "N\t" + std::to_string(newest_) + "\n";
  for (int c = 0; c < kCounterCount; ++c) {
    for (int k = 0; k < kKeyDimCount; ++k) {
      const Family& f = families_[c * kKeyDimCount + k];
      for (const auto& [key, w] : f.keys) {
        out += "W\t" + std::to_string(c) + "\t" + std::to_string(k) + "\t";
        AppendEscaped(&out, key);
        out += '\t';
        w.Save(&out);
        out += '\n';
      }
    }
  }
  for (const auto& [id, s] : states_) {
    out += "S\t";
    AppendEscaped(&out, id.first);
    out += '\t';
    AppendEscaped(&out, id.second);
    out += "\t" + std::to_string(static_cast<int>(s.severity)) + "\t" + std::to_string(s.since) + "\t" +
           std::to_string(s.last_notice) + "\n";
  }
  return out;
}

bool AlertEngine::LoadState(std::string_view state) {
  if (state.empty()) return true;
  constexpr std::string_view kMagic = "maillens-alerts 1\n";
  if (state.substr(0, kMagic.size()) != kMagic) return false;
  state.remove_prefix(kMagic.size());
  std::string key, key2;
  while (!state.empty()) {
    size_t nl = state.find('\n');
    std::string_view line = state.substr(0, nl);
    state.remove_prefix(nl == std::string_view::npos ? state.size() : nl + 1);
    std::vector<std::string_view> f = Fields(line);
    if (f[0] == "N" && f.size() == 2) {
      if (!Num(f[1], &newest_)) return false;
    } else if (f[0] == "W" && f.size() == 5) {
      int c = 0, k = 0;
      if (!Num(f[1], &c) || !Num(f[2], &k) || c < 0 || c >= kCounterCount || k < 0 || k >= kKeyDimCount ||
          !Unescape(f[3], &key))
        return false;
      Family& fam = families_[c * kKeyDimCount + k];
      if (!fam.used) continue;  // the rules changed: this count is no longer needed
      if (!fam.keys[key].Load(f[4])) return false;
    } else if (f[0] == "S" && f.size() == 6) {
      State s;
      int sev = 0;
      if (!Unescape(f[1], &key) || !Unescape(f[2], &key2) || !Num(f[3], &sev) || sev < 0 || sev > 3 ||
          !Num(f[4], &s.since) || !Num(f[5], &s.last_notice))
        return false;
      s.severity = static_cast<Severity>(sev);
      states_[{key, key2}] = s;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace maillens::alert
