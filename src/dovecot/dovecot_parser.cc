// dovecot_parser.cc - Dovecot lines, through syslog ("dovecot[pid]: imap-login: ...")
// or from Dovecot's own log file ("imap-login: Info: ...", no host).
//   login processes:  "Login: user=<%u>, method=%m, rip=%r, lip=%l, ..."
//                     "Disconnected|Aborted login|Login aborted...(auth failed, N attempts...): user=<%u>, method=, rip=, ..."
//                     (2.2-2.4 wordings)
//   auth / auth-worker: "passwd-file(%u,%r): unknown user", "...: Password mismatch",
//                       "pam(%u,%r): pam_authenticate() failed: ..."
//   lmtp / lda:       "lmtp(%u)<pid><session>: msgid=<...>: saved mail to INBOX",
//                     "lda(%u): sieve: stored mail into mailbox 'INBOX'"
// kDovecotAuthFailure carries user and client_addr (rip), kDovecotLogin the
// same for successes, kDovecotDelivery the user. Known bookkeeping (logouts,
// disconnects, lmtp connects, master start/stop) and Dovecot's own
// diagnostics (Warning:/Error:/Fatal:/Panic:) are kIgnored; any other line is
// unparsed (false), so the unparsed census shows what no rule understood.
#include <algorithm>
#include <iterator>

#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

namespace {

// "user=<u>" and "rip=a.b.c.d" fields of login lines.
void LoginFields(std::string_view m, Event* ev) {
  bool found;
  ev->user = fields::AngleField(m, "user=<", &found);
  ev->client_addr = fields::PlainField(m, "rip=", ',', &found);
  ev->sasl_method = fields::PlainField(m, "method=", ',', &found);
}

// "service(user,ip): ..." (auth) or "service(user)...: " (lmtp/lda/imap).
void ParenUser(std::string_view subsystem, Event* ev) {
  size_t lp = subsystem.find('(');
  size_t rp = subsystem.find(')', lp == std::string_view::npos ? 0 : lp);
  if (lp == std::string_view::npos || rp == std::string_view::npos) return;
  std::string_view inner = subsystem.substr(lp + 1, rp - lp - 1);
  size_t comma = inner.find(',');
  ev->user = inner.substr(0, comma);
  if (comma != std::string_view::npos) ev->client_addr = inner.substr(comma + 1);
}

// A Warning:/Error:/Fatal:/Panic: line is understood as a diagnostic.
bool Diagnostic(bool diagnostic, Event* ev) {
  if (!diagnostic) return false;
  ev->kind = EventKind::kIgnored;
  return true;
}

}  // namespace

bool ParseDovecot(const SyslogHeader& h, Event* ev) {
  std::string_view m = h.message;
  std::string_view subsystem = h.program;
  if (StartsWith(h.program, "dovecot")) {
    // "imap-login: Login: ..." / "auth-worker(123): ..." / "dovecot: auth(default): ..."
    Consume(&m, "dovecot: ");
    size_t c = m.find(": ");
    if (c == std::string_view::npos) return false;
    subsystem = m.substr(0, c);
    m.remove_prefix(c + 2);
  }
  // Dovecot's own log level prefix.
  static constexpr std::string_view kLevels[] = {"Info: ", "Debug: ", "Warning: ", "Error: ", "Fatal: ", "Panic: "};
  bool diagnostic = false;  // Warning and worse
  for (size_t i = 0; i < std::size(kLevels); ++i) {
    if (Consume(&m, kLevels[i])) {
      diagnostic = i >= 2;
      break;
    }
  }
  ev->text = m;
  std::string_view base = subsystem.substr(0, subsystem.find_first_of("(<["));
  bool login = base.size() > 6 && base.substr(base.size() - 6) == "-login";
  if (login) {
    if (Consume(&m, "Login: ")) {
      LoginFields(m, ev);
      ev->kind = EventKind::kDovecotLogin;
      return true;
    }
    if (m.find("auth failed") != std::string_view::npos) {
      LoginFields(m, ev);
      ev->kind = EventKind::kDovecotAuthFailure;
      return true;
    }
    // Other disconnects, "Aborted login (no auth attempts)", ...
    return IgnoreKnown(m, {"Disconnected", "Aborted login", "Login aborted", "Connection closed",
                           "Maximum number of connections", "proxy("},
                       ev) ||
           Diagnostic(diagnostic, ev);
  }
  if (base == "auth" || base == "auth-worker" || base == "dovecot-auth") {
    // auth(default): ... or passwd-file(u,ip): unknown user
    // The "passdb(user,ip): " segment is the last one before the failure
    // text; 2.3 puts "conn unix:auth-worker (pid=..): auth-worker<55>: " first.
    static constexpr std::string_view kFailures[] = {"unknown user", "Password mismatch", "authentication failure",
                                                     "pam_authenticate() failed", "User not known"};
    size_t fail = std::string_view::npos;
    for (std::string_view f : kFailures) fail = std::min(fail, m.find(f));
    std::string_view who, what = m;
    if (fail != std::string_view::npos && fail >= 2) {
      size_t end = m.rfind(": ", fail);
      if (end != std::string_view::npos) {
        size_t begin = m.rfind(": ", end == 0 ? 0 : end - 1);
        begin = (begin == std::string_view::npos || begin >= end) ? 0 : begin + 2;
        who = m.substr(begin, end - begin);
        what = m.substr(end + 2);
      }
    }
    if (fail != std::string_view::npos) {
      ParenUser(who, ev);
      if (ev->user.empty()) {
        bool found;
        ev->user = fields::PlainField(what, "user=", ' ', &found);
        ev->client_addr = fields::PlainField(what, "rhost=", ' ', &found);
      }
      ev->reason = what;
      ev->kind = EventKind::kDovecotAuthFailure;
      return true;
    }
    return Diagnostic(diagnostic, ev);
  }
  if (m.find("saved mail to ") != std::string_view::npos || m.find("stored mail into mailbox") != std::string_view::npos) {
    ParenUser(subsystem, ev);
    ev->kind = EventKind::kDovecotDelivery;
    return true;
  }
  // Session and process bookkeeping: connects, logouts, master start/stop.
  if (base == "master" || base == "dovecot") {
    ev->kind = EventKind::kIgnored;
    return true;
  }
  return IgnoreKnown(m, {"Logged out", "Disconnected", "Connection closed", "Connect from", "Disconnect from",
                         "Server shutting down", "Killed with signal"},
                     ev) ||
         Diagnostic(diagnostic, ev);
}

}  // namespace maillens::internal
