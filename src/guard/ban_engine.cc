// ban_engine.cc - IpSet, and fail2ban's ticket/ban arithmetic.
#include "guard/ban_engine.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include <absl/container/flat_hash_set.h>

namespace maillens::guard {

bool ParseIp(std::string_view s, std::array<uint8_t, 16>* out) {
  char buf[64];
  if (s.empty() || s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  out->fill(0);
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    (*out)[10] = (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, buf, out->data()) == 1;
}

bool IpSet::Add(std::string_view cidr) {
  size_t slash = cidr.find('/');
  std::string_view addr = cidr.substr(0, slash);
  Block b;
  if (!ParseIp(addr, &b.addr)) return false;
  const bool v4 = addr.find(':') == std::string_view::npos;
  int bits = v4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    std::string_view n = cidr.substr(slash + 1);
    if (n.empty() || n.size() > 3 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    bits = std::stoi(std::string(n));
    if (bits > (v4 ? 32 : 128)) return false;
  }
  b.bits = v4 ? bits + 96 : bits;
  blocks_.push_back(b);
  return true;
}

bool IpSet::Contains(std::string_view ip) const {
  std::array<uint8_t, 16> a;
  if (blocks_.empty() || !ParseIp(ip, &a)) return false;
  for (const Block& b : blocks_) {
    int full = b.bits / 8, rest = b.bits % 8;
    if (std::memcmp(a.data(), b.addr.data(), full) != 0) continue;
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    if ((a[full] & mask) == (b.addr[full] & mask)) return true;
  }
  return false;
}

int64_t BanEngine::BanTimeFor(int nth) const {
  if (!p_.increment || p_.bantime <= 0 || nth <= 1) return p_.bantime;
  const int prior = std::min(nth - 1, 20);
  double t = static_cast<double>(p_.bantime) * static_cast<double>(int64_t{1} << prior) * p_.factor;
  t = std::max(t, static_cast<double>(p_.bantime));
  if (p_.maxtime > 0) t = std::min(t, static_cast<double>(p_.maxtime));
  return static_cast<int64_t>(t);
}

int BanEngine::AddFailure(std::string_view ip, int64_t time) {
  if (p_.ignore.Contains(ip)) return -1;
  const std::string key(ip);
  auto it = tickets_.find(key);
  if (it != tickets_.end() && it->second.last <= time - p_.findtime) {
    tickets_.erase(it);  // fail2ban's cleanup would have dropped it
    it = tickets_.end();
  }
  if (it == tickets_.end()) {
    it = tickets_.emplace(key, Ticket{time, time, 0}).first;
  } else {
    Ticket& t = it->second;
    if (time > t.last) {
      if (t.first < time - p_.findtime) {
        // Python's round(): half to even, as nearbyint() in the default mode.
        t.retry = static_cast<int64_t>(std::nearbyint(static_cast<double>(t.retry) /
                                                      static_cast<double>(time - t.first) *
                                                      static_cast<double>(p_.findtime)));
        t.first = time - p_.findtime;
      }
      t.last = time;
    }
  }
  Ticket& t = it->second;
  t.retry += 1;
  if (t.retry < p_.maxretry) return -1;
  const int64_t when = t.last;
  const int failures = static_cast<int>(t.retry);
  tickets_.erase(it);
  IpState& st = ips_[key];
  if (st.active >= 0) {
    Ban& b = bans_[st.active];
    if (b.end >= 0 && b.end > time) {
      if (p_.bantime < 0) b.end = -1;
      else if (when + p_.bantime > b.end) b.end = when + p_.bantime;
      return -1;
    }
    st.active = -1;
  }
  Ban b;
  b.ip.assign(ip);
  b.start = when;
  b.count = ++st.bans;
  const int64_t bt = BanTimeFor(b.count);
  b.end = bt < 0 ? -1 : when + bt;
  b.failures = failures;
  bans_.push_back(std::move(b));
  st.active = static_cast<int>(bans_.size() - 1);
  return st.active;
}

std::vector<Ban> BanEngine::Evaluate(int64_t now) {
  std::vector<Ban> ended;
  for (auto& [ip, st] : ips_) {
    if (st.active < 0) continue;
    const Ban& b = bans_[st.active];
    if (b.end >= 0 && b.end <= now) {
      ended.push_back(b);
      st.active = -1;
    }
  }
  absl::erase_if(tickets_, [&](const auto& kv) { return kv.second.last <= now - p_.findtime; });
  std::sort(ended.begin(), ended.end(), [](const Ban& a, const Ban& b) { return a.end < b.end; });
  return ended;
}

void BanEngine::Compact() {
  std::vector<Ban> kept;
  for (auto& [ip, st] : ips_) {
    if (st.active < 0) continue;
    kept.push_back(std::move(bans_[st.active]));
    st.active = static_cast<int>(kept.size() - 1);
  }
  bans_ = std::move(kept);
}

bool BanEngine::IsBanned(std::string_view ip, int64_t now) const {
  auto it = ips_.find(std::string(ip));
  if (it == ips_.end() || it->second.active < 0) return false;
  const Ban& b = bans_[it->second.active];
  return b.end < 0 || b.end > now;
}

// Format, one record a line ("guard-state 1" first):
//   T ip first last retry      a failure ticket
//   B ip start end failures n  a ban (in order); A marks the running ones
//   N ip bans                  ban count of an IP
std::string BanEngine::Save() const {
  std::string s = "guard-state 1\n";
  char buf[160];
  for (const auto& [ip, t] : tickets_) {
    std::snprintf(buf, sizeof buf, " %lld %lld %lld\n", static_cast<long long>(t.first),
                  static_cast<long long>(t.last), static_cast<long long>(t.retry));
    s += "T " + ip + buf;
  }
  for (size_t i = 0; i < bans_.size(); ++i) {
    const Ban& b = bans_[i];
    auto st = ips_.find(b.ip);
    const bool active = st != ips_.end() && st->second.active == static_cast<int>(i);
    std::snprintf(buf, sizeof buf, " %lld %lld %d %d\n", static_cast<long long>(b.start),
                  static_cast<long long>(b.end), b.failures, b.count);
    s += (active ? "A " : "B ") + b.ip + buf;
  }
  for (const auto& [ip, st] : ips_) s += "N " + ip + " " + std::to_string(st.bans) + "\n";
  return s;
}

size_t BanEngine::Prune(int64_t before) {
  size_t removed = 0;
  for (auto it = tickets_.begin(); it != tickets_.end();) {
    if (it->second.last < before) {
      tickets_.erase(it++);
      ++removed;
    } else {
      ++it;
    }
  }
  std::vector<Ban> kept;
  absl::flat_hash_set<std::string> left;
  for (size_t i = 0; i < bans_.size(); ++i) {
    auto st = ips_.find(bans_[i].ip);
    bool active = st != ips_.end() && st->second.active == static_cast<int>(i);
    if (!active && bans_[i].end >= 0 && bans_[i].end < before) {
      ++removed;
      continue;
    }
    if (active) st->second.active = static_cast<int>(kept.size());
    left.insert(bans_[i].ip);
    kept.push_back(std::move(bans_[i]));
  }
  bans_ = std::move(kept);
  for (auto it = ips_.begin(); it != ips_.end();) {
    if (!left.contains(it->first) && !tickets_.contains(it->first)) {
      ips_.erase(it++);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

Status BanEngine::Load(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  if (!std::getline(in, line) || line != "guard-state 1") return Status::Corruption("not a guard state");
  tickets_.clear();
  ips_.clear();
  bans_.clear();
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream f(line);
    std::string tag, ip;
    f >> tag >> ip;
    std::array<uint8_t, 16> a;
    if (!ParseIp(ip, &a)) return Status::Corruption("guard state line " + std::to_string(n) + ": bad address");
    if (tag == "T") {
      Ticket t;
      if (!(f >> t.first >> t.last >> t.retry)) return Status::Corruption("guard state line " + std::to_string(n));
      tickets_[ip] = t;
    } else if (tag == "A" || tag == "B") {
      Ban b;
      b.ip = ip;
      if (!(f >> b.start >> b.end >> b.failures >> b.count)) {
        return Status::Corruption("guard state line " + std::to_string(n));
      }
      bans_.push_back(b);
      if (tag == "A") ips_[ip].active = static_cast<int>(bans_.size() - 1);
    } else if (tag == "N") {
      int c;
      if (!(f >> c)) return Status::Corruption("guard state line " + std::to_string(n));
      ips_[ip].bans = c;
    } else {
      return Status::Corruption("guard state line " + std::to_string(n) + ": unknown record");
    }
  }
  return Status::OK();
}

}  // namespace maillens::guard
