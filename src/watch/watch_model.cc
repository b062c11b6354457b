// watch_model.cc - WatchModel: per-minute counts, deferrals, problems, and
// the frame renderer.
#include "watch/watch_model.h"

#include <algorithm>
#include <ctime>

#include "util/duration.h"
#include "util/text_escape.h"

namespace maillens::watch {

namespace {

constexpr const char* kKindNames[kKinds] = {"sent", "deferred", "bounced", "rejected"};
constexpr const char* kKindColors[kKinds] = {"\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[35m"};
constexpr const char* kReset = "\x1b[0m";
constexpr const char* kBold = "\x1b[1m";
constexpr size_t kMaxText = 400;

// Cuts `s` to `width` columns (one per code point; escapes count as none).
std::string Fit(const std::string& s, int width) {
  std::string out;
  int cols = 0;
  bool in_escape = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) in_escape = true;
    if (!in_escape && (c & 0xC0) != 0x80) {
      if (cols == width) break;
      ++cols;
    }
    out.push_back(s[i]);
    if (in_escape && c == 'm') in_escape = false;
  }
  return out;
}

std::string Clock(int64_t t) { return FormatEpoch(t, "%Y-%m-%d %H:%M", false); }
std::string Hms(int64_t t) { return FormatEpoch(t, "%H:%M:%S", false); }
std::string Day(int64_t t) { return FormatEpoch(t, "%Y-%m-%d", false); }

// Pads `s` with spaces to `n` bytes (ASCII labels only).
std::string Pad(std::string s, size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s;
}

}  // namespace

std::string Sparkline(const uint64_t* values, size_t n, bool unicode) {
  static const char* kBlocks[] = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char kAscii[] = " .:-=+*#%@";
  uint64_t max = 0;
  for (size_t i = 0; i < n; ++i) max = std::max(max, values[i]);
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    int levels = unicode ? 8 : 9;
    int level = max == 0 || values[i] == 0 ? 0
                                          : 1 + static_cast<int>((values[i] * (levels - 1) + max - 1) / max);
    level = std::min(level, levels);
    if (unicode) out += kBlocks[level];
    else out.push_back(kAscii[level]);
  }
  return out;
}

void WatchModel::Advance(int64_t now) {
  int64_t minute = now / 60;
  if (minute <= now_minute_) return;
  now_minute_ = minute;
  for (auto it = deferrals_.begin(); it != deferrals_.end();) {
    auto& q = it->second;
    while (!q.empty() && q.front().first <= now_minute_ - kMinutes) q.pop_front();
    if (q.empty()) deferrals_.erase(it++);
    else ++it;
  }
}

void WatchModel::Tick(int64_t wall) {
  wall_ = wall;
  replaying_ = newest_event_ != 0 && wall - newest_event_ >= kMinutes * 60;
  if (!replaying_) Advance(wall);
}

void WatchModel::Count(Kind k, int64_t t) {
  int64_t minute = t / 60;
  Advance(t);
  if (minute <= now_minute_ - kMinutes) return;  // older than the hour shown
  size_t slot = static_cast<size_t>(minute % kMinutes);
  if (bucket_minute_[slot] != minute) {
    for (auto& b : buckets_) b[slot] = 0;
    bucket_minute_[slot] = minute;
  }
  ++buckets_[static_cast<int>(k)][slot];
}

std::array<uint64_t, kMinutes> WatchModel::Series(Kind k) const {
  std::array<uint64_t, kMinutes> out{};
  for (int i = 0; i < kMinutes; ++i) {
    int64_t minute = now_minute_ - (kMinutes - 1) + i;
    size_t slot = static_cast<size_t>(((minute % kMinutes) + kMinutes) % kMinutes);
    out[i] = bucket_minute_[slot] == minute ? buckets_[static_cast<int>(k)][slot] : 0;
  }
  return out;
}

uint64_t WatchModel::Total(Kind k, int minutes) const {
  std::array<uint64_t, kMinutes> s = Series(k);
  uint64_t sum = 0;
  for (int i = kMinutes - std::min(minutes, kMinutes); i < kMinutes; ++i) sum += s[i];
  return sum;
}

void WatchModel::AddProblem(int64_t t, const char* what, std::string_view text) {
  Problem p;
  p.time = t;
  p.what = what;
  p.text = TerminalSafe(text.substr(0, kMaxText));
  problems_.push_back(std::move(p));
  if (problems_.size() > kMaxProblems) problems_.pop_front();
}

void WatchModel::OnEvent(const Event& ev, const Message* m) {
  if (!ev.header) return;
  int64_t t = ev.header->epoch;
  newest_event_ = std::max(newest_event_, t);
  std::string text;
  switch (ev.kind) {
    case EventKind::kDelivery: {
      if (ev.status == DeliveryStatus::kSent) {
        Count(Kind::kSent, t);
        break;
      }
      bool deferred = ev.status == DeliveryStatus::kDeferred;
      if (!deferred && ev.status != DeliveryStatus::kBounced) break;
      Count(deferred ? Kind::kDeferred : Kind::kBounced, t);
      text.append(ev.queue_id).append(" to=<").append(ev.to).append("> ").append(ev.status_text);
      AddProblem(t, deferred ? "deferred" : "bounced", text);
      if (deferred) {
        size_t at = ev.to.rfind('@');
        std::string domain(at == std::string_view::npos ? std::string_view("(local)") : ev.to.substr(at + 1));
        for (char& c : domain)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        auto it = deferrals_.find(domain);
        if (it == deferrals_.end()) {
          if (deferrals_.size() >= kMaxDomains) break;
          it = deferrals_.emplace(std::move(domain), std::deque<std::pair<int64_t, uint64_t>>()).first;
        }
        auto& q = it->second;
        if (!q.empty() && q.back().first == t / 60) ++q.back().second;
        else q.emplace_back(t / 60, 1);
      }
      break;
    }
    case EventKind::kReject:
    case EventKind::kCleanupAction:
      if (ev.action != Action::kReject && ev.action != Action::kMilterReject) break;
      Count(Kind::kRejected, t);
      text.append(ev.client).append(" ").append(ev.reason);
      AddProblem(t, "reject", text);
      break;
    case EventKind::kSaslFailure:
    case EventKind::kDovecotAuthFailure:
      Advance(t);
      text.append(ev.client_addr).append(" user=").append(ev.kind == EventKind::kSaslFailure ? ev.sasl_username
                                                                                             : ev.user);
      AddProblem(t, "auth", text);
      break;
    case EventKind::kWarning:
    case EventKind::kError:
    case EventKind::kFatal:
    case EventKind::kPanic:
      Advance(t);
      AddProblem(t, ev.kind == EventKind::kWarning ? "warning" : "error", ev.text);
      break;
    default:
      break;
  }
  (void)m;
}

std::vector<std::pair<std::string, uint64_t>> WatchModel::TopDeferrals(size_t n) const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [domain, q] : deferrals_) {
    uint64_t sum = 0;
    for (const auto& [minute, c] : q)
      if (minute > now_minute_ - kMinutes) sum += c;
    if (sum) out.emplace_back(domain, sum);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

std::string WatchModel::RenderFrame(const FrameOptions& o) const {
  auto paint = [&o](const char* color, const std::string& s) {
    return o.color ? std::string(color) + s + kReset : s;
  };
  std::vector<std::string> lines;
  std::string title = "maillens watch";
  if (!o.title.empty()) title += " - " + TerminalSafe(o.title);
  std::string clock = now_minute_ ? Clock(now()) : std::string("(no events yet)");
  if (replaying_) clock += " (log clock; wall clock " + Clock(wall_) + ")";
  lines.push_back(paint(kBold, title) + "  " + clock);
  std::string status = "queue: " + (o.queue_size >= 0 ? std::to_string(o.queue_size) : std::string("?"));
  for (int k = 0; k < kKinds; ++k)
    status += "  " + std::string(kKindNames[k]) + " " + std::to_string(Total(static_cast<Kind>(k), 1)) + "/min";
  lines.push_back(status);
  const char* tabs[] = {"[1] summary", "[2] deferrals", "[3] problems"};
  std::string tabline;
  for (int i = 0; i < 3; ++i) {
    if (i) tabline += "  ";
    tabline += static_cast<int>(o.panel) == i ? paint("\x1b[7m", tabs[i]) : std::string(tabs[i]);
  }
  lines.push_back(tabline + "  (tab: next, q: quit)");
  lines.push_back("");
  lines.push_back(Pad("per minute, last 60 min", 10 + kMinutes) + "  1m   60m");
  for (int k = 0; k < kKinds; ++k) {
    std::array<uint64_t, kMinutes> s = Series(static_cast<Kind>(k));
    std::string row = Pad(kKindNames[k], 10) + paint(kKindColors[k], Sparkline(s.data(), s.size(), o.unicode));
    char nums[48];
    std::snprintf(nums, sizeof nums, "  %-4llu %llu", static_cast<unsigned long long>(s[kMinutes - 1]),
                  static_cast<unsigned long long>(Total(static_cast<Kind>(k), kMinutes)));
    lines.push_back(row + nums);
  }
  lines.push_back("");
  int room = std::max(3, o.height - static_cast<int>(lines.size()) - 1);
  auto deferral_lines = [&](int n) {
    lines.push_back(paint(kBold, "top deferral destinations (60 min)"));
    auto top = TopDeferrals(static_cast<size_t>(std::max(n, 0)));
    if (top.empty()) lines.push_back("  (none)");
    for (const auto& [d, c] : top) lines.push_back("  " + Pad(std::to_string(c), 7) + TerminalSafe(d));
  };
  auto problem_lines = [&](int n) {
    lines.push_back(paint(kBold, "latest problems"));
    const std::string today = Day(now());
    if (problems_.empty()) lines.push_back("  (none)");
    int shown = 0;
    for (auto it = problems_.rbegin(); it != problems_.rend() && shown < n; ++it, ++shown)
      lines.push_back("  " + (Day(it->time) == today ? Hms(it->time) : Clock(it->time)) + " " +
                      Pad(it->what, 9) + it->text);
  };
  switch (o.panel) {
    case Panel::kSummary:
      deferral_lines(std::min(5, room / 2 - 1));
      problem_lines(room - static_cast<int>(std::min<size_t>(5, TopDeferrals(5).size())) - 4);
      break;
    case Panel::kDeferrals:
      deferral_lines(room - 1);
      break;
    case Panel::kProblems:
      problem_lines(room - 1);
      break;
  }
  std::string out;
  int n = 0;
  for (const std::string& l : lines) {
    if (n++ >= o.height) break;
    out += Fit(l, o.width);
    if (o.color) out += kReset;  // a line cut inside a colored span must not bleed
    out += '\n';
  }
  return out;
}

}  // namespace maillens::watch
