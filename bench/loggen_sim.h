// loggen_sim.h - the shared context every actor of maillens-loggen sees.
//
// Sim bundles the configuration, the main random stream, the world pools,
// the line writer, the event clock, the queue-ID allocator and the process
// tables of each Postfix daemon and Dovecot. It also knows the traffic
// shapes: three diurnal profiles (business hours, flat, evening-heavy
// consumer) with a weekend factor, and the global rate scale that --days
// adjusts so that a given --size spans the requested number of days.
//
// Actors take a Sim& and must not keep references into pools across
// co_await unless the pool is immutable (World is, after Build()).
#ifndef MAILLENS_BENCH_LOGGEN_SIM_H_
#define MAILLENS_BENCH_LOGGEN_SIM_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "loggen_output.h"
#include "loggen_rng.h"
#include "loggen_sched.h"
#include "loggen_world.h"

namespace loggen {

// Program tags as they appear in "host prog[pid]: " (global/mail_task.c "%s/%s").
enum Prog : uint8_t {
  kMaster, kPostfixScript, kSmtpd, kSubmission, kSmtps, kPostscreen, kDnsblog, kCleanup, kQmgr, kPickup, kSmtp,
  kLocal, kVirtual, kLmtp, kPipe, kError, kBounce, kAnvil, kScache, kPostsuper, kDovecot, kNumProgs
};
inline constexpr std::string_view kProgName[kNumProgs] = {
    "postfix/master",  "postfix/postfix-script", "postfix/smtpd",  "postfix/submission/smtpd",
    "postfix/smtps/smtpd", "postfix/postscreen", "postfix/dnsblog", "postfix/cleanup",
    "postfix/qmgr",    "postfix/pickup",         "postfix/smtp",   "postfix/local",
    "postfix/virtual", "postfix/lmtp",           "postfix/pipe",   "postfix/error",
    "postfix/bounce",  "postfix/anvil",          "postfix/scache", "postfix/postsuper",
    "dovecot"};

struct Config {
  uint64_t seed = 1;
  uint64_t max_bytes = 0;  // 0: no byte limit
  uint64_t max_lines = 0;  // 0: no line limit
  int64_t start_us = DaysFromCivil(2026, 11, 2) * kDay;
  int64_t days = 0;  // 0: run until a size/line limit
  StampStyle style = StampStyle::kTraditional;
  bool long_ids = false;
  std::string host = "mx";
  std::string utc_offset = "+00:00";
  std::string out_path;  // empty: stdout
  int64_t spam_wave_us = -1;  // --spam-wave: offset from start of a hacked account's spam run, -1: none
  // Injected incidents of two hours each, offsets from the start (-1: none):
  int64_t bounce_storm_us = -1;    // --bounce-storm: one recipient domain bounces everything (5.x.x)
  int64_t provider_block_us = -1;  // --provider-block: the biggest provider defers everything (4.7.x)
  int64_t queue_pileup_us = -1;    // --queue-pileup: relay down, every outbound attempt deferred
  int64_t fixed_rate_q16 = 0;      // --rate: a fixed traffic scale (Q16), no size-driven controller
};

// Profile - the daily shape of a traffic stream.
enum class Profile : uint8_t { kBusiness, kFlat, kConsumer };

// Hourly weights in per mille of the weekday mean (hour 0 .. 23).
inline constexpr int16_t kHourly[3][24] = {
    {272, 196, 163, 152, 174, 272, 489, 978, 1630, 1957, 2011, 1902, 1576, 1739, 1902, 1848, 1685, 1359, 978, 761,
     652, 543, 435, 326},
    {950, 930, 920, 900, 900, 920, 950, 1000, 1040, 1060, 1070, 1070, 1060, 1060, 1060, 1050, 1040, 1030, 1010, 1000,
     990, 980, 970, 960},
    {300, 150, 100, 80, 80, 150, 500, 1100, 1500, 1500, 1400, 1300, 1300, 1300, 1300, 1300, 1400, 1500, 1600, 1700,
     1700, 1500, 1100, 600}};
inline constexpr int16_t kWeekend[3] = {450, 1000, 800};

// WeightPermille - a profile's rate at time t, per mille of its weekday mean.
inline int64_t WeightPermille(Profile p, int64_t t_us) {
  const int i = static_cast<int>(p);
  const int64_t sod = ((t_us % kDay) + kDay) % kDay;
  const int h = static_cast<int>(sod / kHour);
  const int64_t into = sod % kHour;
  const int64_t a = kHourly[i][h], b = kHourly[i][(h + 1) % 24];
  int64_t w = a + (b - a) * into / kHour;
  const int wd = Weekday(t_us);
  if (wd == 0 || wd == 6) w = w * kWeekend[i] / 1000;
  return w;
}

struct Sim {
  Sim(const Config& c, std::FILE* f)
      : cfg(c),
        rng(c.seed),
        out(f, c.style, c.host, c.utc_offset, SplitSeed(c.seed, 1), c.max_bytes, c.max_lines),
        qids(SplitSeed(c.seed, 2), c.long_ids),
        pids(static_cast<uint32_t>(1000 + c.seed % 20000)),
        cleanup(&pids, &rng, 3, 100), smtp(&pids, &rng, 12, 100), local(&pids, &rng, 2, 100),
        virt(&pids, &rng, 2, 100), lmtp(&pids, &rng, 3, 100), pipe(&pids, &rng, 2, 100), error(&pids, &rng, 1, 100),
        bounce(&pids, &rng, 2, 100), dnsblog(&pids, &rng, 3, 100), dovecot_lmtp(&pids, &rng, 2, 100),
        smtpd(&pids, &rng), submission(&pids, &rng), smtps(&pids, &rng) {
    world.Build(rng, c.host);
    sched.SetNow(c.start_us);
    for (uint32_t& p : single) p = pids.Next(rng);
  }

  int64_t now() const { return sched.now(); }

  // Log - starts a line for program `p` with the given PID.
  Writer& Log(Prog p, uint32_t pid) { return out.Begin(sched.now(), kProgName[p], pid); }
  // Log - starts a line for a program with one long-lived process.
  Writer& Log(Prog p) { return Log(p, single[p]); }
  // Respawn - a long-lived daemon restarts with a new PID (pickup, anvil idle out).
  void Respawn(Prog p) { single[p] = pids.Next(rng); }

  // MeanGap - the mean time between arrivals of a stream of `per_day`
  // events on an average weekday, at the current time and rate scale.
  int64_t MeanGap(Profile p, int64_t per_day) const {
    const int64_t w = WeightPermille(p, sched.now());
    const __int128 den = static_cast<__int128>(per_day) * (w > 5 ? w : 5) * scale_q16;
    return static_cast<int64_t>(static_cast<__int128>(kDay) * 1000 * 65536 / den);
  }

  // SplitSeed - an independent seed for a side stream.
  static uint64_t SplitSeed(uint64_t seed, uint64_t k) {
    uint64_t x = seed ^ (k * 0xD1B54A32D192ED03ull);
    return SplitMix64(&x);
  }

  Config cfg;
  Rng rng;
  World world;
  Writer out;
  Scheduler sched;
  QueueIds qids;
  PidSource pids;
  uint32_t single[kNumProgs] = {};
  ProcPool cleanup, smtp, local, virt, lmtp, pipe, error, bounce, dnsblog, dovecot_lmtp;
  SessionProcs smtpd, submission, smtps;
  int64_t scale_q16 = 65536;  // global traffic rate multiplier, Q16

  // Counters for the end-of-run summary on stderr.
  uint64_t queued = 0, in_queue = 0, max_in_queue = 0;
};

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_SIM_H_
