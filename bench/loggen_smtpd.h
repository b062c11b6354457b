// loggen_smtpd.h - the receiving side: postscreen, smtpd, cleanup, pickup.
//
// Each inbound connection is one actor. Port 25 goes through postscreen
// ("CONNECT from [a]:p to [me]:25", then PASS OLD/NEW, or DNSBL rank,
// PREGREET, HANGUP, its own NOQUEUE reject and DISCONNECT). Clients that pass
// get an smtpd process of their own for the session:
//   "connect from name[addr]"  [TLS line]
//   per message: RCPT rejects ("NOQUEUE: reject: RCPT from ...", or
//   "QID: reject: ..." once the queue file exists), "QID: client=name[addr]",
//   cleanup "QID: message-id=<...>" and header/body/milter actions, then the
//   message goes to the queue manager (loggen_mail.h)
//   "disconnect from name[addr] ehlo=1 mail=1 rcpt=0/1 ... commands=n/m"
// Submission (587, "postfix/submission/smtpd") and SMTPS (465) sessions are
// authenticated users (", sasl_method=PLAIN, sasl_username=...") and the
// brute-force attacks of loggen_attacks.h. pickup(8) takes local sendmail(1)
// submissions ("QID: uid=N from=<user>").
//
// SEE ALSO smtpd/smtpd.c, smtpd/smtpd_check.c (log_whatsup), cleanup/cleanup_message.c,
// cleanup/cleanup_milter.c, postscreen/postscreen*.c, pickup/pickup.c.
#ifndef MAILLENS_BENCH_LOGGEN_SMTPD_H_
#define MAILLENS_BENCH_LOGGEN_SMTPD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loggen_mail.h"
#include "loggen_sim.h"

namespace loggen {

// SmtpStats - smtpd's command counters for the "disconnect from" line.
struct SmtpStats {
  enum Cmd { kHelo, kEhlo, kStarttls, kAuth, kMail, kRcpt, kData, kRset, kQuit, kUnknown, kNumCmds };
  uint16_t ok[kNumCmds] = {}, total[kNumCmds] = {};

  void Ok(Cmd c, int n = 1) {
    ok[c] = static_cast<uint16_t>(ok[c] + n);
    total[c] = static_cast<uint16_t>(total[c] + n);
  }
  void Fail(Cmd c, int n = 1) { total[c] = static_cast<uint16_t>(total[c] + n); }

  // Write - " ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4" (smtpd_format_cmd_stats()).
  void Write(Writer& w) const {
    static constexpr std::string_view kNames[kNumCmds] = {"helo", "ehlo", "starttls", "auth", "mail",
                                                          "rcpt", "data", "rset",     "quit", "unknown"};
    unsigned all_ok = 0, all = 0;
    for (int c = 0; c < kNumCmds; ++c) {
      if (!total[c]) continue;
      w.C(' ').S(kNames[c]).C('=').U(ok[c]);
      if (ok[c] != total[c]) w.C('/').U(total[c]);
      all_ok += ok[c];
      all += total[c];
    }
    w.S(" commands=").U(all_ok);
    if (all_ok != all || all == 0) w.C('/').U(all);
  }
};

// Session - one smtpd conversation.
struct Session {
  Prog prog = kSmtpd;
  uint32_t pid = 0;
  const Peer* peer = nullptr;
  SmtpStats st;
};

// Reject - "ID: ACTION: STAGE from name[addr]: " of smtpd_check.c log_whatsup(); the caller adds the text.
inline Writer& Reject(Sim& sim, const Session& s, std::string_view id, std::string_view action,
                      std::string_view stage) {
  return sim.Log(s.prog, s.pid).S(id).S(": ").S(action).S(": ").S(stage).S(" from ")
      .NA(s.peer->name, s.peer->addr).S(": ");
}
// RejectTail - "; from=<s> to=<r> proto=ESMTP helo=<h>" and the end of the line.
inline void RejectTail(Writer& w, std::string_view from, std::string_view to, std::string_view helo) {
  w.S("; from=<").S(from).S("> to=<").S(to).S("> proto=ESMTP helo=<").S(helo).S(">").End();
}

// Connect - the optional PTR warning, "connect from", and a TLS handshake.
inline void Connect(Sim& sim, Session& s, bool tls) {
  const Peer& p = *s.peer;
  if (!p.ptr.empty())
    sim.Log(s.prog, s.pid).S("warning: hostname ").S(p.ptr).S(" does not resolve to address ").S(p.addr)
        .S(sim.rng.Chance(Ppm(0.7)) ? ": Name or service not known" : "").End();
  sim.Log(s.prog, s.pid).S("connect from ").NA(p.name, p.addr).End();
  if (tls) {
    s.st.Ok(SmtpStats::kEhlo);
    if (s.prog != kSmtps) s.st.Ok(SmtpStats::kStarttls);
    sim.Log(s.prog, s.pid).S("Anonymous TLS connection established from ").NA(p.name, p.addr).S(": ")
        .S(sim.rng.Chance(Ppm(0.8)) ? "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
                                      "server-signature RSA-PSS (2048 bits) server-digest SHA256"
                                    : "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)")
        .End();
  }
}

// Disconnect - "disconnect from name[addr] <stats>".
inline void Disconnect(Sim& sim, Session& s) {
  Writer& w = sim.Log(s.prog, s.pid).S("disconnect from ").NA(s.peer->name, s.peer->addr);
  s.st.Write(w);
  w.End();
}

// What smtpd does with one RCPT TO.
enum class Verdict : uint8_t {
  kAccept, kUnknownLocal, kUnknownVirtual, kRelayDenied, kGreylisted, kSenderDomain, kHeloFqdn, kHeloNotFound,
  kUnknownClient, kRbl, kSpf, kNotOwned, kHold, kDiscard, kWarnClient, kWarnHelo
};

// What cleanup(8) or a milter does with the message content.
enum class Content : uint8_t { kNone, kHeaderReject, kBodyReject, kMilterReject, kHold, kDiscard, kWarning, kMilterDiscard };

struct RcptSpec {
  std::string to;
  Verdict verdict = Verdict::kAccept;
};

// MailSpec - one MAIL FROM transaction as the client attempts it.
struct MailSpec {
  std::string from;
  std::vector<RcptSpec> rcpts;
  Content content = Content::kNone;
  std::string sasl_method, sasl_user;  // submission only
  std::string msgid_domain;
  uint32_t size = 0;
};

inline constexpr const char* kSpamSubjects[] = {
    "Cheap meds online, no prescription", "You have WON 1,000,000 USD", "URGENT: verify your mailbox now",
    "Invoice INV-20931 overdue", "Crypto opportunity - 300% return", "Your parcel could not be delivered",
    "Re: payment confirmation", "Hot singles in your area", "Account suspended - action required",
    "Final notice: domain expiration"};

// WriteVerdictText - the reply text of a non-accept RCPT verdict.
inline void WriteVerdictText(Sim& sim, Writer& w, const Session& s, const MailSpec& m, const RcptSpec& r) {
  const Peer& p = *s.peer;
  switch (r.verdict) {
    case Verdict::kUnknownLocal:
      w.S("550 5.1.1 <").S(r.to).S(">: Recipient address rejected: User unknown in local recipient table");
      break;
    case Verdict::kUnknownVirtual:
      w.S("550 5.1.1 <").S(r.to).S(">: Recipient address rejected: User unknown in virtual mailbox table");
      break;
    case Verdict::kRelayDenied: w.S("554 5.7.1 <").S(r.to).S(">: Relay access denied"); break;
    case Verdict::kGreylisted:
      w.S("450 4.2.0 <").S(r.to).S(">: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/")
          .S(DomainPart(r.to)).S(".html");
      break;
    case Verdict::kSenderDomain: w.S("450 4.1.8 <").S(m.from).S(">: Sender address rejected: Domain not found"); break;
    case Verdict::kHeloFqdn:
      w.S("504 5.5.2 <").S(p.helo).S(">: Helo command rejected: need fully-qualified hostname");
      break;
    case Verdict::kHeloNotFound:
    case Verdict::kWarnHelo: w.S("450 4.7.1 <").S(p.helo).S(">: Helo command rejected: Host not found"); break;
    case Verdict::kUnknownClient:
    case Verdict::kWarnClient:
      w.S("450 4.7.25 Client host rejected: cannot find your hostname, [").S(p.addr).C(']');
      break;
    case Verdict::kRbl:
      if (sim.rng.Chance(Ppm(0.6)))
        w.S("554 5.7.1 Service unavailable; Client host [").S(p.addr)
            .S("] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/").S(p.addr);
      else
        w.S("554 5.7.1 Service unavailable; Client host [").S(p.addr)
            .S("] blocked using bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?").S(p.addr);
      break;
    case Verdict::kSpf:
      w.S("550 5.7.23 <").S(r.to).S(">: Recipient address rejected: Message rejected due to: SPF fail - not "
                                    "authorized. Please see http://www.openspf.net/Why?s=mfrom;id=")
          .S(m.from).S(";ip=").S(p.addr).S(";r=<UNKNOWN>");
      break;
    case Verdict::kNotOwned:
      w.S("553 5.7.1 <").S(m.from).S(">: Sender address rejected: not owned by user ").S(m.sasl_user);
      break;
    case Verdict::kHold: w.C('<').S(m.from).S(">: Sender address triggers HOLD action"); break;
    case Verdict::kDiscard: w.C('<').S(m.from).S(">: Sender address triggers DISCARD action"); break;
    case Verdict::kAccept: break;
  }
}

// ActionOf - the log_whatsup() action word of a verdict.
inline std::string_view ActionOf(Verdict v) {
  switch (v) {
    case Verdict::kHold: return "hold";
    case Verdict::kDiscard: return "discard";
    case Verdict::kWarnClient:
    case Verdict::kWarnHelo: return "reject_warning";
    default: return "reject";
  }
}

// HeldMessage - a message in the hold queue until an admin runs postsuper -H or -d.
inline Proc HeldMessage(Sim& sim, std::unique_ptr<Message> m) {
  co_await sim.sched.Sleep(sim.rng.Range(15 * kMinute, 10 * kHour));
  const uint32_t pid = sim.pids.Next(sim.rng);
  if (sim.rng.Chance(Ppm(0.6))) {
    sim.Log(kPostsuper, pid).S(m->qid.view()).S(": released from hold").End();
    sim.Log(kPostsuper, pid).S("Released from hold: 1 message").End();
    --sim.in_queue;  // Enqueue counts it again
    Enqueue(sim, std::move(m), sim.rng.Range(50000, 3 * kSecond));
  } else {
    sim.Log(kPostsuper, pid).S(m->qid.view()).S(": removed").End();
    sim.Log(kPostsuper, pid).S("Deleted: 1 message").End();
    sim.qids.Release(m->qid);
    --sim.in_queue;
  }
}

// Transaction - one MAIL FROM .. DATA exchange inside an smtpd session.
inline Sub Transaction(Sim& sim, Session& s, const MailSpec& spec) {
  Rng& g = sim.rng;
  const Peer& p = *s.peer;
  co_await sim.sched.Sleep(g.Range(30000, 600000));
  s.st.Ok(SmtpStats::kMail);
  std::unique_ptr<Message> m;
  Verdict held = Verdict::kAccept;  // hold or discard seen at RCPT
  for (size_t i = 0; i < spec.rcpts.size(); ++i) {
    const RcptSpec& r = spec.rcpts[i];
    co_await sim.sched.Sleep(g.Range(5000, 250000));
    const bool accept = r.verdict == Verdict::kAccept || r.verdict == Verdict::kHold || r.verdict == Verdict::kDiscard ||
                        r.verdict == Verdict::kWarnClient || r.verdict == Verdict::kWarnHelo;
    if (r.verdict != Verdict::kAccept) {
      Writer& w = Reject(sim, s, m ? m->qid.view() : "NOQUEUE", ActionOf(r.verdict), "RCPT");
      WriteVerdictText(sim, w, s, spec, r);
      RejectTail(w, spec.from, r.to, p.helo);
      if (r.verdict == Verdict::kHold || r.verdict == Verdict::kDiscard) held = r.verdict;
    }
    if (!accept) {
      s.st.Fail(SmtpStats::kRcpt);
      continue;
    }
    s.st.Ok(SmtpStats::kRcpt);
    if (!m) {  // the first accepted recipient creates the queue file
      m = std::make_unique<Message>();
      m->qid = sim.qids.Acquire(sim.now());
      m->arrival = sim.now();
      m->from = spec.from;
      Writer& w = sim.Log(s.prog, s.pid).S(m->qid.view()).S(": client=").NA(p.name, p.addr);
      if (!spec.sasl_user.empty()) w.S(", sasl_method=").S(spec.sasl_method).S(", sasl_username=").S(spec.sasl_user);
      w.End();
    }
    Rcpt rc;
    rc.to = r.to;
    m->rcpts.push_back(std::move(rc));
  }
  if (!m) co_return;  // every recipient was rejected: no DATA

  // DATA: the message streams to cleanup(8).
  const uint32_t size = spec.size ? spec.size : DrawSize(g);
  const int64_t us_per_byte = g.Range(1, 6);
  co_await sim.sched.Sleep(g.Range(20000, 400000) + static_cast<int64_t>(size) * us_per_byte);
  const uint32_t cleanup_pid = sim.cleanup.Pick();
  m->size = size;
  m->msgid = spec.content == Content::kNone && g.Chance(Ppm(0.002)) ? "<>" : RemoteMsgId(sim, spec.msgid_domain);
  const std::string& rcpt0 = m->rcpts.front().to;
  if (held == Verdict::kDiscard) {  // smtpd access DISCARD: the queue file just goes away
    s.st.Ok(SmtpStats::kData);
    sim.qids.Release(m->qid);
    co_return;
  }
  sim.Log(kCleanup, cleanup_pid).S(m->qid.view()).S(": message-id=").S(m->msgid).End();
  if (spec.content != Content::kNone) {
    co_await sim.sched.Sleep(g.Range(1000, 80000));
    Writer& w = sim.Log(kCleanup, cleanup_pid).S(m->qid.view()).S(": ");
    const char* subject = g.Pick(kSpamSubjects);
    switch (spec.content) {
      case Content::kMilterReject:
      case Content::kMilterDiscard:
        w.S(spec.content == Content::kMilterReject ? "milter-reject" : "milter-discard")
            .S(": END-OF-MESSAGE from ").NA(p.name, p.addr).S(": ")
            .S(spec.content == Content::kMilterReject ? "5.7.1 Spam message rejected" : "milter triggers DISCARD action");
        RejectTail(w, spec.from, rcpt0, p.helo);
        break;
      case Content::kBodyReject:
        w.S("reject: body <a href=\"http://").S(RandomAlnum(g, 8)).S(".top/?id=").S(RandomAlnum(g, 6))
            .S("\">Click here</a> from ").NA(p.name, p.addr).S("; from=<").S(spec.from).S("> to=<").S(rcpt0)
            .S("> proto=ESMTP helo=<").S(p.helo).S(">: 5.7.1 message content rejected").End();
        break;
      default: {
        // Indexed by Content: kNone, kHeaderReject, kBodyReject, kMilterReject, kHold, kDiscard, kWarning, ...
        static constexpr std::string_view kActionWord[] = {"", "reject", "reject", "milter-reject", "hold", "discard", "warning"};
        w.S(kActionWord[static_cast<int>(spec.content)]).S(": header Subject: ").S(subject).S(" from ").NA(p.name, p.addr)
            .S("; from=<").S(spec.from).S("> to=<").S(rcpt0).S("> proto=ESMTP helo=<").S(p.helo).S(">");
        switch (spec.content) {
          case Content::kHeaderReject: w.S(": 5.7.1 message content rejected"); break;
          case Content::kHold: w.S(": held for review"); break;
          case Content::kDiscard: w.S(": discarded by header_checks"); break;
          default: w.S(": suspicious subject"); break;
        }
        w.End();
        break;
      }
    }
  }
  co_await sim.sched.Sleep(g.Range(2000, 60000));
  const bool rejected = spec.content == Content::kHeaderReject || spec.content == Content::kBodyReject ||
                        spec.content == Content::kMilterReject;
  if (rejected) {  // the queue file is removed; smtpd answers 5xx to DATA
    s.st.Fail(SmtpStats::kData);
    sim.qids.Release(m->qid);
    co_return;
  }
  s.st.Ok(SmtpStats::kData);
  if (spec.content == Content::kDiscard || spec.content == Content::kMilterDiscard) {
    sim.qids.Release(m->qid);
    co_return;
  }
  // Expand aliases (virtual_alias_maps in cleanup) and plan each recipient.
  std::vector<Rcpt> expanded;
  for (Rcpt& r : m->rcpts) {
    const Alias* alias = nullptr;
    for (const Alias& a : sim.world.aliases)
      if (a.addr == r.to) alias = &a;
    if (!alias) {
      PlanRcpt(sim, r, true);
      expanded.push_back(std::move(r));
      continue;
    }
    for (uint32_t u : alias->targets) {
      Rcpt x;
      x.to = sim.world.users[u].addr;
      x.orig_to = r.to;
      PlanRcpt(sim, x, false);
      expanded.push_back(std::move(x));
    }
  }
  m->rcpts = std::move(expanded);
  if (held == Verdict::kHold || spec.content == Content::kHold) {
    ++sim.in_queue;
    sim.sched.Start(HeldMessage(sim, std::move(m)));
    co_return;
  }
  Enqueue(sim, std::move(m), g.Range(1000, 30000));
}

// ---------------------------------------------------------------------------
// postscreen(8)

enum class Screen : uint8_t { kPassOld, kPassNew, kListed, kPregreet, kHangup };

// PostscreenPhase - postscreen's lines for one port-25 connection; sets *passed when smtpd takes over.
inline Sub PostscreenPhase(Sim& sim, const Peer& p, Screen how, const std::string& bot_from, const std::string& bot_to,
                           bool* passed) {
  Rng& g = sim.rng;
  const uint64_t port = static_cast<uint64_t>(g.Range(1024, 65535));
  auto head = [&]() -> Writer& { return sim.Log(kPostscreen); };
  auto client = [&](Writer& w) -> Writer& { return w.C('[').S(p.addr).S("]:").U(port); };
  client(head().S("CONNECT from ")).S(" to [").S(sim.world.my_addr).S("]:25").End();
  *passed = false;
  switch (how) {
    case Screen::kPassOld:
      co_await sim.sched.Sleep(g.Range(200, 3000));
      client(head().S("PASS OLD ")).End();
      *passed = true;
      co_return;
    case Screen::kPassNew:
      co_await sim.sched.Sleep(6 * kSecond + g.Range(0, 20000));
      client(head().S("PASS NEW ")).End();
      *passed = true;
      co_return;
    case Screen::kHangup: {
      const int64_t t = g.Range(50000, 9 * kSecond);
      co_await sim.sched.Sleep(t);
      client(head().S("HANGUP after ").Tv(t).S(" from ")).S(" in tests before SMTP handshake").End();
      client(head().S("DISCONNECT ")).End();
      co_return;
    }
    case Screen::kListed: {
      static const char* kLists[] = {"zen.spamhaus.org", "b.barracudacentral.org", "bl.spamcop.net"};
      int rank = 0;
      const int n = static_cast<int>(g.Range(1, 3));
      for (int i = 0; i < n; ++i) {
        co_await sim.sched.Sleep(g.Range(10000, 300000));
        const char* list = kLists[i];
        rank += i == 0 ? 3 : 1;
        sim.Log(kDnsblog, sim.dnsblog.Pick()).S("addr ").S(p.addr).S(" listed by domain ").S(list).S(" as 127.0.0.")
            .U(static_cast<uint64_t>(i == 0 ? g.Range(2, 11) : 2)).End();
      }
      if (g.Chance(Ppm(0.25))) {
        const int64_t t = g.Range(10000, 900000);
        co_await sim.sched.Sleep(t / 2);
        client(head().S("PREGREET ").U(p.helo.size() + 7).S(" after ").Tv(t).S(" from ")).S(": EHLO ").S(p.helo)
            .S("\\r\\n").End();
      }
      co_await sim.sched.Sleep(g.Range(5 * kSecond, 6 * kSecond));
      client(head().S("DNSBL rank ").U(static_cast<uint64_t>(rank)).S(" for ")).End();
      if (g.Chance(Ppm(0.7))) {
        co_await sim.sched.Sleep(g.Range(200000, 3 * kSecond));
        client(head().S("NOQUEUE: reject: RCPT from ")).S(": 550 5.7.1 Service unavailable; client [").S(p.addr)
            .S("] blocked using ").S(kLists[0]).S("; from=<").S(bot_from).S(">, to=<").S(bot_to)
            .S(">, proto=ESMTP, helo=<").S(p.helo).S(">").End();
      } else if (g.Chance(Ppm(0.5))) {
        const int64_t t = g.Range(kSecond, 20 * kSecond);
        co_await sim.sched.Sleep(t);
        client(head().S("HANGUP after ").Tv(t + 6 * kSecond).S(" from ")).S(" in tests after SMTP handshake").End();
      }
      co_await sim.sched.Sleep(g.Range(1000, 400000));
      client(head().S("DISCONNECT ")).End();
      co_return;
    }
    case Screen::kPregreet: {
      const int64_t t = g.Range(10000, 2 * kSecond);
      co_await sim.sched.Sleep(t);
      client(head().S("PREGREET ").U(p.helo.size() + 7).S(" after ").Tv(t).S(" from ")).S(": EHLO ").S(p.helo)
          .S("\\r\\n").End();
      co_await sim.sched.Sleep(g.Range(kSecond, 6 * kSecond));
      if (g.Chance(Ppm(0.5)))
        client(head().S("NOQUEUE: reject: RCPT from ")).S(": 550 5.5.1 Protocol error; from=<").S(bot_from)
            .S(">, to=<").S(bot_to).S(">, proto=ESMTP, helo=<").S(p.helo).S(">").End();
      client(head().S("DISCONNECT ")).End();
      co_return;
    }
  }
}

// LocalRcpt - a real recipient address of ours (user or role alias).
inline std::string LocalRcpt(Sim& sim) {
  if (sim.rng.Chance(Ppm(0.06))) return sim.rng.Pick(sim.world.aliases).addr;
  return sim.world.users[sim.rng.Popular(sim.world.users.size())].addr;
}

// UnknownRcpt - an address at one of our domains that has no mailbox; sets the matching verdict.
inline std::string UnknownRcpt(Sim& sim, Verdict* v) {
  const uint32_t d = static_cast<uint32_t>(sim.rng.Below(sim.world.local_domains.size()));
  *v = sim.world.local_domains[d].transport == Transport::kLocal ? Verdict::kUnknownLocal : Verdict::kUnknownVirtual;
  return sim.rng.Pick(sim.world.unknown_rcpts) + "@" + sim.world.local_domains[d].name;
}

// InboundLegit - a real MTA delivering one or more messages for our users.
// A greylisted first attempt comes back 5-20 minutes later (`retry`).
inline Proc InboundLegit(Sim& sim, uint32_t sender_idx, std::string retry_rcpt) {
  Rng& g = sim.rng;
  const Person& sender = sim.world.people[sender_idx];
  const RemoteDomain& sd = sim.world.domains[sender.domain];
  const Peer& peer = sim.world.mtas[sd.out_hosts[g.Below(sd.out_hosts.size())]];
  bool passed = false;
  const Screen how = retry_rcpt.empty() && g.Chance(Ppm(0.12)) ? Screen::kPassNew : Screen::kPassOld;
  co_await PostscreenPhase(sim, peer, how, sender.addr, "", &passed);
  Session s;
  s.peer = &peer;
  s.pid = sim.smtpd.Acquire(sim.now());
  co_await sim.sched.Sleep(g.Range(500, 5000));
  const bool tls = g.Chance(Ppm(0.75));
  Connect(sim, s, tls);
  if (!tls) s.st.Ok(g.Chance(Ppm(0.9)) ? SmtpStats::kEhlo : SmtpStats::kHelo);
  const int msgs = retry_rcpt.empty() && g.Chance(Ppm(0.12)) ? static_cast<int>(g.Range(2, 4)) : 1;
  std::string greylisted;
  for (int k = 0; k < msgs; ++k) {
    MailSpec spec;
    spec.from = sender.addr;
    spec.msgid_domain = std::string(DomainPart(spec.from));
    if (!retry_rcpt.empty()) {
      spec.rcpts.push_back({retry_rcpt, Verdict::kAccept});
    } else {
      const int n = g.Chance(Ppm(0.8)) ? 1 : static_cast<int>(g.Range(2, 6));
      for (int i = 0; i < n; ++i) {
        RcptSpec r;
        if (g.Chance(Ppm(0.025))) r.to = UnknownRcpt(sim, &r.verdict);
        else r.to = LocalRcpt(sim);
        if (r.verdict == Verdict::kAccept && n == 1 && msgs == 1 && g.Chance(Ppm(0.02))) {
          r.verdict = Verdict::kGreylisted;
          greylisted = r.to;
        }
        spec.rcpts.push_back(std::move(r));
      }
    }
    const uint64_t c = g.Below(1000);
    spec.content = c < 3 ? Content::kMilterReject : c < 6 ? Content::kWarning : c < 7 ? Content::kHold : Content::kNone;
    co_await Transaction(sim, s, spec);
  }
  co_await sim.sched.Sleep(g.Range(5000, 300000));
  s.st.Ok(SmtpStats::kQuit);
  Disconnect(sim, s);
  sim.smtpd.Release(s.pid, sim.now());
  if (!greylisted.empty())
    sim.sched.Start(InboundLegit(sim, sender_idx, greylisted), g.Range(5 * kMinute, 20 * kMinute));
}

// SpamScenario - what a bot that got past postscreen tries, and how it ends.
enum class SpamPlay : uint8_t {
  kDictionary, kRelay, kUnknownClient, kRbl, kHelo, kSenderDomain, kSpf, kHeaderReject, kBodyReject, kMilterReject,
  kDelivered, kHold, kDiscard, kWarn, kLost, kNonSmtp, kCleanupHold, kCleanupDiscard, kCleanupWarning, kPipelining
};
inline constexpr uint32_t kSpamPlayWeight[] = {250, 60, 90, 80, 60, 50, 40, 40, 20, 80,
                                               80,  8,  8,  20, 50, 15, 5,  5,  10, 10};

// InboundSpam - a bot, a snowshoe spammer or a scanner on port 25.
inline Proc InboundSpam(Sim& sim) {
  Rng& g = sim.rng;
  const Peer& peer = sim.world.spam_hosts[g.Below(sim.world.spam_hosts.size())];
  const std::string from = g.Chance(Ppm(0.1)) ? g.Pick(sim.world.bad_senders) : g.Pick(sim.world.spam_senders);
  Verdict unknown_v = Verdict::kAccept;
  const std::string target = g.Chance(Ppm(0.5)) ? LocalRcpt(sim) : UnknownRcpt(sim, &unknown_v);
  const uint64_t x = g.Below(100);
  const Screen how = x < 45 ? Screen::kListed : x < 53 ? Screen::kPregreet : x < 58 ? Screen::kHangup
                     : x < 85 ? Screen::kPassNew : Screen::kPassOld;
  bool passed = false;
  co_await PostscreenPhase(sim, peer, how, from, target, &passed);
  if (!passed) co_return;

  Session s;
  s.peer = &peer;
  s.pid = sim.smtpd.Acquire(sim.now());
  co_await sim.sched.Sleep(g.Range(500, 5000));
  Connect(sim, s, g.Chance(Ppm(0.2)));
  if (s.st.total[SmtpStats::kEhlo] == 0) s.st.Ok(g.Chance(Ppm(0.8)) ? SmtpStats::kEhlo : SmtpStats::kHelo);
  SpamPlay play = static_cast<SpamPlay>(g.Weighted(kSpamPlayWeight));
  if (play == SpamPlay::kUnknownClient && peer.name != "unknown") play = SpamPlay::kDictionary;

  MailSpec spec;
  spec.from = from;
  spec.msgid_domain = std::string(DomainPart(from));
  auto add = [&](std::string to, Verdict v) { spec.rcpts.push_back({std::move(to), v}); };
  bool quit = true;
  switch (play) {
    case SpamPlay::kDictionary: {
      const int n = static_cast<int>(g.Range(1, 8));
      for (int i = 0; i < n; ++i) {
        Verdict v;
        std::string to = UnknownRcpt(sim, &v);
        add(std::move(to), v);
      }
      break;
    }
    case SpamPlay::kRelay: {
      const int n = static_cast<int>(g.Range(1, 3));
      for (int i = 0; i < n; ++i) add(sim.world.people[g.Below(300)].addr, Verdict::kRelayDenied);  // a few probe targets
      break;
    }
    case SpamPlay::kUnknownClient: add(target, Verdict::kUnknownClient); break;
    case SpamPlay::kRbl: add(target, Verdict::kRbl); break;
    case SpamPlay::kHelo: add(target, g.Chance(Ppm(0.5)) ? Verdict::kHeloFqdn : Verdict::kHeloNotFound); break;
    case SpamPlay::kSenderDomain:
      spec.from = g.Pick(sim.world.bad_senders);
      add(target, Verdict::kSenderDomain);
      break;
    case SpamPlay::kSpf: add(target, Verdict::kSpf); break;
    case SpamPlay::kHold: add(LocalRcpt(sim), Verdict::kHold); break;
    case SpamPlay::kDiscard: add(LocalRcpt(sim), Verdict::kDiscard); break;
    case SpamPlay::kWarn:
      add(LocalRcpt(sim), peer.name == "unknown" ? Verdict::kWarnClient : Verdict::kWarnHelo);
      break;
    default: add(LocalRcpt(sim), Verdict::kAccept); break;
  }
  switch (play) {
    case SpamPlay::kHeaderReject: spec.content = Content::kHeaderReject; break;
    case SpamPlay::kBodyReject: spec.content = Content::kBodyReject; break;
    case SpamPlay::kMilterReject: spec.content = g.Chance(Ppm(0.9)) ? Content::kMilterReject : Content::kMilterDiscard; break;
    case SpamPlay::kCleanupHold: spec.content = Content::kHold; break;
    case SpamPlay::kCleanupDiscard: spec.content = Content::kDiscard; break;
    case SpamPlay::kCleanupWarning: spec.content = Content::kWarning; break;
    default: break;
  }

  if (play == SpamPlay::kNonSmtp) {
    s.st = SmtpStats();
    co_await sim.sched.Sleep(g.Range(100000, 2 * kSecond));
    sim.Log(s.prog, s.pid).S("warning: non-SMTP command from ").NA(peer.name, peer.addr).S(": GET / HTTP/1.1").End();
    s.st.Fail(SmtpStats::kUnknown);
    quit = false;
  } else if (play == SpamPlay::kLost) {
    // The client vanishes (or stalls for 300 s) mid-conversation.
    static const char* kAfter[] = {"CONNECT", "EHLO", "AUTH", "RCPT", "DATA (0 bytes)", "END-OF-MESSAGE"};
    const int stage = static_cast<int>(g.Below(6));
    if (stage == 0) s.st = SmtpStats();
    if (stage == 2) s.st.Fail(SmtpStats::kAuth);
    QueueId qid;
    if (stage >= 3) {  // a recipient was accepted: the queue file exists, then is thrown away
      co_await sim.sched.Sleep(g.Range(100000, 900000));
      s.st.Ok(SmtpStats::kMail);
      s.st.Ok(SmtpStats::kRcpt);
      qid = sim.qids.Acquire(sim.now());
      sim.Log(s.prog, s.pid).S(qid.view()).S(": client=").NA(peer.name, peer.addr).End();
      if (stage == 4) s.st.Fail(SmtpStats::kData);
      if (stage == 5) s.st.Ok(SmtpStats::kData);
    }
    const bool timeout = g.Chance(Ppm(0.2));
    const int64_t wait = timeout ? 300 * kSecond : g.Range(kSecond, 30 * kSecond);
    co_await sim.sched.Sleep(wait);
    sim.Log(s.prog, s.pid).S(timeout ? "timeout after " : "lost connection after ").S(kAfter[stage]).S(" from ")
        .NA(peer.name, peer.addr).End();
    if (stage >= 3) sim.qids.Release(qid);
    quit = false;
  } else if (play == SpamPlay::kPipelining) {
    co_await sim.sched.Sleep(g.Range(10000, 500000));
    sim.Log(s.prog, s.pid).S("improper command pipelining after EHLO from ").NA(peer.name, peer.addr)
        .S(": MAIL FROM:<").S(from).S(">\\r\\nRCPT TO:<").S(target).S(">\\r\\n").End();
    co_await Transaction(sim, s, spec);
  } else {
    const int tries = play == SpamPlay::kDictionary && g.Chance(Ppm(0.3)) ? static_cast<int>(g.Range(2, 3)) : 1;
    for (int i = 0; i < tries; ++i) {
      co_await Transaction(sim, s, spec);
      if (i + 1 < tries) s.st.Ok(SmtpStats::kRset);
    }
  }
  co_await sim.sched.Sleep(g.Range(5000, 800000));
  if (quit) s.st.Ok(SmtpStats::kQuit);
  Disconnect(sim, s);
  sim.smtpd.Release(s.pid, sim.now());
}

// SubmissionSession - one of our users sending mail through port 587 or 465.
inline Proc SubmissionSession(Sim& sim) {
  Rng& g = sim.rng;
  const LocalUser& u = sim.world.users[g.Popular(sim.world.users.size())];
  const Peer& peer = g.Chance(Ppm(0.85)) ? sim.world.user_clients[u.client] : g.Pick(sim.world.user_clients);
  Session s;
  s.prog = g.Chance(Ppm(0.2)) ? kSmtps : kSubmission;
  s.peer = &peer;
  SessionProcs& procs = s.prog == kSmtps ? sim.smtps : sim.submission;
  s.pid = procs.Acquire(sim.now());
  Connect(sim, s, true);
  s.st.Ok(SmtpStats::kEhlo);
  const bool login = g.Chance(Ppm(0.3));
  if (g.Chance(Ppm(0.02))) {  // a mistyped password first
    co_await sim.sched.Sleep(g.Range(kSecond, 3 * kSecond));
    sim.Log(s.prog, s.pid).S("warning: ").NA(peer.name, peer.addr).S(": SASL ").S(login ? "LOGIN" : "PLAIN")
        .S(" authentication failed: ").S(login ? "UGFzc3dvcmQ6" : "(reason unavailable)").S(", sasl_username=")
        .S(u.addr).End();
    s.st.Fail(SmtpStats::kAuth);
  }
  co_await sim.sched.Sleep(g.Range(20000, 300000));
  s.st.Ok(SmtpStats::kAuth);
  const int msgs = g.Chance(Ppm(0.9)) ? 1 : static_cast<int>(g.Range(2, 3));
  for (int k = 0; k < msgs; ++k) {
    MailSpec spec;
    spec.from = u.addr;
    spec.sasl_method = login ? "LOGIN" : "PLAIN";
    spec.sasl_user = u.addr;
    spec.msgid_domain = sim.world.local_domains[u.domain].name;
    const uint64_t c = g.Below(100);
    const int n = c < 60 ? 1 : c < 88 ? static_cast<int>(g.Range(2, 3)) : static_cast<int>(g.Range(4, 12));
    const bool spoof = g.Chance(Ppm(0.01));
    if (spoof) spec.from = sim.world.users[g.Below(sim.world.users.size())].addr;
    for (int i = 0; i < n; ++i) {
      RcptSpec r;
      r.to = g.Chance(Ppm(0.7)) ? sim.world.people[g.Popular(sim.world.people.size())].addr : LocalRcpt(sim);
      if (spoof) r.verdict = Verdict::kNotOwned;
      spec.rcpts.push_back(std::move(r));
    }
    co_await Transaction(sim, s, spec);
  }
  co_await sim.sched.Sleep(g.Range(5000, 200000));
  s.st.Ok(SmtpStats::kQuit);
  Disconnect(sim, s);
  procs.Release(s.pid, sim.now());
}

// PickupMessage - sendmail(1) on the host: cron output, web forms, scripts.
inline Proc PickupMessage(Sim& sim) {
  Rng& g = sim.rng;
  const int64_t dropped = sim.now();
  auto m = std::make_unique<Message>();
  m->qid = sim.qids.Acquire(dropped);
  m->arrival = dropped;
  co_await sim.sched.Sleep(g.Range(2000, 900000));
  std::string login;
  uint32_t uid = 0;
  Rcpt r;
  const uint64_t kind = g.Below(10);
  if (kind < 4) {  // cron: root's mail goes to the postmaster's mailbox via aliases
    login = "root";
    r.to = sim.world.users[sim.world.aliases.front().targets.front()].addr;
    r.orig_to = "root";
  } else if (kind < 6) {  // a web form
    login = "www-data";
    uid = 33;
    r.to = g.Chance(Ppm(0.5)) ? LocalRcpt(sim) : sim.world.people[g.Popular(sim.world.people.size())].addr;
  } else {
    const LocalUser& u = sim.world.users[g.Popular(sim.world.users.size())];
    login = u.local;
    uid = u.uid;
    r.to = g.Chance(Ppm(0.6)) ? sim.world.people[g.Popular(sim.world.people.size())].addr : LocalRcpt(sim);
  }
  const bool qualified = g.Chance(Ppm(0.3));
  m->from = login + "@example.com";
  sim.Log(kPickup).S(m->qid.view()).S(": uid=").U(uid).S(" from=<").S(qualified ? m->from : login).S(">").End();
  co_await sim.sched.Sleep(g.Range(500, 15000));
  m->msgid = PostfixMsgId(sim, m->qid);
  m->size = static_cast<uint32_t>(g.Range(500, 40000));
  sim.Log(kCleanup, sim.cleanup.Pick()).S(m->qid.view()).S(": message-id=").S(m->msgid).End();
  for (const Alias& a : sim.world.aliases) {
    if (a.addr != r.to) continue;
    r.orig_to = r.to;
    r.to = sim.world.users[a.targets.front()].addr;
  }
  PlanRcpt(sim, r, false);
  m->rcpts.push_back(std::move(r));
  Enqueue(sim, std::move(m), g.Range(1000, 20000));
}

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_SMTPD_H_
