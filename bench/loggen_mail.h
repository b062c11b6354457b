// loggen_mail.h - queued messages: qmgr, delivery agents, bounces, expiry.
//
// A Message is one queue file. Once a receiving actor (smtpd, pickup,
// bounce, local forwarding, postsuper release) has written its lines, it
// starts QueueMessage(), which plays the queue manager's part:
//   qmgr     "QID: from=<s>, size=N, nrcpt=K (queue active)"
//   agents   "QID: to=<r>, [orig_to=<o>, ]relay=R, [conn_use=N, ]delay=D,
//             delays=a/b/c/d, dsn=X.Y.Z, status=sent|deferred|bounced (text)"
//            from smtp, local, virtual, lmtp (with Dovecot's "saved mail"),
//            pipe and error
//   bounce   "QID: sender non-delivery notification: NEWQID" (the notice is a
//            new Message from=<>; a failed notice yields a postmaster notice)
//   qmgr     "QID: from=<s>, status=expired, returned to sender" after 5 days
//   qmgr     "QID: removed"
// Deferred recipients are retried with Postfix's backoff (300 s doubling to
// 4000 s, plus up to one queue run), each retry starting with a new
// "(queue active)" line that counts only the recipients still queued.
//
// Every recipient's fate (deferrals before success, hard bounce, never
// deliverable) is decided when the message is queued, from its domain's
// class; reply texts follow the remote MTA's style.
//
// SEE ALSO global/log_adhoc.c, global/opened.c, qmgr/qmgr_active.c,
// smtp/smtp_connect.c, smtp/smtp_proto.c, bounce/bounce_notify_service.c.
#ifndef MAILLENS_BENCH_LOGGEN_MAIL_H_
#define MAILLENS_BENCH_LOGGEN_MAIL_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loggen_sim.h"

namespace loggen {

constexpr int64_t kQueueLifetime = 5 * kDay;     // maximal_queue_lifetime, bounce_queue_lifetime
constexpr int64_t kMinBackoff = 300 * kSecond;   // minimal_backoff_time
constexpr int64_t kMaxBackoff = 4000 * kSecond;  // maximal_backoff_time
constexpr int64_t kQueueRun = 300 * kSecond;     // queue_run_delay

struct Rcpt {
  std::string to;       // final address
  std::string orig_to;  // before alias expansion / forwarding; empty if none
  Transport transport = Transport::kLocal;
  int32_t domain = -1;  // remote: World::domains index; -1 = domain that does not exist
  uint8_t defers = 0;   // deferring attempts left before the final one
  bool forever = false; // never deliverable: the message will expire
  bool bounce = false;  // the final attempt fails permanently
  bool forward = false; // local: a .forward sends it on to a remote address
  bool done = false;
};

struct Message {
  QueueId qid;
  std::string from;   // envelope sender; empty for notifications (from=<>)
  std::string msgid;  // with the angle brackets
  int64_t arrival = 0;
  uint32_t size = 0;
  std::vector<Rcpt> rcpts;
  int attempts = 0;
};

// Message sizes in bytes at the 0, 5, 10 .. 95th percentiles (median 6 kB);
// the top 5% (attachments) are log-uniform from 180 kB to 8 MB. Mean ~ 90 kB.
inline constexpr int64_t kSizeQuantiles[] = {350,  900,  1300,  1800,  2300,  2800,  3300,
                                             3900, 4500, 5200,  6000,  7000,  8200,  9800,
                                             12000, 15500, 21000, 32000, 60000, 180000};

// DrawSize - a message size.
inline uint32_t DrawSize(Rng& r) {
  if (r.Chance(Ppm(0.05))) return static_cast<uint32_t>(r.LogUniform(180000, 8000000));
  return static_cast<uint32_t>(r.Quantile(kSizeQuantiles));
}

// LocalPart - the part of an address before '@'.
inline std::string_view LocalPart(std::string_view a) { return a.substr(0, a.find('@')); }
// DomainPart - the part after '@', or "".
inline std::string_view DomainPart(std::string_view a) {
  const size_t at = a.find('@');
  return at == std::string_view::npos ? std::string_view() : a.substr(at + 1);
}

// PostfixMsgId - "<20261102030405.QID@myhostname>", as cleanup makes one up.
inline std::string PostfixMsgId(Sim& sim, const QueueId& q) {
  const Civil c = ToCivil(sim.now() / kSecond);
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d.", c.year, c.month, c.day, c.hour, c.minute, c.second);
  return "<" + std::string(buf) + std::string(q.view()) + "@" + sim.world.myhostname + ">";
}

// RemoteMsgId - a Message-ID in one of the shapes real mailers write.
inline std::string RemoteMsgId(Sim& sim, std::string_view domain) {
  Rng& r = sim.rng;
  static const char* kHex = "0123456789abcdef";
  // Appends n random hex digits. Each draw is its own statement: the operands
  // of + are unsequenced, and compilers would order the draws differently.
  auto hex = [&](std::string* s, int n) {
    for (int i = 0; i < n; ++i) *s += kHex[r.Below(16)];
  };
  const std::string d(domain);
  std::string id = "<";
  switch (r.Below(6)) {
    case 0:  // a UUID
      for (int n : {8, 4, 4, 4, 12}) {
        hex(&id, n);
        id += '-';
      }
      id.back() = '@';
      return id + d + ">";
    case 1: return "<CA" + RandomAlnum(r, 42, true) + "@mail." + d + ">";
    case 2: {
      const Civil c = ToCivil(sim.now() / kSecond);
      char buf[20];
      std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", c.year, c.month, c.day, c.hour, c.minute, c.second);
      return "<" + std::string(buf) + "." + RandomAlnum(r, 10) + "@" + d + ">";
    }
    case 3:
      id += std::to_string(r.Range(100000000, 999999999)) + ".";
      id += std::to_string(r.Range(1000, 99999));
      return id + "." + std::to_string(sim.now() / 1000) + ".JavaMail.app@" + d + ">";
    case 4: return "<" + RandomAlnum(r, 32, true) + "@" + d + ">";
    default:
      hex(&id, 16);
      id += '$';
      hex(&id, 8);
      return id + "@" + d + ">";
  }
}

// PlanRcpt - decides how, and how well, a recipient will be delivered.
inline void PlanRcpt(Sim& sim, Rcpt& r, bool may_forward) {
  Rng& g = sim.rng;
  const std::string dom(DomainPart(r.to));
  if (auto it = sim.world.local_index.find(dom); it != sim.world.local_index.end()) {
    r.transport = sim.world.local_domains[it->second].transport;
    if (g.Chance(Ppm(0.004))) r.defers = static_cast<uint8_t>(g.Range(1, 2));
    if (g.Chance(Ppm(0.002))) r.bounce = true;
    if (may_forward && r.transport == Transport::kLocal && g.Chance(Ppm(0.02))) r.forward = true;
    return;
  }
  r.transport = Transport::kSmtp;
  auto it = sim.world.domain_index.find(dom);
  if (it == sim.world.domain_index.end()) {  // the domain does not exist
    r.domain = -1;
    r.bounce = true;
    return;
  }
  r.domain = static_cast<int32_t>(it->second);
  switch (sim.world.domains[it->second].cls) {
    case DomainClass::kNormal:
      if (g.Chance(Ppm(0.01))) r.defers = 1;
      if (g.Chance(Ppm(0.015))) r.bounce = true;
      break;
    case DomainClass::kGreylist:
      r.defers = 1;
      if (g.Chance(Ppm(0.02))) r.bounce = true;
      break;
    case DomainClass::kFlaky:
      r.defers = static_cast<uint8_t>(g.Range(1, 3));
      if (g.Chance(Ppm(0.05))) r.forever = true;
      break;
    case DomainClass::kDead:
      r.forever = true;
      break;
  }
}

// ---------------------------------------------------------------------------
// One delivery attempt.

enum class Outcome : uint8_t { kSent, kDeferred, kBounced };

// Failure - which reason a failed attempt gives (chosen with its timing).
enum class Failure : uint8_t {
  kNone, kRefused, kTimedOut, kNoHost, kNxDomain, kGreylisted, kLost, kRefusedTalk, kTempData, kTempRcpt,
  kSuspended, kUserUnknown, kPolicy, kLocalTemp, kLocalPerm, kRateLimited
};

struct Attempt {
  int64_t at = 0;  // when the agent logs it
  uint32_t idx = 0;
  Outcome out = Outcome::kSent;
  Failure why = Failure::kNone;
  int64_t b = 0, c = 0, d = 0;  // delays: in qmgr, connection setup, transmission
  int mx = 0;                   // which MX answered (or failed last)
};

// The domains the injected incidents hit (World::domains: the six big providers first).
inline constexpr size_t kBlockedProvider = 0;  // --provider-block: the biggest provider
inline constexpr size_t kStormDomain = 1;      // --bounce-storm: the second one

// During - whether `t` lies in the two hours of an incident starting `offset` after the start.
inline bool During(const Sim& sim, int64_t offset, int64_t t) {
  return offset >= 0 && t >= sim.cfg.start_us + offset && t < sim.cfg.start_us + offset + 2 * kHour;
}

// Inject - the injected incidents (--bounce-storm, --provider-block,
// --queue-pileup) override a remote attempt's outcome while they last. No
// random draw is made outside them, so without them the output is unchanged.
inline void Inject(Sim& sim, Attempt& a, const RemoteDomain& d, size_t domain, int64_t t0) {
  Rng& g = sim.rng;
  if (During(sim, sim.cfg.queue_pileup_us, t0)) {  // our relay is down: nothing gets out
    a.out = Outcome::kDeferred;
    a.why = Failure::kTimedOut;
    a.c = 30 * kSecond + g.Range(0, 400000);
    a.d = 0;
  } else if (During(sim, sim.cfg.provider_block_us, t0) &&
             (domain == kBlockedProvider || d.provider == static_cast<int>(kBlockedProvider))) {
    a.out = Outcome::kDeferred;
    a.why = Failure::kRateLimited;
    a.d = 0;
  } else if (During(sim, sim.cfg.bounce_storm_us, t0) && domain == kStormDomain) {
    a.out = Outcome::kBounced;
    a.why = Failure::kUserUnknown;
    a.d = 0;
  } else {
    return;
  }
  a.at = t0 + a.b + a.c + a.d;
}

// PlanAttempt - outcome, reason and timing of one attempt on recipient `r`.
inline Attempt PlanAttempt(Sim& sim, const Message& m, Rcpt& r, uint32_t idx, int64_t t0) {
  Rng& g = sim.rng;
  Attempt a;
  a.idx = idx;
  a.b = g.Range(200, 40000);  // 0.2-40 ms in the queue manager
  if (r.forever || r.defers) {
    a.out = Outcome::kDeferred;
    if (r.defers) --r.defers;
  } else {
    a.out = r.bounce ? Outcome::kBounced : Outcome::kSent;
  }
  const int64_t xfer = static_cast<int64_t>(m.size) * g.Range(1, 8);  // ~1-8 us per byte
  if (r.transport != Transport::kSmtp) {
    a.c = g.Range(0, 3000);
    a.d = g.Range(800, 30000) + xfer / 8;
    if (a.out == Outcome::kDeferred) a.why = Failure::kLocalTemp;
    if (a.out == Outcome::kBounced) a.why = Failure::kLocalPerm;
  } else if (r.domain < 0) {
    a.c = g.Range(2000, 80000);
    a.why = Failure::kNxDomain;
    a.out = Outcome::kBounced;
  } else {
    const RemoteDomain& d = sim.world.domains[static_cast<size_t>(r.domain)];
    a.c = g.Range(20000, 900000);
    a.d = g.Range(30000, 600000) + xfer;
    a.mx = d.n_mx == 2 && g.Chance(Ppm(0.2)) ? 1 : 0;
    if (a.out == Outcome::kDeferred) {
      a.d = 0;
      switch (d.cls) {
        case DomainClass::kDead:
          if (m.attempts > 1 && g.Chance(Ppm(0.4))) {
            a.why = Failure::kSuspended;
            a.c = 0;
          } else {
            a.why = d.dead == DeadKind::kRefused ? Failure::kRefused
                    : d.dead == DeadKind::kTimeout ? Failure::kTimedOut : Failure::kNoHost;
          }
          break;
        case DomainClass::kGreylist: a.why = Failure::kGreylisted; break;
        case DomainClass::kFlaky: {
          static constexpr Failure kFlakyWhy[] = {Failure::kTimedOut, Failure::kLost, Failure::kRefusedTalk,
                                                  Failure::kTempData, Failure::kRefused};
          a.why = g.Pick(kFlakyWhy);
          break;
        }
        case DomainClass::kNormal: a.why = g.Chance(Ppm(0.5)) ? Failure::kTempRcpt : Failure::kRefusedTalk; break;
      }
      if (a.why == Failure::kTimedOut) a.c = 30 * kSecond + g.Range(0, 400000);
      if (a.why == Failure::kRefused) a.c = g.Range(1000, 200000);
      if (a.why == Failure::kTempData) a.d = g.Range(100000, 3000000) + xfer;
    } else if (a.out == Outcome::kBounced) {
      a.why = g.Chance(Ppm(0.9)) ? Failure::kUserUnknown : Failure::kPolicy;
      a.d = 0;
    }
  }
  a.at = t0 + a.b + a.c + a.d;
  if (r.transport == Transport::kSmtp && r.domain >= 0)
    Inject(sim, a, sim.world.domains[static_cast<size_t>(r.domain)], static_cast<size_t>(r.domain), t0);
  return a;
}

// RemoteQueueId - a receiving Postfix's "queued as" ID (short form).
inline std::string RemoteQueueId(Rng& g) {
  static const char* kHex = "0123456789ABCDEF";
  std::string s;
  for (int i = 0, n = static_cast<int>(g.Range(10, 11)); i < n; ++i) s += kHex[g.Below(16)];
  return s;
}

// WriteSentReply - the remote server's 250 reply, in its MTA's style.
inline void WriteSentReply(Sim& sim, Writer& w, const RemoteDomain& d, const Message& m) {
  Rng& g = sim.rng;
  switch (d.style) {
    case MtaStyle::kPostfix: w.S("250 2.0.0 Ok: queued as ").S(RemoteQueueId(g)); break;
    case MtaStyle::kGoogle:
      w.S("250 2.0.0 OK  ").U(static_cast<uint64_t>(sim.now() / kSecond)).C(' ').S(RandomAlnum(g, 13)).C('-')
          .S(RandomAlnum(g, 12)).S("si").U(g.Range(1000000, 9999999)).S(RandomAlnum(g, 3)).C('.')
          .U(g.Range(1, 999)).S(" - gsmtp");
      break;
    case MtaStyle::kMicrosoft:
      w.S("250 2.6.0 ").S(m.msgid).S(" [InternalId=").U(g.Range(1000000000000, 9999999999999)).S(", Hostname=")
          .S("DB9PR0").U(g.Range(1, 9)).S("MB").U(g.Range(1000, 9999)).S(".eurprd0").U(g.Range(1, 9))
          .S(".prod.corpmail.net] ").U(m.size + g.Range(800, 3000)).S(" bytes in 0.").U(g.Range(100, 999))
          .S(", ").U(g.Range(10, 999)).C('.').U(g.Range(100, 999)).S(" KB/sec Queued mail for delivery");
      break;
    case MtaStyle::kExim:
      w.S("250 OK id=1t").S(RandomAlnum(g, 4, true)).C('-').S(RandomAlnum(g, 6, true)).C('-')
          .S(RandomAlnum(g, 2, true));
      break;
    case MtaStyle::kGeneric: w.S("250 2.0.0 ").S(RandomAlnum(g, 14, true)).S(" Message accepted for delivery"); break;
  }
}

// BounceDsn - the DSN of a permanent remote failure.
inline std::string_view BounceDsn(MtaStyle style, Failure why) {
  if (why == Failure::kPolicy) return "5.7.1";
  switch (style) {
    case MtaStyle::kMicrosoft: return "5.5.0";
    case MtaStyle::kExim: return "5.0.0";
    default: return "5.1.1";
  }
}

// WriteBounceReply - the permanent failure text inside "status=bounced (...)".
inline void WriteBounceReply(Sim& sim, Writer& w, const RemoteDomain& d, const Rcpt& r, Failure why, int mx) {
  Rng& g = sim.rng;
  w.S("host ").NA(d.mx[mx], d.mx_addr[mx]).S(" said: ");
  if (why == Failure::kPolicy) {
    w.S("554 5.7.1 Service unavailable; Client host [").S(sim.world.my_addr)
        .S("] blocked using bl.spamcop.net (in reply to RCPT TO command)");
    return;
  }
  switch (d.style) {
    case MtaStyle::kPostfix:
      w.S("550 5.1.1 <").S(r.to).S(">: Recipient address rejected: User unknown in ")
          .S(g.Chance(Ppm(0.5)) ? "virtual mailbox table" : "local recipient table").S(" (in reply to RCPT TO command)");
      break;
    case MtaStyle::kGoogle:
      w.S("550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
          "double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more "
          "information, go to 550 5.1.1  https://support.postwave.com/mail/?p=NoSuchUser ")
          .S(RandomAlnum(g, 20)).S(" - gsmtp (in reply to RCPT TO command)");
      break;
    case MtaStyle::kMicrosoft:
      w.S("550 5.5.0 Requested action not taken: mailbox unavailable (in reply to RCPT TO command)");
      break;
    case MtaStyle::kExim: w.S("550 Unrouteable address (in reply to RCPT TO command)"); break;
    case MtaStyle::kGeneric: w.S("550 5.1.1 <").S(r.to).S(">... User unknown (in reply to RCPT TO command)"); break;
  }
}

// DeferDsn - the DSN of a temporary remote failure.
inline std::string_view DeferDsn(const RemoteDomain& d, Failure why) {
  switch (why) {
    case Failure::kNoHost: return "4.4.3";
    case Failure::kLost: return "4.4.2";
    case Failure::kRefusedTalk: return "4.7.0";
    case Failure::kTempData: return "4.3.0";
    case Failure::kTempRcpt: return "4.2.2";
    case Failure::kRateLimited: return "4.7.0";
    case Failure::kGreylisted: return d.style == MtaStyle::kPostfix ? "4.2.0" : "4.7.1";
    default: return "4.4.1";
  }
}

// WriteDeferReason - the temporary failure text inside "status=deferred (...)".
inline void WriteDeferReason(Writer& w, const RemoteDomain& d, const Rcpt& r, Failure why, int mx_index) {
  const std::string& mx = d.mx[mx_index];
  const std::string& ip = d.mx_addr[mx_index];
  switch (why) {
    case Failure::kTimedOut: w.S("connect to ").NA(mx, ip).S(":25: Connection timed out"); break;
    case Failure::kNoHost:
      w.S("Host or domain name not found. Name service error for name=").S(d.name)
          .S(" type=MX: Host not found, try again");
      break;
    case Failure::kGreylisted:
      if (d.style == MtaStyle::kPostfix) {
        w.S("host ").NA(mx, ip).S(" said: 450 4.2.0 <").S(r.to)
            .S(">: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/").S(d.name)
            .S(".html (in reply to RCPT TO command)");
      } else {
        w.S("host ").NA(mx, ip).S(" said: 451 4.7.1 <").S(r.to)
            .S(">: Recipient address rejected: Greylisted for 300 seconds (in reply to RCPT TO command)");
      }
      break;
    case Failure::kLost: w.S("lost connection with ").NA(mx, ip).S(" while receiving the initial server greeting"); break;
    case Failure::kRefusedTalk:
      w.S("host ").NA(mx, ip).S(" refused to talk to me: 421 4.7.0 ").S(mx)
          .S(" Service not available, closing transmission channel");
      break;
    case Failure::kTempData:
      w.S("host ").NA(mx, ip)
          .S(" said: 451 4.3.0 Temporary server error. Please try again later (in reply to end of DATA command)");
      break;
    case Failure::kTempRcpt:
      w.S("host ").NA(mx, ip).S(" said: 452 4.2.2 <").S(r.to)
          .S(">: Mailbox full, try again later (in reply to RCPT TO command)");
      break;
    case Failure::kRateLimited:
      w.S("host ").NA(mx, ip).S(" said: 421 4.7.0 Rate limited: too much mail from your IP address, blocked for "
                                "now, try again later (in reply to MAIL FROM command)");
      break;
    default: w.S("connect to ").NA(mx, ip).S(":25: Connection refused"); break;
  }
}

// DelayFields - ", delay=D, delays=a/b/c/d, dsn=" as log_adhoc() prints them.
inline Writer& DelayFields(Writer& w, int64_t a, int64_t b, int64_t c, int64_t d) {
  return w.S(", delay=").Tv(a + b + c + d).S(", delays=").Tv(a).C('/').Tv(b).C('/').Tv(c).C('/').Tv(d).S(", dsn=");
}

inline Proc QueueMessage(Sim& sim, std::unique_ptr<Message> m);

// Enqueue - hands a message to the queue manager `delay` from now.
inline void Enqueue(Sim& sim, std::unique_ptr<Message> m, int64_t delay) {
  ++sim.queued;
  if (++sim.in_queue > sim.max_in_queue) sim.max_in_queue = sim.in_queue;
  sim.sched.Start(QueueMessage(sim, std::move(m)), delay);
}

// ForwardCopy - local(8) .forward: a new queue file for a remote address; returns its ID.
inline QueueId ForwardCopy(Sim& sim, const Message& m, const Rcpt& r) {
  auto f = std::make_unique<Message>();
  f->qid = sim.qids.Acquire(sim.now());
  f->from = m.from;
  f->msgid = m.msgid;
  f->arrival = sim.now();
  f->size = m.size + static_cast<uint32_t>(sim.rng.Range(150, 400));
  Rcpt fr;
  fr.to = sim.world.people[sim.rng.Popular(sim.world.people.size())].addr;
  fr.orig_to = r.to;
  PlanRcpt(sim, fr, false);
  f->rcpts.push_back(std::move(fr));
  sim.Log(kCleanup, sim.cleanup.Pick()).S(f->qid.view()).S(": message-id=").S(f->msgid).End();
  const QueueId id = f->qid;
  Enqueue(sim, std::move(f), sim.rng.Range(1000, 20000));
  return id;
}

// AgentFor - the delivery program and process of an attempt.
inline Prog AgentFor(Sim& sim, const Rcpt& r, const Attempt& a, uint32_t* pid) {
  switch (r.transport) {
    case Transport::kSmtp:
      if (a.why == Failure::kSuspended) {
        *pid = sim.error.Pick();
        return kError;
      }
      *pid = sim.smtp.Pick();
      return kSmtp;
    case Transport::kLocal: *pid = sim.local.Pick(); return kLocal;
    case Transport::kVirtual: *pid = sim.virt.Pick(); return kVirtual;
    case Transport::kLmtp: *pid = sim.lmtp.Pick(); return kLmtp;
    case Transport::kPipe: break;
  }
  *pid = sim.pipe.Pick();
  return kPipe;
}

// WriteLocalFailure - dsn and text of a failed local, virtual, lmtp or pipe attempt.
inline void WriteLocalFailure(Sim& sim, Writer& w, Prog prog, uint32_t pid, const Rcpt& r, bool defer) {
  const std::string_view user = LocalPart(r.to);
  switch (prog) {
    case kLocal:
      w.S(defer ? "4.2.0, status=deferred (" : "5.2.2, status=bounced (").S("cannot update mailbox /var/mail/")
          .S(user).S(" for user ").S(user)
          .S(defer ? ". unable to lock for exclusive access: Resource temporarily unavailable"
                   : ". error writing message: File too large");
      break;
    case kVirtual:
      if (defer) {
        w.S("4.2.0, status=deferred (maildir delivery failed: create maildir file /var/mail/vhosts/")
            .S(DomainPart(r.to)).C('/').S(user).S("/tmp/").U(static_cast<uint64_t>(sim.now() / kSecond)).S(".P")
            .U(pid).C('.').S(sim.world.host).S(": Disk quota exceeded");
      } else {
        w.S("5.2.2, status=bounced (maildir delivery failed: Disk quota exceeded");
      }
      break;
    case kLmtp:
      w.S(defer ? "4.2.0, status=deferred (" : "5.2.2, status=bounced (").S("host ")
          .NA(sim.world.myhostname, "private/dovecot-lmtp").S(" said: ");
      if (defer) w.S("451 4.2.0 <").S(r.to).S("> Internal error occurred. Refer to server log for more information.");
      else w.S("552 5.2.2 <").S(r.to).S("> Quota exceeded (mailbox for user is full)");
      w.S(" (in reply to end of DATA command)");
      break;
    default:
      if (defer) {
        w.S("4.3.0, status=deferred (temporary failure. Command output: lda(").S(r.to)
            .S("): Error: Failed to save mail to INBOX: Internal error occurred");
      } else {
        w.S("5.2.2, status=bounced (Quota exceeded (mailbox for user is full)");
      }
      break;
  }
}

// WriteAttempt - the agent's line(s) for one attempt; marks the recipient
// done unless it was deferred.
inline void WriteAttempt(Sim& sim, Message& m, const Attempt& a, int64_t t0) {
  Rng& g = sim.rng;
  Rcpt& r = m.rcpts[a.idx];
  uint32_t pid = 0;
  const Prog prog = AgentFor(sim, r, a, &pid);
  const RemoteDomain* d = r.domain >= 0 ? &sim.world.domains[static_cast<size_t>(r.domain)] : nullptr;
  const bool remote = prog == kSmtp || prog == kError;
  std::string session;  // Dovecot LMTP session ID, shared by both lines
  std::string fwd_id;

  // Lines that come before the status line.
  if (prog == kSmtp && d && a.out != Outcome::kDeferred) {
    if (a.mx == 1)  // the first MX refused, the second one answered
      sim.Log(kSmtp, pid).S("connect to ").NA(d->mx[0], d->mx_addr[0]).S(":25: Connection refused").End();
    if (g.Chance(Ppm(0.55))) {
      const bool v13 = g.Chance(Ppm(0.75));
      sim.Log(kSmtp, pid).S(g.Chance(Ppm(0.7)) ? "Trusted" : "Untrusted").S(" TLS connection established to ")
          .NA(d->mx[a.mx], d->mx_addr[a.mx]).S(":25: ")
          .S(v13 ? "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature "
                   "RSA-PSS (2048 bits) server-digest SHA256"
                 : "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)")
          .End();
    }
  }
  if (prog == kLmtp && a.out == Outcome::kSent) {
    session = RandomAlnum(g, 22, true);
    sim.Log(kDovecot).S("lmtp(").S(r.to).S(")<").U(sim.dovecot_lmtp.Pick()).S("><").S(session).S(">: msgid=")
        .S(m.msgid).S(": saved mail to INBOX").End();
  }
  if (prog == kLocal && a.out == Outcome::kSent && r.forward) fwd_id = std::string(ForwardCopy(sim, m, r).view());

  // The status line: "QID: to=<r>, [orig_to=<o>, ]relay=R, ..., dsn=X, status=S (text)".
  Writer& w = sim.Log(prog, pid).S(m.qid.view()).S(": to=<").S(r.to).C('>');
  if (!r.orig_to.empty()) w.S(", orig_to=<").S(r.orig_to).C('>');
  w.S(", relay=");
  const bool no_relay = !d || a.why == Failure::kRefused || a.why == Failure::kTimedOut || a.why == Failure::kNoHost;
  switch (prog) {
    case kSmtp:
      if (no_relay) {
        w.S("none");
      } else {
        w.NA(d->mx[a.mx], d->mx_addr[a.mx]).S(":25");
        if (a.out == Outcome::kSent && g.Chance(Ppm(0.08))) w.S(", conn_use=").U(static_cast<uint64_t>(g.Range(2, 9)));
      }
      break;
    case kError: w.S("none"); break;
    case kLocal: w.S("local"); break;
    case kVirtual: w.S("virtual"); break;
    case kLmtp: w.NA(sim.world.myhostname, "private/dovecot-lmtp"); break;
    default: w.S("dovecot"); break;
  }
  DelayFields(w, t0 - m.arrival, a.b, a.c, a.d);

  if (a.out == Outcome::kSent) {
    w.S("2.0.0, status=sent (");
    switch (prog) {
      case kSmtp: WriteSentReply(sim, w, *d, m); break;
      case kLocal:
        if (!fwd_id.empty()) w.S("forwarded as ").S(fwd_id);
        else if (g.Chance(Ppm(0.12))) w.S("delivered to command: /usr/bin/procmail");
        else w.S("delivered to mailbox");
        break;
      case kVirtual: w.S("delivered to maildir"); break;
      case kLmtp: w.S("250 2.0.0 <").S(r.to).S("> ").S(session).S(" Saved"); break;
      default: w.S("delivered via dovecot service"); break;
    }
    r.done = true;
  } else if (!remote) {
    WriteLocalFailure(sim, w, prog, pid, r, a.out == Outcome::kDeferred);
    r.done = a.out != Outcome::kDeferred;
  } else if (!d) {  // NXDOMAIN: a permanent DNS failure
    w.S("5.4.4, status=bounced (Host or domain name not found. Name service error for name=").S(DomainPart(r.to))
        .S(" type=A: Host not found");
    r.done = true;
  } else if (a.out == Outcome::kDeferred) {
    Failure shown = a.why;
    if (prog == kError)  // qmgr throttled the site: error(8) repeats the last reason
      shown = d->dead == DeadKind::kRefused ? Failure::kRefused
              : d->dead == DeadKind::kTimeout ? Failure::kTimedOut : Failure::kNoHost;
    w.S(DeferDsn(*d, shown)).S(", status=deferred (");
    if (prog == kError) w.S("delivery temporarily suspended: ");
    WriteDeferReason(w, *d, r, shown, a.mx);
  } else {
    w.S(BounceDsn(d->style, a.why)).S(", status=bounced (");
    WriteBounceReply(sim, w, *d, r, a.why, a.mx);
    r.done = true;
  }
  w.C(')').End();
}

// Notify - bounce(8) returns a failure notice: a new from=<> message to the
// sender, or to the postmaster when the failed message was itself a notice.
inline void Notify(Sim& sim, const Message& m) {
  auto n = std::make_unique<Message>();
  n->qid = sim.qids.Acquire(sim.now());
  n->msgid = PostfixMsgId(sim, n->qid);
  n->arrival = sim.now();
  n->size = 2200 + std::min<uint32_t>(m.size, 50000) + static_cast<uint32_t>(sim.rng.Range(0, 900));
  Rcpt r;
  const bool to_postmaster = m.from.empty();
  if (to_postmaster) {  // 2bounce_notice_recipient = postmaster, an alias of an admin mailbox
    const Alias& pm = sim.world.aliases.front();
    r.to = sim.world.users[pm.targets.front()].addr;
    r.orig_to = "postmaster";
  } else {
    r.to = m.from;
  }
  PlanRcpt(sim, r, false);
  if (to_postmaster) r.forever = r.bounce = false;
  n->rcpts.push_back(std::move(r));
  sim.Log(kCleanup, sim.cleanup.Pick()).S(n->qid.view()).S(": message-id=").S(n->msgid).End();
  sim.Log(kBounce, sim.bounce.Pick()).S(m.qid.view()).S(to_postmaster ? ": postmaster" : ": sender")
      .S(" non-delivery notification: ").S(n->qid.view()).End();
  Enqueue(sim, std::move(n), sim.rng.Range(500, 8000));
}

// Backoff - the wait before retry number `attempt` (1-based): 300 s doubling
// to 4000 s, plus the wait for the next deferred-queue scan.
inline int64_t Backoff(Rng& g, int attempt) {
  int64_t b = kMinBackoff;
  for (int i = 1; i < attempt && b < kMaxBackoff; ++i) b *= 2;
  return std::min(b, kMaxBackoff) + g.Range(0, kQueueRun);
}

// QueueMessage - the queue manager's view of one message, from "(queue
// active)" through delivery attempts, retries, expiry and notices to "removed".
inline Proc QueueMessage(Sim& sim, std::unique_ptr<Message> m) {
  for (;;) {
    ++m->attempts;
    const int64_t t0 = sim.now();
    uint64_t pending = 0;
    for (const Rcpt& r : m->rcpts) pending += !r.done;
    sim.Log(kQmgr).S(m->qid.view()).S(": from=<").S(m->from).S(">, size=").U(m->size).S(", nrcpt=").U(pending)
        .S(" (queue active)").End();

    std::vector<Attempt> round;
    for (uint32_t i = 0; i < m->rcpts.size(); ++i)
      if (!m->rcpts[i].done) round.push_back(PlanAttempt(sim, *m, m->rcpts[i], i, t0));
    std::stable_sort(round.begin(), round.end(), [](const Attempt& x, const Attempt& y) { return x.at < y.at; });
    bool bounced = false;
    for (size_t k = 0; k < round.size(); ++k) {
      co_await sim.sched.Sleep(round[k].at - sim.now());
      WriteAttempt(sim, *m, round[k], t0);
      bounced |= round[k].out == Outcome::kBounced;
    }

    pending = 0;
    for (const Rcpt& r : m->rcpts) pending += !r.done;
    const bool expired = pending && sim.now() - m->arrival >= kQueueLifetime;
    if (bounced || expired) co_await sim.sched.Sleep(sim.rng.Range(2000, 60000));
    if (expired) {
      sim.Log(kQmgr).S(m->qid.view()).S(": from=<").S(m->from).S(">, status=expired, returned to sender").End();
    }
    if (bounced || expired) Notify(sim, *m);
    if (!pending || expired) {
      co_await sim.sched.Sleep(sim.rng.Range(200, 5000));
      sim.Log(kQmgr).S(m->qid.view()).S(": removed").End();
      sim.qids.Release(m->qid);
      --sim.in_queue;
      co_return;
    }
    co_await sim.sched.Sleep(Backoff(sim.rng, m->attempts));
  }
}

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_MAIL_H_
