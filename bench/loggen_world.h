// loggen_world.h - the simulated mail world of maillens-loggen.
//
// World holds every bounded pool the traffic draws from, built once from the
// seed: our four local domains and ~1200 mailboxes, ~1200 remote domains
// (six big providers first, dead and flaky domains at the unpopular tail),
// ~4000 remote correspondents, ~900 legitimate sending MTAs, ~2500 spam
// bots, ~400 brute-force attackers. Pools never grow, so a consumer's
// per-sender, per-recipient and per-host tables stay bounded however much
// log is generated; only the in-flight queue varies, and it is bounded too.
//
// QueueIds hands out Postfix queue IDs from a pool of queue-file inode
// numbers. Short IDs are "%05X" microseconds + "%lX" inode (10-11 chars);
// long IDs are base-52 seconds (6) + base-52 microseconds (4) + 'z' +
// base-51 inode (SEE ALSO global/mail_queue.h, MQID_*). An inode is held while
// its message is queued, so IDs are unique in flight and reused after.
//
// Processes: PidSource is the system's PID counter; ProcPool models daemons
// with a few reusable processes (cleanup, smtp, local...; max_use 100);
// SessionProcs models smtpd, one session per process at a time, reused while
// idle for less than max_idle (100 s).
#ifndef MAILLENS_BENCH_LOGGEN_WORLD_H_
#define MAILLENS_BENCH_LOGGEN_WORLD_H_

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "loggen_output.h"
#include "loggen_rng.h"

namespace loggen {

// ---------------------------------------------------------------------------
// Pool element types.

// Peer - a remote host as smtpd logs it, "name[addr]".
struct Peer {
  std::string name;  // reverse name, or "unknown"
  std::string addr;  // IPv4 dotted quad or IPv6 text
  std::string helo;  // what it says in EHLO
  std::string ptr;   // non-empty: a PTR name that does not resolve back (smtpd warns)
};

enum class Transport : uint8_t { kSmtp, kLocal, kVirtual, kLmtp, kPipe };

// DomainClass - how a remote domain's MX behaves for our outbound mail.
enum class DomainClass : uint8_t { kNormal, kGreylist, kFlaky, kDead };
// MtaStyle - which reply texts the remote MX speaks.
enum class MtaStyle : uint8_t { kPostfix, kGoogle, kMicrosoft, kExim, kGeneric };
// DeadKind - how a dead domain fails.
enum class DeadKind : uint8_t { kRefused, kTimeout, kNoHost };

struct RemoteDomain {
  std::string name;
  std::string mx[2], mx_addr[2];
  int n_mx = 1;
  DomainClass cls = DomainClass::kNormal;
  MtaStyle style = MtaStyle::kPostfix;
  DeadKind dead = DeadKind::kRefused;
  int provider = -1;                // hosted at World::domains[provider], or -1
  std::vector<uint32_t> out_hosts;  // World::mtas that send this domain's mail to us
};

struct LocalDomain {
  std::string name;
  Transport transport;
};

struct LocalUser {
  std::string local, addr;
  uint32_t domain;  // index into World::local_domains
  uint32_t uid;     // Unix uid for pickup submissions
  uint32_t client;  // index into World::user_clients (home / office IP)
};

struct Alias {
  std::string addr;
  std::vector<uint32_t> targets;  // World::users
};

struct Person {
  std::string addr;
  uint32_t domain;  // index into World::domains
};

// ---------------------------------------------------------------------------
// Word lists for synthetic names.

inline constexpr const char* kFirst[] = {
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
    "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
    "daniel", "nancy", "matthew", "lisa", "anthony", "betty", "mark", "sandra", "paul", "ashley",
    "steven", "emily", "andrew", "donna", "joshua", "michelle", "kevin", "carol", "brian", "amanda",
    "george", "melissa", "timothy", "deborah", "ronald", "laura", "jason", "rebecca", "edward", "sharon",
    "lukas", "anna", "jonas", "lea", "felix", "marie", "sophie", "elias", "emma", "noah",
    "lucas", "chloe", "hugo", "camille", "luca", "giulia", "mateo", "lucia", "oskar", "ingrid"};
inline constexpr const char* kLast[] = {
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "taylor", "moore", "jackson", "martin", "lee",
    "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson", "walker",
    "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green",
    "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "mueller",
    "schmidt", "schneider", "fischer", "weber", "meyer", "wagner", "becker", "hoffmann", "dubois", "durand",
    "leroy", "moreau", "rossi", "russo", "ferrari", "esposito", "jansen", "devries", "berg", "lindqvist"};
inline constexpr const char* kWord[] = {
    "acme", "alpine", "amber", "apex", "arbor", "atlas", "aurora", "beacon", "birch", "bluebay",
    "bright", "brook", "cedar", "cobalt", "coral", "crest", "crystal", "delta", "ember", "evergreen",
    "falcon", "fern", "forge", "frontier", "galaxy", "garnet", "granite", "harbor", "hazel", "horizon",
    "indigo", "ironwood", "jade", "juniper", "keystone", "lakeside", "lantern", "laurel", "linden", "lotus",
    "maple", "marble", "meadow", "mesa", "nimbus", "northstar", "oakridge", "ocean", "onyx", "orchid",
    "pacific", "peak", "pinecrest", "pioneer", "prairie", "quartz", "raven", "redwood", "ridge", "riverside",
    "rockport", "sage", "sapphire", "sierra", "silverline", "spruce", "starling", "stone", "summit", "sunrise",
    "terra", "thunder", "timber", "topaz", "trailhead", "union", "valley", "vertex", "vista", "willow"};
inline constexpr const char* kTrade[] = {
    "labs", "systems", "logistics", "consulting", "media", "group", "partners", "tech", "solutions", "works",
    "design", "foods", "travel", "health", "legal", "finance", "energy", "motors", "books", "games",
    "studio", "shop", "store", "bank", "insurance", "realty", "dental", "clinic", "school", "club"};
inline constexpr const char* kTld[] = {"com", "net", "org", "de", "co.uk", "fr", "nl", "it",
                                        "es", "io", "ch", "at", "eu", "se", "pl", "com.au"};
inline constexpr uint32_t kTldWeight[] = {45, 8, 8, 8, 5, 4, 3, 3, 2, 3, 2, 2, 2, 2, 2, 1};
inline constexpr const char* kRoles[] = {"info", "sales", "support", "office", "contact", "billing",
                                          "hr", "jobs", "admin", "service", "hello", "team"};
inline constexpr const char* kIsp[] = {"dsl.telecom-one.net", "cable.brightlink.net", "dyn.fibernet.de",
                                        "pool.skyweb.fr", "static.metronet.co.uk", "mobile.cellcom.net",
                                        "broadband.viaweb.it", "res.homenet.nl"};
inline constexpr const char* kProviders[] = {"postwave.com", "inboxly.com", "mailvista.net",
                                              "netcourier.de", "corpmail.net", "webpost.fr"};
inline constexpr MtaStyle kProviderStyle[] = {MtaStyle::kGoogle, MtaStyle::kPostfix, MtaStyle::kGeneric,
                                              MtaStyle::kExim, MtaStyle::kMicrosoft, MtaStyle::kPostfix};
constexpr int kNumProviders = 6;

// ---------------------------------------------------------------------------
// Address helpers.

// RandomIPv4 - a public-looking address outside private, loopback, CGN,
// link-local, multicast and the documentation nets we use for ourselves.
inline std::string RandomIPv4(Rng& r) {
  for (;;) {
    const uint32_t a = static_cast<uint32_t>(r.Range(1, 223)), b = static_cast<uint32_t>(r.Below(256));
    if (a == 10 || a == 127 || a == 0 || (a == 100 && b >= 64 && b < 128) || (a == 169 && b == 254) ||
        (a == 172 && b >= 16 && b < 32) || (a == 192 && (b == 168 || b == 0)) || (a == 198 && b == 51) ||
        (a == 203 && b == 0))
      continue;
    const uint64_t c = r.Below(256);  // one draw per statement: operands of + are unsequenced
    const int64_t d = r.Range(1, 254);
    return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d);
  }
}

// Hex4 - a lowercase hex group without leading zeros, as IPv6 text shows it.
inline std::string Hex4(uint32_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  bool lead = true;
  for (int sh = 12; sh >= 0; sh -= 4) {
    const uint32_t d = (v >> sh) & 15;
    if (lead && d == 0 && sh) continue;
    lead = false;
    s += kHex[d];
  }
  return s;
}

// RandomIPv6 - an address in 2001:db8::/32 in compressed form.
inline std::string RandomIPv6(Rng& r) {
  const uint32_t a = static_cast<uint32_t>(r.Below(65536));
  const uint32_t b = static_cast<uint32_t>(r.Below(4096));
  const uint32_t c = static_cast<uint32_t>(r.Range(1, 65535));
  return "2001:db8:" + Hex4(a) + ":" + Hex4(b) + "::" + Hex4(c);
}

// DashedIp - "203-0-113-5" for building dynamic-looking host names.
inline std::string DashedIp(std::string s) {
  for (char& c : s)
    if (c == '.' || c == ':') c = '-';
  return s;
}

// RandomAlnum - n characters of [a-z0-9] (or [A-Za-z0-9] with mixed case).
inline std::string RandomAlnum(Rng& r, int n, bool mixed_case = false) {
  static const char* kLower = "abcdefghijklmnopqrstuvwxyz0123456789";
  static const char* kMixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(static_cast<size_t>(n), ' ');
  for (char& c : s) c = mixed_case ? kMixed[r.Below(62)] : kLower[r.Below(36)];
  return s;
}

// ---------------------------------------------------------------------------
// The world.

struct World {
  std::string host;        // syslog host name, e.g. "mx"
  std::string myhostname;  // FQDN, e.g. "mx.example.com"
  std::string my_addr = "192.0.2.25";
  std::vector<LocalDomain> local_domains;
  std::vector<LocalUser> users;
  std::vector<Alias> aliases;
  std::vector<RemoteDomain> domains;     // popularity order: index 0 most popular
  std::vector<Person> people;            // remote correspondents, popularity order
  std::vector<Peer> mtas;                // legitimate sending MTAs
  std::vector<Peer> spam_hosts;          // bots and snowshoe spammers
  std::vector<std::string> spam_senders; // forged or throwaway envelope senders
  std::vector<std::string> bad_senders;  // senders whose domain does not exist
  std::vector<std::string> unknown_rcpts;// local parts that are not our users
  std::vector<Peer> user_clients;        // our users' home, office and mobile IPs
  std::vector<Peer> attackers;           // SASL / IMAP brute-force sources
  std::vector<std::string> guessed_logins;
  std::unordered_map<std::string, uint32_t> domain_index;  // remote domain name -> domains[]
  std::unordered_map<std::string, uint32_t> local_index;   // local domain name -> local_domains[]

  // Build - fills every pool from `r`; `host` is the short syslog host name.
  void Build(Rng& r, std::string_view host_name) {
    host = host_name;
    myhostname = host + ".example.com";
    local_domains = {{"example.com", Transport::kLocal},
                     {"example.net", Transport::kVirtual},
                     {"example.org", Transport::kLmtp},
                     {"staff.example.com", Transport::kPipe}};
    BuildDomains(r);
    BuildMtas(r);
    BuildUsers(r);
    BuildPeople(r);
    BuildBad(r);
    for (uint32_t i = 0; i < domains.size(); ++i) domain_index.emplace(domains[i].name, i);
    for (uint32_t i = 0; i < local_domains.size(); ++i) local_index.emplace(local_domains[i].name, i);
  }

 private:
  // BusinessName - "granite-logistics.co.uk" style.
  static std::string BusinessName(Rng& r) {
    std::string n = r.Pick(kWord);
    switch (r.Below(4)) {
      case 0: n += std::string("-") + r.Pick(kTrade); break;
      case 1: n += r.Pick(kTrade); break;
      case 2: n += std::string("-") + r.Pick(kWord); break;
      default: n += std::to_string(r.Range(1, 99)); break;
    }
    return n + "." + kTld[r.Weighted(kTldWeight)];
  }

  // PersonLocal - "first.last", "flast", "first"... local parts.
  static std::string PersonLocal(Rng& r) {
    const std::string f = r.Pick(kFirst), l = r.Pick(kLast);
    switch (r.Below(10)) {
      case 0: case 1: case 2: case 3: return f + "." + l;
      case 4: case 5: return f.substr(0, 1) + l;
      case 6: return f;
      case 7: return f + "_" + l;
      case 8: return f + l.substr(0, 1);
      default: return f + "." + l + std::to_string(r.Range(1, 99));
    }
  }

  void BuildDomains(Rng& r) {
    std::unordered_set<std::string> seen;
    for (int p = 0; p < kNumProviders; ++p) {
      RemoteDomain d;
      d.name = kProviders[p];
      d.style = kProviderStyle[p];
      d.n_mx = 2;
      for (int i = 0; i < 2; ++i) {
        d.mx[i] = "mx" + std::to_string(i + 1) + "." + d.name;
        d.mx_addr[i] = RandomIPv4(r);
      }
      seen.insert(d.name);
      domains.push_back(std::move(d));
    }
    const int kDomains = 1200;
    while (static_cast<int>(domains.size()) < kDomains) {
      RemoteDomain d;
      d.name = BusinessName(r);
      if (!seen.insert(d.name).second) continue;
      if (r.Chance(Ppm(0.35))) {  // hosted at a provider: the provider's MX
        const int p = static_cast<int>(r.Below(kNumProviders));
        std::string dashed = d.name;
        for (char& c : dashed)
          if (c == '.') c = '-';
        d.mx[0] = dashed + ".in." + kProviders[p];
        d.mx_addr[0] = domains[p].mx_addr[r.Below(2)];
        d.style = kProviderStyle[p];
        d.provider = p;
      } else {
        static const char* kMx[] = {"mx", "mail", "mx1", "smtp", "mx01"};
        d.mx[0] = std::string(r.Pick(kMx)) + "." + d.name;
        d.mx_addr[0] = RandomIPv4(r);
        if (r.Chance(Ppm(0.3))) {
          d.n_mx = 2;
          d.mx[1] = "mx2." + d.name;
          d.mx_addr[1] = RandomIPv4(r);
        }
        d.style = r.Chance(Ppm(0.6)) ? MtaStyle::kPostfix : (r.Chance(Ppm(0.5)) ? MtaStyle::kExim : MtaStyle::kGeneric);
      }
      domains.push_back(std::move(d));
    }
    // Trouble lives in the unpopular tail (the last 10% of domains), and
    // only on self-hosted servers: the providers' MX farms stay up.
    for (size_t i = domains.size() * 9 / 10; i < domains.size(); ++i) {
      RemoteDomain& d = domains[i];
      if (d.provider >= 0) continue;
      const uint64_t x = r.Below(100);
      d.cls = x < 30 ? DomainClass::kDead : x < 55 ? DomainClass::kFlaky : x < 80 ? DomainClass::kGreylist : DomainClass::kNormal;
      d.dead = static_cast<DeadKind>(r.Below(3));
    }
    // A few popular self-hosted domains greylist first contacts too.
    for (size_t i = kNumProviders; i < domains.size() / 2; ++i)
      if (domains[i].provider < 0 && r.Chance(Ppm(0.04))) domains[i].cls = DomainClass::kGreylist;
  }

  void BuildMtas(Rng& r) {
    // Provider outbound farms: 25 hosts each, some IPv6.
    for (int p = 0; p < kNumProviders; ++p) {
      for (int i = 0; i < 25; ++i) {
        Peer h;
        const bool v6 = r.Chance(Ppm(0.3));
        h.addr = v6 ? RandomIPv6(r) : RandomIPv4(r);
        h.name = "mail-" + RandomAlnum(r, 3);
        h.name += std::to_string(r.Range(1, 99)) + ".out." + kProviders[p];
        h.helo = h.name;
        domains[p].out_hosts.push_back(static_cast<uint32_t>(mtas.size()));
        mtas.push_back(std::move(h));
      }
    }
    for (size_t i = kNumProviders; i < domains.size(); ++i) {
      RemoteDomain& d = domains[i];
      if (d.provider >= 0) {  // provider-hosted: the provider's outbound farm
        d.out_hosts = domains[d.provider].out_hosts;
        continue;
      }
      Peer h;
      h.addr = d.mx_addr[0];
      h.name = d.mx[0];
      h.helo = h.name;
      if (r.Chance(Ppm(0.08))) {  // broken forward DNS: smtpd logs "unknown"
        h.ptr = h.name;
        h.name = "unknown";
      }
      d.out_hosts.push_back(static_cast<uint32_t>(mtas.size()));
      mtas.push_back(std::move(h));
    }
    // Bots: mostly without reverse DNS.
    for (int i = 0; i < 2500; ++i) {
      Peer h;
      h.addr = RandomIPv4(r);
      const uint64_t k = r.Below(100);
      if (k < 55) {
        h.name = "unknown";
      } else if (k < 85) {
        h.name = DashedIp(h.addr) + "." + r.Pick(kIsp);
      } else {
        h.name = "unknown";
        h.ptr = "host-" + DashedIp(h.addr) + "." + r.Pick(kIsp);
      }
      static const char* kHelo[] = {"User", "localhost", "ylmf-pc", "WIN-", "mail.", "", "["};
      const std::string kind = r.Pick(kHelo);
      if (kind == "WIN-") h.helo = "WIN-" + RandomAlnum(r, 11);
      else if (kind == "mail.") h.helo = "mail." + BusinessName(r);
      else if (kind == "[") h.helo = "[" + h.addr + "]";
      else if (kind.empty()) h.helo = h.name == "unknown" ? RandomAlnum(r, 8) + ".com" : h.name;
      else h.helo = kind;
      spam_hosts.push_back(std::move(h));
    }
    for (int i = 0; i < 400; ++i) {
      Peer h;
      h.addr = i % 10 < 6 && i >= 10 ? attackers[i - 10].addr.substr(0, attackers[i - 10].addr.rfind('.') + 1) +
                                          std::to_string(r.Range(1, 254))
                                    : RandomIPv4(r);
      h.name = "unknown";
      h.helo = r.Chance(Ppm(0.5)) ? "User" : "[" + h.addr + "]";
      attackers.push_back(std::move(h));
    }
  }

  void BuildUsers(Rng& r) {
    for (int i = 0; i < 900; ++i) {
      Peer c;
      const uint64_t k = r.Below(10);
      c.addr = k == 9 ? RandomIPv6(r) : RandomIPv4(r);
      c.name = k < 4 || k == 9 ? "unknown" : DashedIp(c.addr) + "." + r.Pick(kIsp);
      c.helo = r.Chance(Ppm(0.5)) ? "[" + c.addr + "]" : "laptop-" + RandomAlnum(r, 6);
      user_clients.push_back(std::move(c));
    }
    std::unordered_set<std::string> seen;
    static constexpr uint32_t kDomainWeight[] = {45, 25, 20, 10};
    uint32_t uid = 1000;
    while (users.size() < 1200) {
      LocalUser u;
      u.domain = static_cast<uint32_t>(r.Weighted(kDomainWeight));
      u.local = PersonLocal(r);
      u.addr = u.local + "@" + local_domains[u.domain].name;
      if (!seen.insert(u.addr).second) continue;
      u.uid = uid++;
      u.client = static_cast<uint32_t>(r.Below(user_clients.size()));
      users.push_back(std::move(u));
    }
    // Aliases: role addresses on every domain expanding to 1-3 mailboxes.
    static const char* kAlias[] = {"postmaster", "abuse", "hostmaster", "webmaster", "info", "sales",
                                   "support", "billing", "hr", "office", "team", "noc", "security", "jobs"};
    for (uint32_t d = 0; d < local_domains.size(); ++d) {
      std::vector<uint32_t> members;
      for (uint32_t i = 0; i < users.size(); ++i)
        if (users[i].domain == d) members.push_back(i);
      for (const char* a : kAlias) {
        if (d > 0 && r.Chance(Ppm(0.5))) continue;
        Alias al;
        al.addr = std::string(a) + "@" + local_domains[d].name;
        const int n = r.Chance(Ppm(0.7)) ? 1 : static_cast<int>(r.Range(2, 3));
        for (int k = 0; k < n; ++k) al.targets.push_back(members[r.Below(members.size())]);
        aliases.push_back(std::move(al));
      }
    }
    static const char* kLogins[] = {"admin", "test", "info", "user", "support", "sales", "webmaster", "root",
                                    "postmaster", "office", "contact", "mail", "guest", "backup", "scanner",
                                    "noreply", "marketing", "demo", "oracle", "ftp"};
    for (const char* l : kLogins) guessed_logins.push_back(l);
    for (int i = 0; i < 60; ++i) {
      const LocalUser& u = users[r.Skewed(users.size())];
      guessed_logins.push_back(r.Chance(Ppm(0.5)) ? u.addr : u.local);
    }
  }

  void BuildPeople(Rng& r) {
    std::unordered_set<std::string> seen;
    while (people.size() < 4000) {
      Person p;
      p.domain = static_cast<uint32_t>(r.Skewed(domains.size()));
      const std::string local = r.Chance(Ppm(0.12)) ? std::string(r.Pick(kRoles)) : PersonLocal(r);
      p.addr = local + "@" + domains[p.domain].name;
      if (!seen.insert(p.addr).second) continue;
      people.push_back(std::move(p));
    }
    // Popular correspondents are at popular domains: order by domain rank.
    std::stable_sort(people.begin(), people.end(), [](const Person& a, const Person& b) { return a.domain < b.domain; });
  }

  void BuildBad(Rng& r) {
    static const char* kSpamLocal[] = {"promo", "offers", "deals", "newsletter", "noreply", "winner",
                                       "support", "security", "billing", "admin", "service", "info"};
    for (int i = 0; i < 1500; ++i) {
      const uint64_t k = r.Below(10);
      std::string local = k < 5 ? std::string(r.Pick(kSpamLocal)) : RandomAlnum(r, static_cast<int>(r.Range(5, 12)));
      if (k < 5) local += std::to_string(r.Range(1, 999));
      std::string dom = k == 9 ? local_domains[r.Below(2)].name : RandomAlnum(r, static_cast<int>(r.Range(5, 10)));
      if (k != 9) dom += std::string(".") + kTld[r.Weighted(kTldWeight)];
      spam_senders.push_back(local + "@" + dom);
    }
    for (int i = 0; i < 300; ++i) {
      std::string a = RandomAlnum(r, 7) + "@";
      a += RandomAlnum(r, 9);
      a += r.Chance(Ppm(0.5)) ? ".com" : ".info";
      bad_senders.push_back(std::move(a));
    }
    std::unordered_set<std::string> locals;
    for (const LocalUser& u : users) locals.insert(u.local);
    while (unknown_rcpts.size() < 300) {
      std::string l = r.Chance(Ppm(0.3)) ? std::string(r.Pick(kFirst)) : PersonLocal(r);
      if (l.find_first_of("._") == std::string::npos && l.size() > 0 && !std::isdigit(static_cast<unsigned char>(l.back())))
        l += std::to_string(r.Range(1, 9));
      if (!locals.count(l)) unknown_rcpts.push_back(std::move(l));
    }
  }
};

// ---------------------------------------------------------------------------
// Queue IDs.

struct QueueId {
  char s[20];
  uint8_t len = 0;
  uint32_t inode = 0;
  std::string_view view() const { return {s, len}; }
};

class QueueIds {
 public:
  QueueIds(uint64_t seed, bool long_ids) : rng_(seed), long_(long_ids) { Grow(); }

  // Acquire - a new queue ID for a queue file created at t_us.
  QueueId Acquire(int64_t t_us) {
    if (free_.empty()) Grow();
    const size_t i = rng_.Below(free_.size());
    const uint32_t inode = free_[i];
    free_[i] = free_.back();
    free_.pop_back();
    QueueId q;
    q.inode = inode;
    const uint64_t usec = static_cast<uint64_t>(t_us % kSecond), sec = static_cast<uint64_t>(t_us / kSecond);
    if (long_) {
      Encode(&q, sec, 52, 6);
      Encode(&q, usec, 52, 4);
      q.s[q.len++] = 'z';
      Encode(&q, inode, 51, 0);
    } else {
      static const char* kHex = "0123456789ABCDEF";
      for (int sh = 16; sh >= 0; sh -= 4) q.s[q.len++] = kHex[(usec >> sh) & 15];
      char tmp[8];
      int n = 0;
      for (uint32_t v = inode; v; v >>= 4) tmp[n++] = kHex[v & 15];
      while (n) q.s[q.len++] = tmp[--n];
    }
    return q;
  }

  // Release - the queue file is gone; its inode may be reused.
  void Release(const QueueId& q) { free_.push_back(q.inode); }

 private:
  // Encode - safe_ultostr(): base-52/51 digits of the vowel-free alphabet, left-padded with '0'.
  static void Encode(QueueId* q, uint64_t v, unsigned base, int pad) {
    static const char* kSafe = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
    char tmp[16];
    int n = 0;
    do {
      tmp[n++] = kSafe[v % base];
      v /= base;
    } while (v);
    while (n < pad) tmp[n++] = '0';
    while (n) q->s[q->len++] = tmp[--n];
  }
  // Grow - adds 128K more inode numbers; the first batch straddles 0x100000 so short IDs are 10 or 11 characters.
  void Grow() {
    const uint32_t base = 0xF0000 + next_batch_ * 0x20000;
    for (uint32_t i = 0; i < 0x20000; ++i) free_.push_back(base + i);
    ++next_batch_;
  }

  Rng rng_;
  bool long_;
  uint32_t next_batch_ = 0;
  std::vector<uint32_t> free_;
};

// ---------------------------------------------------------------------------
// Processes.

// PidSource - the kernel's PID counter; other processes consume PIDs too.
class PidSource {
 public:
  explicit PidSource(uint32_t start) : next_(start) {}
  uint32_t Next(Rng& r) {
    next_ += 1 + static_cast<uint32_t>(r.Below(6));
    if (next_ >= 4194304) next_ = 300 + next_ % 1000;
    return next_;
  }

 private:
  uint32_t next_;
};

// ProcPool - a daemon type with a few long-lived, reused processes.
class ProcPool {
 public:
  ProcPool(PidSource* pids, Rng* r, int size, int max_use) : pids_(pids), r_(r), max_use_(max_use) {
    for (int i = 0; i < size; ++i) slots_.push_back({pids_->Next(*r_), static_cast<int>(r_->Below(max_use))});
  }
  // Pick - the PID of the process serving the next request.
  uint32_t Pick() {
    Slot& s = slots_[r_->Below(slots_.size())];
    if (++s.uses > max_use_) s = {pids_->Next(*r_), 1};
    return s.pid;
  }

 private:
  struct Slot {
    uint32_t pid;
    int uses;
  };
  PidSource* pids_;
  Rng* r_;
  int max_use_;
  std::vector<Slot> slots_;
};

// SessionProcs - smtpd-like daemons: one client per process at a time.
class SessionProcs {
 public:
  SessionProcs(PidSource* pids, Rng* r) : pids_(pids), r_(r) {}
  // Acquire - an idle process (one that has not exited), or a new one.
  uint32_t Acquire(int64_t now) {
    while (!idle_.empty()) {
      const Idle it = idle_.back();
      idle_.pop_back();
      if (now - it.since < 100 * kSecond) {
        uses_[it.pid] = it.uses;
        return it.pid;
      }
    }
    const uint32_t pid = pids_->Next(*r_);
    uses_[pid] = 0;
    return pid;
  }
  // Release - the session is over; the process idles until reused or max_use.
  void Release(uint32_t pid, int64_t now) {
    const int uses = uses_[pid] + 1;
    uses_.erase(pid);
    if (uses < 100) idle_.push_back({pid, uses, now});
  }

 private:
  struct Idle {
    uint32_t pid;
    int uses;
    int64_t since;
  };
  PidSource* pids_;
  Rng* r_;
  std::vector<Idle> idle_;
  std::unordered_map<uint32_t, int> uses_;
};

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_WORLD_H_
