// matcher.cc - fail2ban's postfix/dovecot filter rules as fixed-string tests.
//
// Each function names the part of filter.d/postfix.conf or dovecot.conf it
// reproduces (fail2ban 1.0.2 and upstream; doc/guard.md has the table).
#include "guard/matcher.h"

#include <cstring>

namespace maillens::guard {

namespace {

using std::string_view;

// Removes `prefix` from the front of *s if it is there.
inline bool Eat(string_view* s, string_view prefix) {
  // The first byte decides most calls: test it before memcmp.
  if (s->size() < prefix.size() || prefix.empty() || (*s)[0] != prefix[0] ||
      std::memcmp(s->data(), prefix.data(), prefix.size()) != 0)
    return false;
  s->remove_prefix(prefix.size());
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsWord(char c) { return IsDigit(c) || IsUpper(c) || IsLower(c) || c == '_'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Removes a run of digits (at least one) from *s.
bool EatDigits(string_view* s) {
  size_t n = 0;
  while (n < s->size() && IsDigit((*s)[n])) ++n;
  if (n == 0) return false;
  s->remove_prefix(n);
  return true;
}

// Removes everything up to the next ' ' (or the end); returns it.
string_view EatWord(string_view* s) {
  const void* sp = std::memchr(s->data(), ' ', s->size());
  size_t n = sp ? static_cast<size_t>(static_cast<const char*>(sp) - s->data()) : s->size();
  string_view t = s->substr(0, n);
  s->remove_prefix(n);
  return t;
}

// Removes a run of non-space characters; returns it (empty if none).
string_view EatToken(string_view* s) {
  size_t n = 0;
  while (n < s->size() && !IsSpace((*s)[n])) ++n;
  string_view t = s->substr(0, n);
  s->remove_prefix(n);
  return t;
}

// True if the rest is only white space (a regex's \s*$).
bool OnlySpace(string_view s) {
  for (char c : s)
    if (!IsSpace(c)) return false;
  return true;
}

// ASCII case-insensitive equality.
bool EqualFold(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (IsUpper(x)) x = static_cast<char>(x - 'A' + 'a');
    if (IsUpper(y)) y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "from [^[]*\[<HOST>\](?::\d+)?" at the front of *s: sets *ip, leaves the rest.
bool EatFromHost(string_view* s, string_view* ip) {
  if (!Eat(s, "from ")) return false;
  size_t open = s->find('[');
  if (open == string_view::npos) return false;
  size_t close = s->find(']', open + 1);
  if (close == string_view::npos) return false;
  *ip = s->substr(open + 1, close - open - 1);
  if (!IsIpAddress(*ip)) return false;
  s->remove_prefix(close + 1);
  string_view port = *s;
  if (Eat(&port, ":") && EatDigits(&port)) *s = port;
  return true;
}

// Time stamp length at the front of a line (traditional, RFC 3339, ISO,
// TAI64N), or 0 if the line does not start with one.
size_t StampLength(string_view line) {
  if (line.empty()) return 0;
  if (line[0] == '@') return line.size() >= 25 ? 25 : 0;
  if (line.size() < 15) return 0;
  if (IsUpper(line[0]) && line[3] == ' ') {  // "Mmm dd hh:mm:ss" or "Mmm d hh:mm:ss"
    size_t p = 4;
    while (p < line.size() && line[p] == ' ') ++p;
    while (p < line.size() && IsDigit(line[p])) ++p;
    if (p + 9 > line.size() || line[p] != ' ' || line[p + 3] != ':' || line[p + 6] != ':') return 0;
    p += 9;
    if (p < line.size() && line[p] == '.') {
      ++p;
      while (p < line.size() && IsDigit(line[p])) ++p;
    }
    return p;
  }
  if (IsDigit(line[0]) && line[4] == '-' && line.size() >= 19) {
    size_t p = line[10] == 'T' ? 10 : 19;
    while (p < line.size() && line[p] != ' ') ++p;
    return p;
  }
  return 0;
}

// Splits a line into its program tag (without "[pid]") and message. False if
// the line has no time stamp or no "prog: " tag after an optional host.
bool SplitLine(string_view line, string_view* program, string_view* msg) {
  size_t p = StampLength(line);
  if (p == 0) return false;
  string_view rest = line.substr(p);
  while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  string_view tok = EatWord(&rest);
  if (tok.empty() || tok.back() != ':') {  // a host name, then the program
    while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
    tok = EatWord(&rest);
    if (tok.empty() || tok.back() != ':') return false;
  }
  tok.remove_suffix(1);
  if (!tok.empty() && tok.back() == ']') {
    size_t open = tok.rfind('[');
    if (open != string_view::npos) tok = tok.substr(0, open);
  }
  *program = tok;
  if (!rest.empty()) rest.remove_prefix(1);
  *msg = rest;
  return true;
}

// fail2ban 1.0.2's _daemon: postfix(-\w+)?/\w+(?:/smtp[ds])?
bool IsPostfixProgram10(string_view p) {
  if (!Eat(&p, "postfix")) return false;
  auto word = [&p]() {
    size_t n = 0;
    while (n < p.size() && IsWord(p[n])) ++n;
    p.remove_prefix(n);
    return n > 0;
  };
  if (Eat(&p, "-") && !word()) return false;
  if (!Eat(&p, "/") || !word()) return false;
  if (p.empty()) return true;
  return p == "/smtpd" || p == "/smtps";
}

// Upstream's _daemon: postfix\b([^\[\s]+)?
bool IsPostfixProgram(string_view p) {
  return Eat(&p, "postfix") && (p.empty() || !IsWord(p[0]));
}

bool IsDovecotProgram(string_view p) {
  return p.substr(0, 7) == "dovecot" || p.substr(0, 4) == "auth" ||
         (p.size() > 6 && p.substr(p.size() - 6) == "-login");
}

// mdre-normal's reject text after "STATUS ": the list of rejections fail2ban
// counts, followed by a word boundary.
bool NormalRejectText(string_view t, bool compat_1_0) {
  if (!t.empty() && t[0] == '<') {
    size_t close = t.find('>');
    if (close == string_view::npos) return false;
    t.remove_prefix(close + 1);
    if (!Eat(&t, ": ")) return false;
  } else {
    Eat(&t, ": ");
  }
  Eat(&t, "Helo command rejected: ") || Eat(&t, "Sender address rejected: ") ||
      Eat(&t, "Recipient address rejected: ");
  static constexpr string_view kAlways[] = {
      "Service unavailable", "Client host rejected", "Command rejected", "Data command rejected",
      "Relay access denied", "Host not found", "Domain not found", "need fully-qualified hostname",
      "match", "User unknown", "user unknown", "Undeliverable address", "undeliverable address"};
  static constexpr string_view kNewer[] = {"Access denied", "Malformed DNS server reply"};
  auto hit = [&t](string_view w) {
    return t.substr(0, w.size()) == w && (t.size() == w.size() || !IsWord(t[w.size()]));
  };
  for (string_view w : kAlways)
    if (hit(w)) return true;
  if (!compat_1_0)
    for (string_view w : kNewer)
      if (hit(w)) return true;
  return false;
}

// The reply of a reject: "CMD from name[HOST](:port)?: CODE X.Y.Z " with
// CODE [45][50][04] (rbl: [45]54 and X.Y.Z [45].7.1); leaves the text after it.
bool EatRejectHead(string_view* t, string_view* ip, bool compat_1_0, bool rbl) {
  size_t n = 0;
  while (n < t->size() && IsUpper((*t)[n])) ++n;
  if (compat_1_0 ? n != 4 : n < 4) return false;
  t->remove_prefix(n);
  if (!Eat(t, " ") || !EatFromHost(t, ip) || !Eat(t, ": ") || t->size() < 4) return false;
  string_view c = *t;
  if ((c[0] != '4' && c[0] != '5') || c[3] != ' ') return false;
  if (rbl ? (c[1] != '5' || c[2] != '4') : ((c[1] != '5' && c[1] != '0') || (c[2] != '0' && c[2] != '4')))
    return false;
  t->remove_prefix(4);
  c = *t;
  if (c.size() < 5 || (c[0] != '4' && c[0] != '5') || c[1] != '.' || !IsDigit(c[2]) || c[3] != '.') return false;
  if (rbl && c[2] != '7') return false;
  c.remove_prefix(4);
  string_view d = c;
  if (!EatDigits(&d) || (rbl && c.substr(0, d.data() - c.data()) != "1") || !Eat(&d, " ")) return false;
  *t = d;
  return true;
}

// mdre-rbl's text: "Service unavailable; Client host [\S+] blocked\b".
bool RblText(string_view t) {
  if (!Eat(&t, "Service unavailable; Client host [")) return false;
  string_view tok = EatToken(&t);
  size_t b = tok.rfind(']');
  if (b == string_view::npos || tok.size() != b + 1) return false;
  return Eat(&t, " blocked") && (t.empty() || !IsWord(t[0]));
}

// "auth=0/N" (N >= 1) among the "name=digits" counters after the client in a
// "disconnect from name[addr] ..." line (mdpr-ddos's lookahead).
bool FailedAuthCounters(string_view t) {
  EatToken(&t);  // the client
  while (Eat(&t, " ")) {
    string_view tok = EatToken(&t);
    string_view v = tok;
    if (Eat(&v, "auth=0/")) {
      if (v.size() == 1 && v[0] >= '1' && v[0] <= '9') return true;
      string_view d = v;
      if (v.size() >= 2 && EatDigits(&d) && d.empty()) return true;
    }
    size_t eq = tok.find('=');
    if (eq == string_view::npos || eq == 0) return false;
    string_view num = tok.substr(eq + 1);
    if (!EatDigits(&num) || !num.empty()) return false;
  }
  return false;
}

// A Dovecot auth argument list "user,ADDR[,more]" (the inside of
// "pam(...)" or "auth(...)"); sets *user and *ip.
bool AuthArgs(string_view args, string_view* user, string_view* ip) {
  size_t c1 = args.find(',');
  if (c1 == string_view::npos) return false;
  size_t c2 = args.find(',', c1 + 1);
  string_view addr = args.substr(c1 + 1, c2 == string_view::npos ? string_view::npos : c2 - c1 - 1);
  if (!IsIpAddress(addr)) return false;
  *user = args.substr(0, c1);
  *ip = addr;
  return true;
}

// dovecot.conf's "(reason)" list of a login process's disconnect line.
bool DovecotReason(string_view r, bool aggressive, bool compat_1_0) {
  string_view t = r;
  if (Eat(&t, "auth failed, ")) {
    if (!EatDigits(&t) || !Eat(&t, " attempts")) return false;
    if (t.empty()) return true;
    return Eat(&t, " in ") && EatDigits(&t) && t == " secs";
  }
  t = r;
  if (Eat(&t, "tried to use ")) {
    if (!Eat(&t, "disabled ") && !Eat(&t, "disallowed ")) return false;
    string_view mech = EatToken(&t);
    return !mech.empty() && t == " auth";
  }
  if (r == "proxy dest auth failed") return true;
  if (!aggressive) return false;
  t = r;
  if (Eat(&t, "no auth attempts") || Eat(&t, "disconnected before auth was ready,") ||
      (!compat_1_0 && Eat(&t, "disconnected during TLS handshake"))) {
  } else if (Eat(&t, "client didn't finish ")) {
    if (EatToken(&t).empty() || !Eat(&t, " auth,")) return false;
  } else {
    return false;
  }
  if (t.empty()) return true;
  return (Eat(&t, " in ") || Eat(&t, " waited ")) && EatDigits(&t) && t == " secs";
}

// The tail of a login process's line from ")" of the reason:
// "[^:]*: [user=<U>,] [method=M,] rip=ADDR..." (1.0.2: "): " directly).
bool DovecotLoginTail(string_view t, bool compat_1_0, string_view* user, string_view* ip) {
  size_t colon = t.find(':');
  if (colon == string_view::npos || (compat_1_0 && colon != 0)) return false;
  t.remove_prefix(colon + 1);
  if (Eat(&t, " user=<")) {
    size_t gt = t.find('>');
    if (gt == string_view::npos) return false;
    *user = t.substr(0, gt);
    t.remove_prefix(gt + 1);
    if (!Eat(&t, ",")) return false;
  }
  if (Eat(&t, " method=")) {
    size_t n = 0;
    while (n < t.size() && !IsSpace(t[n])) ++n;
    if (n == 0 || t[n - 1] != ',') return false;
    t.remove_prefix(n);
  }
  if (!Eat(&t, " rip=")) return false;
  size_t n = 0;
  while (n < t.size() && t[n] != ',' && !IsSpace(t[n])) ++n;
  *ip = t.substr(0, n);
  if (!IsIpAddress(*ip)) return false;
  t.remove_prefix(n);
  // "(?:[^>]*(?:, session=<\S+>)?)\s*$": no '>' except a closing session=<...>.
  size_t gt = t.find('>');
  if (gt == string_view::npos) return true;
  size_t s = t.rfind(", session=<");
  if (s == string_view::npos || s > gt) return false;
  string_view sess = t.substr(s + 11);
  string_view id = EatToken(&sess);
  return id.size() >= 2 && id.back() == '>' && id.find('>') == id.size() - 1 && OnlySpace(sess);
}

}  // namespace

bool IsIpAddress(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  if (s.find(':') == string_view::npos) {
    int parts = 0;
    while (true) {
      string_view d = s;
      if (!EatDigits(&d) || s.size() - d.size() > 3) return false;
      ++parts;
      s = d;
      if (s.empty()) return parts == 4;
      if (!Eat(&s, ".")) return false;
    }
  }
  int colons = 0;
  for (char c : s) {
    if (c == ':') ++colons;
    else if (!(IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.')) return false;
  }
  return colons >= 2;
}

bool ParseMode(std::string_view s, Mode* out) {
  static constexpr std::pair<string_view, Mode> kModes[] = {
      {"normal", Mode::kNormal}, {"more", Mode::kMore},   {"rbl", Mode::kRbl},
      {"auth", Mode::kAuth},     {"ddos", Mode::kDdos},   {"extra", Mode::kExtra},
      {"aggressive", Mode::kAggressive}, {"errors", Mode::kErrors}};
  for (const auto& [name, m] : kModes)
    if (s == name) return *out = m, true;
  return false;
}

const char* ModeName(Mode m) {
  static const char* const kNames[] = {"normal", "more", "rbl", "auth", "ddos", "extra", "aggressive", "errors"};
  return kNames[static_cast<int>(m)];
}

bool ParseFilter(std::string_view s, Filter* out) {
  if (s == "postfix") return *out = Filter::kPostfix, true;
  if (s == "dovecot") return *out = Filter::kDovecot, true;
  if (s == "all") return *out = Filter::kAll, true;
  return false;
}

const char* SourceName(Source s) {
  static const char* const kNames[] = {"postfix-sasl", "postfix-reject", "postfix-abuse", "dovecot"};
  return kNames[static_cast<int>(s)];
}

LineMatcher::LineMatcher(MatcherOptions options) : o_(options), header_(options.year) {
  postfix_ = o_.filter != Filter::kDovecot;
  dovecot_ = o_.filter != Filter::kPostfix;
  const Mode m = o_.mode;
  sasl_ = m == Mode::kAuth || m == Mode::kExtra;
  sasl_lenient_ = m == Mode::kAggressive;
  normal_ = m == Mode::kNormal || m == Mode::kMore || m == Mode::kExtra || m == Mode::kAggressive;
  rbl_ = m == Mode::kRbl;
  ddos_ = m == Mode::kDdos || m == Mode::kAggressive;
  errors_ = m == Mode::kErrors;
  resolve_ = m == Mode::kAggressive && !o_.compat_1_0;
  dovecot_aggressive_ = m == Mode::kAggressive;
}

int64_t LineMatcher::LineTime(std::string_view line) {
  if (!line.empty() && line[0] == '@') {  // TAI64N: 2^62 + seconds
    uint64_t v = 0;
    for (size_t i = 1; i < 17 && i < line.size(); ++i) {
      char c = line[i];
      int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) return 0;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    return static_cast<int64_t>(v - (uint64_t{1} << 62));
  }
  SyslogHeader h;
  if (header_.Parse(line, &h)) return h.epoch;
  // Headers the syslog parser does not take (no program tag it knows):
  // date the line from a synthetic header with the same stamp.
  size_t n = StampLength(line);
  std::string_view stamp = line.substr(0, n);
  char buf[96];
  if (n == 0 || n + 8 > sizeof buf) return 0;
  std::memcpy(buf, stamp.data(), n);
  std::memcpy(buf + n, " h p: m", 7);
  return header_.Parse(std::string_view(buf, n + 7), &h) ? h.epoch : 0;
}

bool LineMatcher::Match(std::string_view line, guard::Match* out) {
  string_view program, msg;
  if (!SplitLine(line, &program, &msg) || program.empty()) return false;
  *out = guard::Match();
  bool hit = false;
  if (postfix_ && program[0] == 'p' &&
      (o_.compat_1_0 ? IsPostfixProgram10(program) : IsPostfixProgram(program))) {
    hit = MatchPostfix(msg, out);
  } else if (dovecot_ && IsDovecotProgram(program)) {
    hit = MatchDovecot(program, msg, out);
  }
  if (hit) out->time = LineTime(line);
  return hit;
}

bool LineMatcher::MatchPostfixWarning(std::string_view w, guard::Match* out) const {
  if (sasl_ || sasl_lenient_) {
    // mdre-auth: ^[^[]*\[<HOST>\](:port)?: SASL (LOGIN|PLAIN|CRAM-MD5|DIGEST-MD5) authentication failed:
    string_view t = w;
    size_t open = t.find('[');
    size_t close = open == string_view::npos ? open : t.find(']', open + 1);
    if (close != string_view::npos) {
      string_view ip = t.substr(open + 1, close - open - 1);
      t.remove_prefix(close + 1);
      string_view port = t;
      if (Eat(&port, ":") && EatDigits(&port)) t = port;
      if (IsIpAddress(ip) && Eat(&t, ": SASL ")) {
        string_view mech = EatToken(&t);
        if ((EqualFold(mech, "LOGIN") || EqualFold(mech, "PLAIN") || EqualFold(mech, "CRAM-MD5") ||
             EqualFold(mech, "DIGEST-MD5")) &&
            Eat(&t, " authentication failed:") && t.substr(0, 41) != " Connection lost to authentication server" &&
            (sasl_lenient_ || t.substr(0, 33) != " Invalid authentication mechanism")) {
          out->ip = ip;
          out->source = Source::kPostfixSasl;
          size_t u = t.rfind(", sasl_username=");
          if (u != string_view::npos) {
            string_view rest = t.substr(u + 16);
            string_view user = EatToken(&rest);
            if (!user.empty() && OnlySpace(rest)) out->user = user;
          }
          return true;
        }
      }
    }
  }
  if (o_.compat_1_0) return false;
  if (ddos_) {
    // mdad-ddos: (Message delivery request|Connection) rate limit exceeded: \d+ from [^[]*\[<ADDR>\]
    string_view t = w;
    if ((Eat(&t, "Message delivery request rate limit exceeded: ") ||
         Eat(&t, "Connection rate limit exceeded: ")) &&
        EatDigits(&t) && Eat(&t, " ") && EatFromHost(&t, &out->ip)) {
      out->source = Source::kPostfixAbuse;
      return true;
    }
  }
  if (resolve_) {
    // aggressive: ^hostname \S+ does not resolve to address <ADDR>
    string_view t = w;
    if (Eat(&t, "hostname ") && !EatToken(&t).empty() && Eat(&t, " does not resolve to address ")) {
      string_view ip = EatToken(&t);
      if (!ip.empty() && ip.back() == ':') ip.remove_suffix(1);
      if (IsIpAddress(ip)) {
        out->ip = ip;
        out->source = Source::kPostfixAbuse;
        return true;
      }
    }
  }
  return false;
}

bool LineMatcher::MatchPostfix(std::string_view msg, guard::Match* out) const {
  if (msg.empty()) return false;
  string_view t = msg;
  if (Eat(&t, "warning: ")) {
    if (MatchPostfixWarning(t, out)) return true;
  }
  // _pref: an optional "QUEUEID: " / "NOQUEUE: " (1.0.2: only before reject:).
  t = msg;
  bool had_pref = false;
  {
    size_t n = 0;
    while (n < t.size() && IsWord(t[n])) ++n;
    if (n > 0 && t.substr(n, 2) == ": ") {
      t.remove_prefix(n + 2);
      had_pref = true;
    }
  }
  if (normal_ || rbl_) {
    string_view r = t;
    if ((!o_.compat_1_0 || had_pref) && (Eat(&r, "reject: ") || Eat(&r, "milter-reject: "))) {
      string_view ip;
      string_view head = r;
      if (normal_ && EatRejectHead(&head, &ip, o_.compat_1_0, false) && NormalRejectText(head, o_.compat_1_0)) {
        out->ip = ip;
        out->source = Source::kPostfixReject;
        return true;
      }
      head = r;
      if (rbl_ && EatRejectHead(&head, &ip, o_.compat_1_0, true) && RblText(head)) {
        out->ip = ip;
        out->source = Source::kPostfixReject;
        return true;
      }
      return false;
    }
  }
  if (had_pref && o_.compat_1_0) return false;
  // "... after CMD from name[addr]" family: the prefix, then "from ...".
  auto after_cmd = [](string_view* s) {  // "after \S+ "
    if (!Eat(s, "after ")) return false;
    return !EatToken(s).empty() && Eat(s, " ");
  };
  string_view r = t;
  bool ok = false;
  Source source = Source::kPostfixReject;
  if ((normal_ || errors_) && Eat(&r, "too many errors ") && after_cmd(&r)) {
    ok = true;
    if (errors_) {  // mdre-errors: ^from [^[]*\[<HOST>\](:port)?$
      string_view ip;
      if (!EatFromHost(&r, &ip) || !OnlySpace(r)) return false;
      out->ip = ip;
      out->source = source;
      return true;
    }
  } else if (normal_ && Eat(&(r = t), "improper command pipelining ") && after_cmd(&r)) {
    ok = true;
  } else if (ddos_) {
    source = Source::kPostfixAbuse;
    r = t;
    if (Eat(&r, "lost connection after ")) {
      size_t n = 0;
      while (n < r.size() && IsUpper(r[n])) ++n;
      string_view cmd = r.substr(0, n);
      bool excluded = o_.compat_1_0 ? cmd.substr(0, 4) == "DATA" : (cmd == "DATA" || cmd == "AUTH");
      r.remove_prefix(n);
      ok = n > 0 && !excluded && Eat(&r, " ");
    } else if (Eat(&r, "disconnect ")) {
      string_view look = r;
      ok = Eat(&look, "from ") && FailedAuthCounters(look);
    } else if (Eat(&r, "PREGREET ")) {
      ok = EatDigits(&r) && Eat(&r, " ") && after_cmd(&r);
    } else if (Eat(&r, "HANGUP ")) {
      ok = after_cmd(&r);
    } else if (Eat(&r, "COMMAND ")) {
      ok = (Eat(&r, "TIME") || Eat(&r, "COUNT") || Eat(&r, "LENGTH")) && Eat(&r, " LIMIT ");
    }
  }
  if (!ok) return false;
  string_view ip;
  if (!EatFromHost(&r, &ip)) return false;
  out->ip = ip;
  out->source = source;
  return true;
}

bool LineMatcher::MatchDovecot(std::string_view program, std::string_view msg, guard::Match* out) const {
  const bool newer = !o_.compat_1_0;
  string_view prefix_ip, prefix_user;
  // Dovecot 2.4 auth process: "auth(user,ADDR,...)<session>: "
  if (newer && program.substr(0, 5) == "auth(") {
    size_t close = program.find(')');
    if (close != string_view::npos) AuthArgs(program.substr(5, close - 5), &prefix_user, &prefix_ip);
  }
  string_view c = msg;
  Eat(&c, "dovecot: ");
  // _auth_worker: auth(-worker)?(\(...\))?(<...>)?: 
  {
    string_view t = c;
    if (Eat(&t, "auth")) {
      Eat(&t, "-worker");
      string_view args;
      if (!t.empty() && t[0] == '(') {
        size_t close = t.find(')');
        if (close == string_view::npos) close = t.size();
        args = t.substr(1, close - 1);
        t.remove_prefix(std::min(close + 1, t.size()));
      }
      if (newer && !t.empty() && t[0] == '<') {
        size_t gt = t.find('>');
        if (gt != string_view::npos) t.remove_prefix(gt + 1);
      }
      if (Eat(&t, ": ")) {
        c = t;
        if (newer) AuthArgs(args, &prefix_user, &prefix_ip);
      }
    }
  }
  Eat(&c, "pam_unix(dovecot:auth): ") || Eat(&c, "pam_unix: ") || Eat(&c, "pop3-login: ") ||
      Eat(&c, "imap-login: ") || Eat(&c, "managesieve-login: ") || Eat(&c, "submission-login: ");
  if (newer && c.substr(0, 9) == "request [") {
    string_view t = c.substr(9);
    if (EatDigits(&t) && Eat(&t, "]: ")) c = t;
  }
  Eat(&c, "Info: ");
  if (newer) {  // _auth_driver: "sql: "
    size_t n = 0;
    while (n < c.size() && (IsLower(c[n]) || c[n] == '-')) ++n;
    if (n > 0 && c.substr(n, 2) == ": ") c.remove_prefix(n + 2);
  }
  if (c.substr(0, 5) == "conn ") {  // conn unix:auth-worker (...): auth-worker<N>: 
    string_view t = c;
    size_t close = t.find("): ");
    if (close != string_view::npos) {
      t.remove_prefix(close + 3);
      if (Eat(&t, "auth")) {
        Eat(&t, "-worker");
        if (Eat(&t, "<") && EatDigits(&t) && Eat(&t, ">: ")) c = t;
      }
    }
  }
  out->source = Source::kDovecot;
  string_view t = c;
  // pam_unix: authentication failure; logname= uid= euid= tty=dovecot ruser= rhost=<HOST> [user=]
  if (Eat(&t, "authentication failure; logname=")) {
    EatToken(&t);
    static constexpr string_view kFields[] = {" uid=", " euid=", " tty=dovecot"};
    for (string_view f : kFields) {
      if (!Eat(&t, f)) return false;
      if (f != " tty=dovecot") EatToken(&t);
    }
    if (!Eat(&t, " ruser=")) return false;
    string_view ruser = EatToken(&t);
    if (!Eat(&t, " rhost=")) return false;
    string_view ip = EatToken(&t);
    if (!IsIpAddress(ip)) return false;
    string_view alt;
    while (!t.empty() && IsSpace(t[0])) t.remove_prefix(1);
    if (Eat(&t, "user=")) alt = EatToken(&t);
    if (!OnlySpace(t)) return false;
    out->ip = ip;
    out->user = ruser.empty() ? alt : ruser;
    return true;
  }
  // Login processes: (Login aborted|Aborted login|Disconnected|...)(: ...)? (reason)...: rip=<HOST>
  t = c;
  if ((newer && Eat(&t, "Login aborted")) || Eat(&t, "Aborted login") || Eat(&t, "Disconnected") ||
      Eat(&t, "Remote closed connection") || Eat(&t, "Client has quit the connection")) {
    if (!t.empty() && t[0] != ':' && t[0] != ' ') return false;
    size_t from = 0;
    while (true) {
      size_t open = t.find(" (", from);
      if (open == string_view::npos) return false;
      if (open != 0 && t[0] != ':') return false;
      size_t close = t.find(')', open + 2);
      if (close == string_view::npos) return false;
      string_view user, ip;
      if (DovecotReason(t.substr(open + 2, close - open - 2), dovecot_aggressive_, o_.compat_1_0) &&
          DovecotLoginTail(t.substr(close + 1), o_.compat_1_0, &user, &ip)) {
        out->ip = ip;
        out->user = user;
        return true;
      }
      from = open + 2;
    }
  }
  // pam(user,ADDR[,x]): pam_authenticate() failed: ...
  t = c;
  if (Eat(&t, "pam(")) {
    size_t close = t.find("): ");
    if (close == string_view::npos) return false;
    string_view args = t.substr(0, close), user, ip;
    if (args.find(' ') != string_view::npos || !AuthArgs(args, &user, &ip)) return false;
    t.remove_prefix(close + 3);
    if (Eat(&t, "pam_authenticate() failed: ")) {
      bool ok = false;
      string_view r = t;
      if (Eat(&r, "User not known to the underlying authentication module: ")) {
        ok = EatDigits(&r) && Eat(&r, " Time(s)");
      } else if (Eat(&r, "Authentication failure (")) {
        ok = (Eat(&r, "password mismatch?)") || Eat(&r, "Password mismatch?)"));
      } else {
        ok = Eat(&r, "Permission denied");
      }
      if (!ok || !OnlySpace(r)) return false;
      out->ip = ip;
      out->user = user;
      return true;
    }
    // else fall through to the driver rule below ("pam(u,ip): unknown user")
  }
  // ([a-z-]{3,15}\(\S*,<HOST>(,\S*)?\): )?([Uu]nknown user|[Ii]nvalid credentials|[Pp]assword mismatch)
  t = c;
  string_view user = prefix_user, ip = prefix_ip;
  {
    size_t n = 0;
    while (n < t.size() && (IsLower(t[n]) || t[n] == '-')) ++n;
    if (n >= 3 && n <= 15 && t.size() > n && t[n] == '(') {
      size_t close = t.find("): ", n);
      if (close == string_view::npos) return false;
      string_view args = t.substr(n + 1, close - n - 1);
      if (args.find(' ') != string_view::npos || !AuthArgs(args, &user, &ip)) return false;
      t.remove_prefix(close + 3);
    } else if (o_.compat_1_0) {
      return false;
    }
  }
  if (ip.empty()) return false;
  // [Uu]nknown user|[Ii]nvalid credentials|[Pp]assword mismatch
  string_view r = t.substr(std::min<size_t>(1, t.size()));
  char first = t.empty() ? 0 : t[0];
  if (((first == 'U' || first == 'u') && r.substr(0, 11) == "nknown user") ||
      ((first == 'I' || first == 'i') && r.substr(0, 18) == "nvalid credentials") ||
      ((first == 'P' || first == 'p') && r.substr(0, 16) == "assword mismatch")) {
    out->ip = ip;
    out->user = user;
    return true;
  }
  return false;
}

}  // namespace maillens::guard
