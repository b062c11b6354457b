// loggen.cc - maillens-loggen: a deterministic generator of realistic Postfix
// and Dovecot logs for benchmarking maillens against pflogsumm.
//
// The generator simulates one mail server (Postfix 3.7 with postscreen,
// submission and SMTPS, four local domains delivered by local, virtual, lmtp
// and pipe, Dovecot IMAP/POP3/LMTP) on a clock that runs for --days days or
// until --size bytes / --lines lines are written. Traffic arrives as Poisson
// streams whose rate follows the hour of day and the day of the week:
// legitimate inbound mail, spam and scanners, our users' submissions, local
// pickup mail, SASL and IMAP brute force, IMAP logins, stray warnings. Every
// connection and every queued message is a coroutine on one event clock
// (loggen_sched.h), so many sessions are in flight at once and the lines come
// out sorted by time, as syslog writes them. The deferred queue starts
// populated (as on any real server) and is retried, delivered or expired.
//
// Determinism: one seed drives one integer-only random stream; the same seed
// and options give byte-identical output. Pools are bounded (loggen_world.h),
// so consumers' memory does not grow with the log size.
//
// Usage: maillens-loggen [--size BYTES[k|M|G]] [--lines N] [--seed N] [--rfc3339]
//        [--mixed-timestamps] [--long-queue-ids] [--start "YYYY-MM-DD hh:mm:ss"]
//        [--days D] [--host NAME] [--utc-offset +hh:mm] [--spam-wave HOURS] [--bounce-storm HOURS]
//        [--provider-block HOURS] [--queue-pileup HOURS] [--rate SCALE] [-o FILE] [-v]
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "loggen_auth.h"
#include "loggen_mail.h"
#include "loggen_output.h"
#include "loggen_sched.h"
#include "loggen_sim.h"
#include "loggen_smtpd.h"
#include "loggen_world.h"

namespace loggen {
namespace {

// Traffic streams and their volume on an average weekday at rate scale 1.
enum class Stream : uint8_t { kLegit, kSpam, kSubmission, kPickup, kSaslAttack, kImap, kImapAttack, kWarning };
struct StreamSpec {
  Stream stream;
  Profile profile;
  int64_t per_day;
};
constexpr StreamSpec kStreams[] = {
    {Stream::kLegit, Profile::kBusiness, 21000},   {Stream::kSpam, Profile::kFlat, 26000},
    {Stream::kSubmission, Profile::kBusiness, 6500}, {Stream::kPickup, Profile::kFlat, 1500},
    {Stream::kSaslAttack, Profile::kFlat, 24},     {Stream::kImap, Profile::kConsumer, 8000},
    {Stream::kImapAttack, Profile::kFlat, 14},     {Stream::kWarning, Profile::kFlat, 150},
};

// Calibration: bytes and lines written per "weight-minute" at rate scale 1
// (a weekday is 1440 minutes at ~1000 per mille); measured, see README.md.
constexpr int64_t kBytesPerWeightMinute = 58;  // ~76 MB per weekday, ~50 MB per weekend day
constexpr int64_t kLinesPerWeightMinute = 40;  // in 1/100 lines: ~0.4 lines per weight-minute
constexpr int64_t kBacklogPerScale = 60;       // deferred-queue messages at start, scale 1

// MiscWarning - one of the stray warnings every server logs now and then.
Proc MiscWarning(Sim& sim) {
  Rng& g = sim.rng;
  const uint64_t kind = g.Below(5);
  if (kind == 2) {
    sim.Log(kPostscreen).S("warning: dnsblog reply timeout 10s for bl.spamcop.net").End();
    co_return;
  }
  if (kind == 3) {
    const RemoteDomain& d = sim.world.domains[sim.world.domains.size() - 1 - g.Below(sim.world.domains.size() / 10)];
    sim.Log(kSmtp, sim.smtp.Pick()).S("warning: no MX host for ").S(d.name).S(" has a valid address record").End();
    co_return;
  }
  // The rest happen inside an smtpd session of their own.
  Session s;
  s.peer = kind == 4 ? &g.Pick(sim.world.user_clients) : &g.Pick(sim.world.spam_hosts);
  s.prog = kind == 4 ? kSubmission : kSmtpd;
  SessionProcs& procs = kind == 4 ? sim.submission : sim.smtpd;
  s.pid = procs.Acquire(sim.now());
  const Peer& p = *s.peer;
  Connect(sim, s, kind == 4);
  co_await sim.sched.Sleep(g.Range(1000, 900000));
  switch (kind) {
    case 0:  // a client that gives up during the TLS handshake
      s.st.Ok(SmtpStats::kEhlo);
      s.st.Fail(SmtpStats::kStarttls);
      sim.Log(s.prog, s.pid).S("warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while "
                               "reading:../ssl/record/rec_layer_s3.c:317:").End();
      sim.Log(s.prog, s.pid).S("lost connection after STARTTLS from ").NA(p.name, p.addr).End();
      break;
    case 1:  // anvil(8) says no: smtpd hangs up with 421 before any command
      sim.Log(s.prog, s.pid).S("warning: Connection rate limit exceeded: ").U(static_cast<uint64_t>(g.Range(31, 90)))
          .S(" from ").NA(p.name, p.addr).S(" for service smtp").End();
      break;
    default:  // Dovecot's auth service went away under a user's AUTH
      s.st.Ok(SmtpStats::kEhlo);
      sim.Log(s.prog, s.pid).S("warning: ").NA(p.name, p.addr)
          .S(": SASL PLAIN authentication failed: Connection lost to authentication server").End();
      s.st.Fail(SmtpStats::kAuth);
      s.st.Ok(SmtpStats::kQuit);
      break;
  }
  co_await sim.sched.Sleep(g.Range(1000, 200000));
  Disconnect(sim, s);
  procs.Release(s.pid, sim.now());
}

// Arrivals - starts one actor of a stream after each exponential gap.
Proc Arrivals(Sim& sim, StreamSpec spec) {
  for (;;) {
    co_await sim.sched.Sleep(sim.rng.Exp(sim.MeanGap(spec.profile, spec.per_day)) + 1);
    switch (spec.stream) {
      case Stream::kLegit:
        sim.sched.Start(InboundLegit(sim, static_cast<uint32_t>(sim.rng.Popular(sim.world.people.size())), ""));
        break;
      case Stream::kSpam: sim.sched.Start(InboundSpam(sim)); break;
      case Stream::kSubmission: sim.sched.Start(SubmissionSession(sim)); break;
      case Stream::kPickup: sim.sched.Start(PickupMessage(sim)); break;
      case Stream::kSaslAttack: sim.sched.Start(SaslAttack(sim)); break;
      case Stream::kImap: sim.sched.Start(ImapUser(sim)); break;
      case Stream::kImapAttack: sim.sched.Start(ImapAttack(sim)); break;
      case Stream::kWarning: sim.sched.Start(MiscWarning(sim)); break;
    }
  }
}

// kWaveUser - the account the --spam-wave scenario compromises: popular
// enough to have a sending history before the wave.
constexpr size_t kWaveUser = 3;

// SpamWave - --spam-wave: a compromised account. From the given offset, for
// two hours, spammers log in as one of our users from fresh IP addresses
// (a new one per session, mostly) and send 1-3 messages per session to
// 20-60 recipients each, drawn from all known remote people.
Proc SpamWave(Sim& sim, int64_t at) {
  co_await sim.sched.Sleep(at);
  Rng& g = sim.rng;
  const LocalUser& u = sim.world.users[kWaveUser];
  const int64_t end = sim.now() + 2 * kHour;
  std::vector<Peer> bots;
  while (sim.now() < end) {
    co_await sim.sched.Sleep(g.Range(10 * kSecond, 40 * kSecond));
    if (bots.empty() || g.Chance(Ppm(0.8))) {
      Peer p;
      p.addr = RandomIPv4(g);
      p.name = "unknown";
      p.helo = "User";
      bots.push_back(std::move(p));
    }
    Session s;
    s.prog = kSubmission;
    s.peer = &bots[g.Below(bots.size())];
    s.pid = sim.submission.Acquire(sim.now());
    Connect(sim, s, true);
    co_await sim.sched.Sleep(g.Range(20000, 300000));
    s.st.Ok(SmtpStats::kAuth);
    const int msgs = static_cast<int>(g.Range(1, 3));
    for (int k = 0; k < msgs; ++k) {
      MailSpec spec;
      spec.from = u.addr;
      spec.sasl_method = "LOGIN";
      spec.sasl_user = u.addr;
      spec.msgid_domain = sim.world.local_domains[u.domain].name;
      const int n = static_cast<int>(g.Range(20, 60));
      for (int i = 0; i < n; ++i) {
        RcptSpec r;
        r.to = sim.world.people[g.Below(sim.world.people.size())].addr;
        spec.rcpts.push_back(std::move(r));
      }
      co_await Transaction(sim, s, spec);
    }
    s.st.Ok(SmtpStats::kQuit);
    Disconnect(sim, s);
    sim.submission.Release(s.pid, sim.now());
  }
}

// Housekeeping - anvil's 10-minute statistics, the daily log-rotation reload.
Proc Housekeeping(Sim& sim) {
  Rng& g = sim.rng;
  int64_t next_reload = (sim.now() / kDay) * kDay + 6 * kHour + 25 * kMinute;
  if (next_reload <= sim.now()) next_reload += kDay;
  for (;;) {
    co_await sim.sched.Sleep(600 * kSecond + g.Range(0, 3 * kSecond));
    const Peer& busy = g.Pick(sim.world.spam_hosts);
    const Peer& att = g.Pick(sim.world.attackers);
    auto at = [&](Writer& w) { w.S(" at ").Stamp15(sim.now() - g.Range(0, 590) * kSecond).End(); };
    at(sim.Log(kAnvil).S("statistics: max connection rate ").U(g.Range(1, 40)).S("/60s for (smtp:").S(busy.addr)
           .S(")"));
    at(sim.Log(kAnvil).S("statistics: max connection count ").U(g.Range(1, 6)).S(" for (smtp:").S(busy.addr).S(")"));
    if (g.Chance(Ppm(0.3)))
      at(sim.Log(kAnvil).S("statistics: max auth rate ").U(g.Range(2, 30)).S("/60s for (submission:").S(att.addr)
             .S(")"));
    at(sim.Log(kAnvil).S("statistics: max cache size ").U(g.Range(2, 60)));
    if (sim.now() >= next_reload) {
      next_reload += kDay;
      sim.Log(kPostfixScript, sim.pids.Next(g)).S("refreshing the Postfix mail system").End();
      co_await sim.sched.Sleep(g.Range(50000, 300000));
      sim.Log(kMaster).S("reload -- version 3.7.11, configuration /etc/postfix").End();
      sim.Respawn(kQmgr);
      sim.Respawn(kPickup);
      sim.Respawn(kAnvil);
    }
  }
}

// Startup - the first lines: Postfix and Dovecot starting.
Proc Startup(Sim& sim) {
  sim.Log(kPostfixScript, sim.pids.Next(sim.rng)).S("starting the Postfix mail system").End();
  co_await sim.sched.Sleep(sim.rng.Range(5000, 40000));
  sim.Log(kMaster).S("daemon started -- version 3.7.11, configuration /etc/postfix").End();
  co_await sim.sched.Sleep(sim.rng.Range(100000, 900000));
  sim.Log(kDovecot).S("master: Dovecot v2.3.19.1 (9b53102964) starting up for imap, pop3, lmtp (core dumps disabled)")
      .End();
}

// SeedBacklog - the deferred queue as it stands when the log starts: mail
// to dead or flaky domains that arrived up to five days ago.
void SeedBacklog(Sim& sim) {
  Rng& g = sim.rng;
  std::vector<uint32_t> stuck;  // people at domains that are down
  for (uint32_t i = 0; i < sim.world.people.size(); ++i) {
    const DomainClass c = sim.world.domains[sim.world.people[i].domain].cls;
    if (c == DomainClass::kDead || c == DomainClass::kFlaky) stuck.push_back(i);
  }
  if (stuck.empty()) return;
  const int64_t n = kBacklogPerScale * sim.scale_q16 >> 16;
  for (int64_t k = 0; k < n; ++k) {
    auto m = std::make_unique<Message>();
    const int64_t age = g.Range(10 * kMinute, kQueueLifetime - kMinute);
    m->arrival = sim.now() - age;
    m->qid = sim.qids.Acquire(m->arrival);
    const LocalUser& u = sim.world.users[g.Popular(sim.world.users.size())];
    m->from = u.addr;
    m->msgid = RemoteMsgId(sim, sim.world.local_domains[u.domain].name);
    m->size = DrawSize(g);
    Rcpt r;
    r.to = sim.world.people[stuck[g.Below(stuck.size())]].addr;
    PlanRcpt(sim, r, false);
    r.forever = true;
    if (sim.world.domains[static_cast<size_t>(r.domain)].cls == DomainClass::kFlaky && g.Chance(Ppm(0.5))) {
      r.forever = false;  // this one gets through eventually
      r.defers = static_cast<uint8_t>(g.Range(0, 3));
    }
    m->rcpts.push_back(std::move(r));
    m->attempts = static_cast<int>(std::min<int64_t>(age / kMaxBackoff + 1, 200));
    // The first retry comes after Postfix has started (the startup lines take about a second).
    Enqueue(sim, std::move(m), g.Range(2 * kSecond, std::max<int64_t>(std::min<int64_t>(age, kMaxBackoff + kQueueRun), 3 * kSecond)));
  }
}

// WeightIntegral - sum of the business profile's per-minute weights over [from, to).
int64_t WeightIntegral(int64_t from, int64_t to) {
  int64_t w = 0;
  for (int64_t t = from; t < to; t += kMinute) w += WeightPermille(Profile::kBusiness, t);
  return w;
}

// RateController - with --days and a size, nudges the rate scale every
// simulated hour so that the target is reached when the clock runs out.
Proc RateController(Sim& sim, int64_t start, int64_t end, uint64_t target, bool count_lines) {
  const int64_t total_w = WeightIntegral(start, end);
  int64_t done_w = 0;
  for (;;) {
    const int64_t from = sim.now();
    co_await sim.sched.Sleep(kHour);
    done_w += WeightIntegral(from, sim.now());
    const uint64_t produced = count_lines ? sim.out.lines() : sim.out.bytes();
    const int64_t left_w = total_w - done_w;
    if (produced < target / 200 || left_w <= 0 || produced >= target) continue;
    // Rate needed for the rest, relative to the average rate so far.
    const __int128 want = static_cast<__int128>(target - produced) * done_w;
    const __int128 have = static_cast<__int128>(produced) * left_w;
    int64_t ratio = static_cast<int64_t>(want * 65536 / (have ? have : 1));
    ratio = std::clamp<int64_t>(ratio, 52429, 81920);  // 0.8 .. 1.25 per hour
    sim.scale_q16 = std::max<int64_t>(sim.scale_q16 * (65536 + ratio) / 2 / 65536, 64);
  }
}

// ---------------------------------------------------------------------------
// Command line.

[[noreturn]] void Usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: maillens-loggen [options]\n"
               "  --size BYTES        stop before BYTES of output (suffix k, M, G: powers of 1024)\n"
               "  --lines N           stop after N lines\n"
               "  --days D            simulate D days (with --size/--lines: spread them over D days)\n"
               "                      (no limit at all: --days 1)\n"
               "  --seed N            random seed (default 1); same seed + options = same bytes\n"
               "  --start TIME        \"YYYY-MM-DD hh:mm:ss\" local time of the first line (default 2026-11-02 00:00:00)\n"
               "  --rfc3339           RFC 3339 timestamps (2026-11-02T03:04:05.123456+00:00)\n"
               "  --mixed-timestamps  each line traditional or RFC 3339 at random\n"
               "  --utc-offset +hh:mm offset printed in RFC 3339 stamps (default +00:00)\n"
               "  --long-queue-ids    Postfix long queue IDs (enable_long_queue_ids = yes)\n"
               "  --host NAME         syslog host name (default mx)\n"
               "  --spam-wave HOURS   HOURS after the start, a compromised account sends spam for two hours\n"
               "                      from new IP addresses (-v names the account)\n"
               "  --bounce-storm HOURS  HOURS after the start, one recipient domain bounces (5.1.1) for two hours\n"
               "  --provider-block HOURS  HOURS after the start, the biggest provider defers everything (4.7.0\n"
               "                      \"rate limited\") for two hours\n"
               "  --queue-pileup HOURS  HOURS after the start, the relay is down: every outbound attempt deferred\n"
               "                      for two hours (-v names the domains and times of each incident)\n"
               "  --rate SCALE        fixed traffic scale (1 = ~76 MB a weekday), instead of one driven by --size\n"
               "  -o FILE             write to FILE instead of standard output\n"
               "  -v                  print a summary on standard error\n");
  std::exit(code);
}

[[noreturn]] void Die(const char* what, const char* arg) {
  std::fprintf(stderr, "maillens-loggen: %s: %s\n", what, arg);
  std::exit(2);
}

// ParseCount - a decimal count with an optional k/M/G (1024-based) suffix.
uint64_t ParseCount(const char* s, bool suffixes) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || errno || *s == '-') Die("bad number", s);
  uint64_t mult = 1;
  if (suffixes && *end) {
    switch (*end++) {
      case 'k': case 'K': mult = 1ull << 10; break;
      case 'm': case 'M': mult = 1ull << 20; break;
      case 'g': case 'G': mult = 1ull << 30; break;
      default: Die("bad size suffix", s);
    }
    if (*end == 'B' || *end == 'b') ++end;
  }
  if (*end) Die("bad number", s);
  return static_cast<uint64_t>(v) * mult;
}

// ParseStart - "YYYY-MM-DD[ hh:mm[:ss]]" (or with 'T') to microseconds.
int64_t ParseStart(const char* s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  char sep = ' ';
  const int n = std::sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &sep, &h, &mi, &se);
  if (n < 3 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1971 || y > 9999 ||
      (n > 3 && sep != ' ' && sep != 'T'))
    Die("bad --start (want \"YYYY-MM-DD hh:mm:ss\")", s);
  return (DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se) *
         kSecond;
}

// ParseRate - a positive decimal scale ("0.1") to Q16.
int64_t ParseRate(const char* s) {
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s, &end);
  if (end == s || *end || errno || !(v >= 0.001 && v <= 1000)) Die("bad --rate (want 0.001 .. 1000)", s);
  return static_cast<int64_t>(v * 65536);
}

// ParseOffset - validates "+hh:mm" / "-hh:mm".
std::string ParseOffset(const char* s) {
  if (std::strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !std::isdigit(s[1]) ||
      !std::isdigit(s[2]) || !std::isdigit(s[4]) || !std::isdigit(s[5]))
    Die("bad --utc-offset (want +hh:mm)", s);
  return s;
}

// ParseArgs - fills a Config from argv; exits on errors.
Config ParseArgs(int argc, char** argv, bool* verbose) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string opt = argv[i];
    std::string val;
    bool has_val = false;
    if (opt.starts_with("--") && opt.find('=') != std::string::npos) {
      val = opt.substr(opt.find('=') + 1);
      opt = opt.substr(0, opt.find('='));
      has_val = true;
    }
    auto value = [&]() -> const char* {
      if (has_val) return val.c_str();
      if (i + 1 >= argc) Die("missing value for", opt.c_str());
      return argv[++i];
    };
    if (opt == "--size") c.max_bytes = ParseCount(value(), true);
    else if (opt == "--lines") c.max_lines = ParseCount(value(), false);
    else if (opt == "--seed") c.seed = ParseCount(value(), false);
    else if (opt == "--days") c.days = static_cast<int64_t>(ParseCount(value(), false));
    else if (opt == "--start") c.start_us = ParseStart(value());
    else if (opt == "--host") c.host = value();
    else if (opt == "--utc-offset") c.utc_offset = ParseOffset(value());
    else if (opt == "-o" || opt == "--output") c.out_path = value();
    else if (opt == "--rfc3339") c.style = StampStyle::kRfc3339;
    else if (opt == "--mixed-timestamps") c.style = StampStyle::kMixed;
    else if (opt == "--long-queue-ids") c.long_ids = true;
    else if (opt == "--spam-wave") c.spam_wave_us = static_cast<int64_t>(ParseCount(value(), false)) * kHour;
    else if (opt == "--bounce-storm") c.bounce_storm_us = static_cast<int64_t>(ParseCount(value(), false)) * kHour;
    else if (opt == "--provider-block") c.provider_block_us = static_cast<int64_t>(ParseCount(value(), false)) * kHour;
    else if (opt == "--queue-pileup") c.queue_pileup_us = static_cast<int64_t>(ParseCount(value(), false)) * kHour;
    else if (opt == "--rate") c.fixed_rate_q16 = ParseRate(value());
    else if (opt == "-v" || opt == "--verbose") *verbose = true;
    else if (opt == "-h" || opt == "--help") Usage(0);
    else Die("unknown option", opt.c_str());
  }
  if (c.host.empty() || c.host.find_first_of(" \t\n") != std::string::npos) Die("bad --host", c.host.c_str());
  if (!c.max_bytes && !c.max_lines && !c.days) c.days = 1;
  if (c.max_bytes && c.max_bytes < 1024) Die("--size too small", "want at least 1k");
  return c;
}

// Run - builds the world, starts the actors and runs the clock; returns the exit code.
int Run(const Config& cfg, bool verbose) {
  std::FILE* f = stdout;
  if (!cfg.out_path.empty()) {
    f = std::fopen(cfg.out_path.c_str(), "wb");
    if (!f) {
      std::fprintf(stderr, "maillens-loggen: %s: %s\n", cfg.out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }
  auto sim = std::make_unique<Sim>(cfg, f);
  const int64_t start = cfg.start_us;
  const int64_t end = cfg.days ? start + cfg.days * kDay : INT64_MAX;
  if (cfg.fixed_rate_q16) {
    sim->scale_q16 = cfg.fixed_rate_q16;
  } else if (cfg.days && (cfg.max_bytes || cfg.max_lines)) {
    // Spread the requested amount over the requested days.
    const int64_t w = WeightIntegral(start, end);
    const __int128 want = cfg.max_bytes ? static_cast<__int128>(cfg.max_bytes) * 65536
                                        : static_cast<__int128>(cfg.max_lines) * 100 * 65536;
    const int64_t per_w = cfg.max_bytes ? kBytesPerWeightMinute : kLinesPerWeightMinute;
    sim->scale_q16 = std::max<int64_t>(static_cast<int64_t>(want / (static_cast<__int128>(w) * per_w)), 64);
    sim->sched.Start(RateController(*sim, start, end, cfg.max_bytes ? cfg.max_bytes : cfg.max_lines, !cfg.max_bytes));
  }
  sim->sched.Start(Startup(*sim));
  SeedBacklog(*sim);
  for (const StreamSpec& s : kStreams) sim->sched.Start(Arrivals(*sim, s), 1);
  sim->sched.Start(Housekeeping(*sim), 1);
  if (cfg.spam_wave_us >= 0) sim->sched.Start(SpamWave(*sim, cfg.spam_wave_us), 1);

  while (!sim->out.full() && sim->sched.RunNext(end)) {
  }
  const bool ok = sim->out.Finish();
  if (verbose) {
    const int64_t span = sim->now() - start;
    if (cfg.spam_wave_us >= 0)
      std::fprintf(stderr, "maillens-loggen: spam wave: account %s from %" PRId64 "h after the start\n",
                   sim->world.users[kWaveUser].addr.c_str(), cfg.spam_wave_us / kHour);
    auto incident = [&](const char* what, int64_t offset, const std::string& domain) {
      if (offset < 0) return;
      const int64_t at = (start + offset) / kSecond;
      std::fprintf(stderr, "maillens-loggen: %s: %s from %" PRId64 "h after the start (epoch %" PRId64 ") for 2h\n",
                   what, domain.c_str(), offset / kHour, at);
    };
    incident("bounce storm", cfg.bounce_storm_us, sim->world.domains[kStormDomain].name);
    incident("provider block", cfg.provider_block_us, sim->world.domains[kBlockedProvider].name);
    incident("queue pile-up", cfg.queue_pileup_us, "all remote domains");
    std::fprintf(stderr,
                 "maillens-loggen: %" PRIu64 " lines, %" PRIu64 " bytes, %" PRId64 "h%02" PRId64
                 " simulated, %" PRIu64 " messages queued, deferred/active queue at end %" PRIu64 " (max %" PRIu64
                 "), rate scale %.3f\n",
                 sim->out.lines(), sim->out.bytes(), span / kHour, span % kHour / kMinute, sim->queued, sim->in_queue,
                 sim->max_in_queue, static_cast<double>(sim->scale_q16) / 65536.0);
  }
  if (f != stdout && std::fclose(f) != 0) return 1;
  if (!ok) {
    std::fprintf(stderr, "maillens-loggen: write error: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace loggen

int main(int argc, char** argv) {
  bool verbose = false;
  const loggen::Config cfg = loggen::ParseArgs(argc, argv, &verbose);
  return loggen::Run(cfg, verbose);
}
