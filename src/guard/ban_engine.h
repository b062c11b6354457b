// ban_engine.h - fail2ban's failure counting and banning, per IP address.
//
// BanEngine reproduces fail2ban 1.0.2's FailManager, BanManager and
// bantime.increment as they behave on a live log (time = the failure's
// time; fail2ban/server/failmanager.py, ticket.py, banmanager.py,
// observer.py):
//  - per IP, a failure ticket (first, last, retry). A failure at t with
//    t > last whose first < t - findtime rescales retry to the rate seen so
//    far: retry = round(retry / (t - first) * findtime), first = t - findtime
//    (ticket.adjustTime); then retry += 1. A ticket whose last failure is
//    findtime old is dropped (fail2ban's periodic cleanup).
//  - retry >= maxretry bans the IP from the failure's time for bantime and
//    drops the ticket. If the IP is still banned, the ban is prolonged to
//    t + bantime instead (banmanager.addBanTicket).
//  - bantime.increment: the n-th ban of an IP lasts
//    bantime * 2^min(n-1, 20) * factor, at least bantime, at most maxtime.
//  - ignored addresses (IpSet) are never counted nor banned.
// Evaluate(now) ends bans whose time is up (the live follower calls it);
// Save()/Load() carry the whole state across restarts as text.
// Thread safety: one thread at a time.
#ifndef MAILLENS_GUARD_BAN_ENGINE_H_
#define MAILLENS_GUARD_BAN_ENGINE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "util/status.h"

namespace maillens::guard {

// A set of CIDR blocks (IPv4 and IPv6), for ignoreip.
class IpSet {
 public:
  // Adds "192.0.2.0/24", "2001:db8::/32" or a bare address; false if malformed.
  bool Add(std::string_view cidr);
  bool Contains(std::string_view ip) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    std::array<uint8_t, 16> addr;
    int bits;  // prefix length over the 128-bit (v4-mapped) address
  };
  std::vector<Block> blocks_;
};

// Parses an address into 16 bytes (IPv4 as ::ffff:a.b.c.d); false if not one.
bool ParseIp(std::string_view s, std::array<uint8_t, 16>* out);

struct BanPolicy {
  int maxretry = 5;
  int64_t findtime = 600;  // seconds
  int64_t bantime = 600;   // seconds; -1 = permanent
  bool increment = false;  // bantime.increment
  double factor = 1;       // bantime.factor
  int64_t maxtime = 0;     // bantime.maxtime (0 = none)
  IpSet ignore;
};

struct Ban {
  std::string ip;
  int64_t start = 0;  // time of the failure that triggered it
  int64_t end = 0;    // start + ban time (prolonged if the IP went on); -1 permanent
  int failures = 0;   // fail2ban's retry count at the ban
  int count = 1;      // this IP's n-th ban
};

class BanEngine {
 public:
  explicit BanEngine(BanPolicy policy) : p_(std::move(policy)) {}

  // One failure of `ip` at `time`. Returns the index in bans() of a new ban
  // it caused, or -1 (no ban, an ignored IP, or a prolonged ban).
  int AddFailure(std::string_view ip, int64_t time);
  // Ends bans due by `now` and forgets stale failures; returns the ended bans.
  std::vector<Ban> Evaluate(int64_t now);

  // Forgets ended bans (a long-running follower calls it after Evaluate());
  // running bans and each IP's ban count are kept.
  void Compact();

  // Every ban so far, in order (ended ones included, until Compact()).
  const std::vector<Ban>& bans() const { return bans_; }
  // True if `ip` has a ban running at `now`.
  bool IsBanned(std::string_view ip, int64_t now) const;
  const BanPolicy& policy() const { return p_; }

  // Forgets what is older than `before` (maillens prune): failure tickets
  // whose last failure is, ended bans that ended before it, and the ban count
  // of an address with nothing else left. Running bans stay. Returns how
  // many records went.
  size_t Prune(int64_t before);

  // The state (tickets, bans, ban counts) as text, and back.
  std::string Save() const;
  Status Load(std::string_view text);

 private:
  struct Ticket {
    int64_t first = 0, last = 0;
    int64_t retry = 0;
  };
  struct IpState {
    int bans = 0;        // bans so far (for bantime.increment)
    int active = -1;     // index in bans_ of the running ban, or -1
  };
  int64_t BanTimeFor(int nth) const;

  BanPolicy p_;
  absl::flat_hash_map<std::string, Ticket> tickets_;
  absl::flat_hash_map<std::string, IpState> ips_;
  std::vector<Ban> bans_;
};

}  // namespace maillens::guard

#endif  // MAILLENS_GUARD_BAN_ENGINE_H_
