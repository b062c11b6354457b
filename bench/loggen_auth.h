// loggen_auth.h - logins: SASL brute force on Postfix, and Dovecot.
//
// SaslAttack is one attacker working through a list of guessed logins on the
// submission (587) or SMTPS (465) port, one short session per guess:
//   postfix/submission/smtpd: connect from unknown[a]
//   dovecot: auth: passwd-file(login,a): unknown user        (Dovecot SASL)
//   postfix/submission/smtpd: warning: unknown[a]: SASL LOGIN authentication
//                             failed: UGFzc3dvcmQ6[, sasl_username=login]
//   postfix/submission/smtpd: disconnect from unknown[a] ehlo=1 auth=0/1 quit=1 commands=2/3
// ImapUser is one of our users' IMAP or POP3 sessions (login ... logout);
// ImapAttack guesses IMAP passwords. Dovecot writes through its log process,
// so every Dovecot line carries the same "dovecot[PID]". Dovecot 2.3 spells
// the failure "imap-login: Disconnected (auth failed, 1 attempts in 2 secs):
// user=<u>, method=PLAIN, rip=.., lip=.., TLS, session=<..>" (with variants).
//
// SEE ALSO smtpd/smtpd_sasl_glue.c, Dovecot src/login-common/client-common-auth.c.
#ifndef MAILLENS_BENCH_LOGGEN_AUTH_H_
#define MAILLENS_BENCH_LOGGEN_AUTH_H_

#include <cstdint>
#include <string>

#include "loggen_sim.h"
#include "loggen_smtpd.h"

namespace loggen {

// IsUser - true if `login` names one of our mailboxes (auth says "Password mismatch").
inline bool IsUser(const Sim& sim, const std::string& login) {
  return login.find('@') != std::string::npos && sim.world.local_index.count(std::string(DomainPart(login)));
}

// AuthLine - Dovecot's auth verdict for one guess.
inline void AuthLine(Sim& sim, const std::string& login, const std::string& addr) {
  sim.Log(kDovecot).S("auth: passwd-file(").S(login).C(',').S(addr).S("): ")
      .S(IsUser(sim, login) ? "Password mismatch" : "unknown user").End();
}

// SaslAttack - a burst of failed SMTP AUTH attempts from one address.
inline Proc SaslAttack(Sim& sim) {
  Rng& g = sim.rng;
  const Peer& peer = sim.world.attackers[g.Popular(sim.world.attackers.size())];
  const Prog prog = g.Chance(Ppm(0.7)) ? kSubmission : kSmtps;
  SessionProcs& procs = prog == kSmtps ? sim.smtps : sim.submission;
  const bool login_method = g.Chance(Ppm(0.6));
  const bool with_user = g.Chance(Ppm(0.6));  // Postfix logs ", sasl_username=" (3.9, backported to Debian 3.7)
  const int64_t gap = g.Range(2, 40) * kSecond;
  const int attempts = static_cast<int>(std::min<int64_t>(5 + g.Exp(60), 600));
  for (int i = 0; i < attempts; ++i) {
    Session s;
    s.prog = prog;
    s.peer = &peer;
    s.pid = procs.Acquire(sim.now());
    Connect(sim, s, prog == kSmtps || g.Chance(Ppm(0.3)));
    if (s.st.total[SmtpStats::kEhlo] == 0) s.st.Ok(SmtpStats::kEhlo);
    const int tries = g.Chance(Ppm(0.2)) ? 2 : 1;
    for (int t = 0; t < tries; ++t) {
      const std::string& login = g.Pick(sim.world.guessed_logins);
      co_await sim.sched.Sleep(g.Range(300000, 2 * kSecond));
      AuthLine(sim, login, peer.addr);
      co_await sim.sched.Sleep(g.Range(1500000, 3 * kSecond));  // auth failure delay
      Writer& w = sim.Log(s.prog, s.pid).S("warning: ").NA(peer.name, peer.addr).S(": SASL ")
                      .S(login_method ? "LOGIN" : "PLAIN").S(" authentication failed: ")
                      .S(login_method ? "UGFzc3dvcmQ6" : "(reason unavailable)");
      if (with_user) w.S(", sasl_username=").S(login);
      w.End();
      s.st.Fail(SmtpStats::kAuth);
    }
    co_await sim.sched.Sleep(g.Range(1000, 500000));
    const uint64_t end = g.Below(10);
    if (end < 2) {
      sim.Log(s.prog, s.pid).S("lost connection after AUTH from ").NA(peer.name, peer.addr).End();
    } else {
      if (end == 9) s.st.Ok(SmtpStats::kRset);
      s.st.Ok(SmtpStats::kQuit);
    }
    Disconnect(sim, s);
    procs.Release(s.pid, sim.now());
    co_await sim.sched.Sleep(g.Exp(gap) + 200000);
  }
}

// ImapSessionId - Dovecot's session=<...> token.
inline std::string ImapSessionId(Rng& g) {
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s(16, 'A');
  for (char& c : s) c = kB64[g.Below(64)];
  return s;
}

// LoginFailure - one "imap-login: ... (auth failed, ...)" line, in one of Dovecot 2.3's spellings.
inline void LoginFailure(Sim& sim, std::string_view service, const std::string& login, const std::string& addr,
                         int attempts) {
  Rng& g = sim.rng;
  static const char* kHow[] = {"Disconnected", "Disconnected", "Disconnected: Inactivity", "Aborted login",
                               "Disconnected: Connection closed"};
  const char* how = g.Pick(kHow);
  const uint64_t secs = std::string_view(how) == "Disconnected: Inactivity" ? 180 : static_cast<uint64_t>(g.Range(1, 12));
  Writer& w = sim.Log(kDovecot).S(service).S("-login: ").S(how).S(" (auth failed, ").U(static_cast<uint64_t>(attempts))
                  .S(" attempts in ").U(secs).S(" secs): user=<").S(login).S(">, method=PLAIN, rip=").S(addr)
                  .S(", lip=").S(sim.world.my_addr);
  if (g.Chance(Ppm(0.8))) w.S(", TLS");
  w.S(", session=<").S(ImapSessionId(g)).S(">").End();
}

// ImapUser - a user's IMAP (or POP3) session from login to logout.
inline Proc ImapUser(Sim& sim) {
  Rng& g = sim.rng;
  const LocalUser& u = sim.world.users[g.Popular(sim.world.users.size())];
  const Peer& peer = g.Chance(Ppm(0.7)) ? sim.world.user_clients[u.client] : g.Pick(sim.world.user_clients);
  const bool pop3 = g.Chance(Ppm(0.15));
  const std::string_view svc = pop3 ? "pop3" : "imap";
  if (g.Chance(Ppm(0.03))) {  // a mistyped password first
    AuthLine(sim, u.addr, peer.addr);
    co_await sim.sched.Sleep(g.Range(1500000, 4 * kSecond));
    LoginFailure(sim, svc, u.addr, peer.addr, 1);
    co_await sim.sched.Sleep(g.Range(3 * kSecond, 40 * kSecond));
  }
  const uint32_t mpid = sim.pids.Next(g);
  const std::string session = ImapSessionId(g);
  sim.Log(kDovecot).S(svc).S("-login: Login: user=<").S(u.addr).S(">, method=PLAIN, rip=").S(peer.addr).S(", lip=")
      .S(sim.world.my_addr).S(", mpid=").U(mpid).S(", TLS, session=<").S(session).S(">").End();
  int64_t stay = g.Range(kSecond, 20 * kSecond);  // POP3: fetch and go
  if (!pop3) stay = std::min<int64_t>(g.Exp(25 * kMinute), 8 * kHour);
  co_await sim.sched.Sleep(stay);
  Writer& w = sim.Log(kDovecot).S(svc).C('(').S(u.addr).S(")<").U(mpid).S("><").S(session).S(">: ");
  if (pop3) {
    const uint64_t n = static_cast<uint64_t>(g.Range(0, 6)), bytes = n * static_cast<uint64_t>(g.Range(2000, 60000));
    w.S("Disconnected: Logged out top=0/0, retr=").U(n).C('/').U(bytes).S(", del=").U(n).C('/').U(n).S(", size=")
        .U(bytes).End();
  } else {
    w.S(g.Chance(Ppm(0.8)) ? "Logged out" : "Disconnected: Connection closed").S(" in=").U(g.Range(100, 90000))
        .S(" out=").U(g.Range(500, 4000000)).S(" deleted=").U(g.Range(0, 3)).S(" expunged=").U(g.Range(0, 3))
        .S(" trashed=0 hdr_count=").U(g.Range(0, 50)).S(" hdr_bytes=").U(g.Range(0, 90000)).S(" body_count=")
        .U(g.Range(0, 10)).S(" body_bytes=").U(g.Range(0, 400000)).End();
  }
}

// ImapAttack - a burst of IMAP password guesses from one address.
inline Proc ImapAttack(Sim& sim) {
  Rng& g = sim.rng;
  const Peer& peer = sim.world.attackers[g.Popular(sim.world.attackers.size())];
  const int attempts = static_cast<int>(std::min<int64_t>(3 + g.Exp(40), 400));
  const int64_t gap = g.Range(1, 30) * kSecond;
  for (int i = 0; i < attempts; ++i) {
    const int per_conn = g.Chance(Ppm(0.25)) ? static_cast<int>(g.Range(2, 3)) : 1;
    const std::string& login = g.Pick(sim.world.guessed_logins);
    for (int k = 0; k < per_conn; ++k) {
      co_await sim.sched.Sleep(g.Range(200000, 2 * kSecond));
      AuthLine(sim, login, peer.addr);
    }
    co_await sim.sched.Sleep(g.Range(kSecond, 3 * kSecond));
    LoginFailure(sim, "imap", login, peer.addr, per_conn);
    co_await sim.sched.Sleep(g.Exp(gap) + 100000);
  }
}

}  // namespace loggen

#endif  // MAILLENS_BENCH_LOGGEN_AUTH_H_
