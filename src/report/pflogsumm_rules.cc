// pflogsumm_rules.cc - pflogsumm 1.1.5's regular expressions as plain scans.
// Each block quotes the expression it reproduces; the scans follow Perl's
// matching order (leftmost match, greedy or lazy as written).
#include "report/pflogsumm_rules.h"

#include <cstring>
#include <functional>
#include <vector>

namespace maillens::pfl {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsWord(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool StartsWithNoCase(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (Lower(s[i]) != p[i]) return false;
  return true;
}

// /^(.*)\.([^\.]+)\.([^\.]{3}|[^\.]{2,3}\.[^\.]{2})$/: the position of the
// dot ending $1 (greedy: the rightmost that works), or npos.
size_t DomainSplit(std::string_view d) {
  for (size_t d1 = d.rfind('.'); d1 != std::string_view::npos; d1 = d1 == 0 ? std::string_view::npos : d.rfind('.', d1 - 1)) {
    size_t d2 = d.find('.', d1 + 1);
    if (d2 == std::string_view::npos || d2 == d1 + 1) continue;
    std::string_view tail = d.substr(d2 + 1);
    size_t dot = tail.find('.');
    if (dot == std::string_view::npos) {
      if (tail.size() == 3) return d1;
    } else if ((dot == 2 || dot == 3) && tail.size() - dot - 1 == 2 && tail.find('.', dot + 1) == std::string_view::npos) {
      return d1;
    }
  }
  return std::string_view::npos;
}

bool IsIpv4At(std::string_view s, size_t i, size_t* end) {
  for (int part = 0; part < 4; ++part) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) ++i;
    if (i == start) return false;
    if (part < 3) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  *end = i;
  return true;
}

bool IsHexIpChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

// A "[^;,]+[;,]" run at q: its end, or npos.
size_t RunToSemiComma(std::string_view r, size_t q) {
  if (q >= r.size()) return std::string_view::npos;
  size_t e = r.find_first_of(";,", q);
  if (e == std::string_view::npos || e == q) return std::string_view::npos;
  return e;
}

}  // namespace

void GimmeDomain(std::string_view s, std::string* out) {
  std::string_view domain, ip;
  bool ok = false;
  // /^([^\[]*)\[((?:\d{1,3}\.){3}\d{1,3})\]/
  size_t b = s.find('[');
  size_t end;
  if (b != std::string_view::npos && IsIpv4At(s, b + 1, &end) && end < s.size() && s[end] == ']') {
    domain = s.substr(0, b);
    ip = s.substr(b + 1, end - b - 1);
    ok = true;
  }
  // /^([^\/]*)\/([0-9a-f.:]+)/i
  if (!ok) {
    size_t sl = s.find('/');
    if (sl != std::string_view::npos && sl + 1 < s.size() && IsHexIpChar(s[sl + 1])) {
      size_t e = sl + 1;
      while (e < s.size() && IsHexIpChar(s[e])) ++e;
      domain = s.substr(0, sl);
      ip = s.substr(sl + 1, e - sl - 1);
      ok = true;
    }
  }
  // /^([^\[\(\/]*)[\[\(\/]([^\]\)]+)[\]\)]:?\d*$/
  if (!ok) {
    size_t o = s.find_first_of("[(/");
    if (o != std::string_view::npos) {
      size_t c = s.find_first_of("])", o + 1);
      if (c != std::string_view::npos && c > o + 1) {
        size_t i = c + 1;
        if (i < s.size() && s[i] == ':') ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
        if (i == s.size()) {
          domain = s.substr(0, o);
          ip = s.substr(o + 1, c - o - 1);
        }
      }
    }
  }
  if (domain.empty() || domain == "unknown") {
    out->append(ip);
    return;
  }
  size_t d1 = DomainSplit(domain);
  if (d1 == std::string_view::npos) {
    out->append(domain);
  } else {
    AppendLower(out, domain.substr(d1 + 1));
  }
}

void StringTrimmer(std::string_view s, size_t max, std::string* out) {
  if (s.size() > max) {
    out->append(s.substr(0, max - 3)).append("...");
  } else {
    out->append(s);
  }
}

void SaidStringTrimmer(std::string_view t, size_t max, std::string* out) {
  while (t.size() > max) {
    size_t said = t.rfind(" said: ");
    if (said != std::string_view::npos) {  // s/^.* said: //
      t.remove_prefix(said + 7);
      continue;
    }
    size_t colon = t.find(':');
    if (colon != std::string_view::npos) {  // s/^.*?: *//
      t.remove_prefix(colon + 1);
      while (!t.empty() && t[0] == ' ') t.remove_prefix(1);
      continue;
    }
    out->append(t.substr(0, max - 3)).append("...");
    return;
  }
  out->append(t);
}

bool SplitReject(std::string_view msg, std::string_view* stage, std::string_view* client, std::string_view* rmdr) {
  // /^.* \b(?:reject(?:_warning)?|hold|discard): (\S+) from (\S+?): (.*)$/ on
  // "prog[pid]: MSG": the keyword follows a space (or starts MSG); greedy
  // ".*" takes the last such place. maillens also reads smtpd's
  // "milter-reject:" (docs/pflogsumm-differences.md, smtpd-milter-reject).
  static constexpr std::string_view kWords[] = {"reject_warning", "reject", "hold", "discard"};
  // Candidates: each ": " from the right, preceded by a keyword.
  for (size_t c = msg.rfind(": "); c != std::string_view::npos; c = c == 0 ? std::string_view::npos : msg.rfind(": ", c - 1)) {
    std::string_view head = msg.substr(0, c);
    size_t kw = std::string_view::npos;
    for (std::string_view w : kWords) {
      if (head.size() >= w.size() && head.substr(head.size() - w.size()) == w) {
        kw = head.size() - w.size();
        break;
      }
    }
    if (kw == std::string_view::npos) continue;
    bool at_word = kw == 0 || msg[kw - 1] == ' ';
    if (!at_word && kw >= 7 && msg.substr(kw - 7, 7) == "milter-") at_word = (kw == 7 || msg[kw - 8] == ' ');
    if (!at_word) continue;
    std::string_view rest = msg.substr(c + 2);
    size_t sp = 0;
    while (sp < rest.size() && !IsSpace(rest[sp])) ++sp;
    if (sp == 0 || !StartsWith(rest.substr(sp), " from ")) continue;
    size_t j = sp + 6, k = j + 1;
    bool found = false;
    for (; k < rest.size() && !IsSpace(rest[k - 1]); ++k) {
      if (rest[k] == ':' && k + 1 < rest.size() && rest[k + 1] == ' ') {
        found = true;
        break;
      }
    }
    if (!found || IsSpace(rest[j])) continue;
    *stage = rest.substr(0, sp);
    *client = rest.substr(j, k - j);
    *rmdr = rest.substr(k + 2);
    return true;
  }
  return false;
}

void RejectReason(std::string_view stage, std::string_view r, std::string* out) {
  std::string& s = *out;
  size_t base = s.size();
  auto cur = [&]() { return std::string_view(s).substr(base); };
  // Replaces the reason with `v`, which may be a view into it: move the
  // bytes down in place instead of copying through a temporary.
  auto set = [&](std::string_view v) {
    const char* d = s.data() + base;
    if (v.data() >= d && v.data() + v.size() <= s.data() + s.size()) {
      std::memmove(s.data() + base, v.data(), v.size());
      s.resize(base + v.size());
      return;
    }
    s.resize(base);
    s.append(v);
  };
  s.append(r);
  if (stage == "RCPT" || stage == "DATA" || stage == "CONNECT") {
    // s/^(\d{3} <).*?(>:)/$1$2/
    std::string_view v = cur();
    if (v.size() >= 5 && IsDigit(v[0]) && IsDigit(v[1]) && IsDigit(v[2]) && v[3] == ' ' && v[4] == '<') {
      size_t g = v.find(">:", 5);
      if (g != std::string_view::npos) s.erase(base + 5, g - 5);
    }
    // s/^(?:\d{3} \d\.\d\.\d )(Protocol error);.*$/$1/
    v = cur();
    if (v.size() >= 25 && IsDigit(v[0]) && IsDigit(v[1]) && IsDigit(v[2]) && v[3] == ' ' && IsDigit(v[4]) &&
        v[5] == '.' && IsDigit(v[6]) && v[7] == '.' && IsDigit(v[8]) && v[9] == ' ' &&
        StartsWith(v.substr(10), "Protocol error;")) {
      set("Protocol error");
    }
    // s/^(?:.*?[:;] )(?:\[[^\]]+\] )?([^;,]+)[;,].*$/$1/
    v = cur();
    for (size_t p = 0; p + 1 < v.size(); ++p) {
      if ((v[p] != ':' && v[p] != ';') || v[p + 1] != ' ') continue;
      size_t q = p + 2, e = std::string_view::npos, from = q;
      if (q < v.size() && v[q] == '[') {
        size_t b = v.find(']', q + 1);
        if (b != std::string_view::npos && b > q + 1 && b + 1 < v.size() && v[b + 1] == ' ') {
          e = RunToSemiComma(v, b + 2);
          from = b + 2;
        }
      }
      if (e == std::string_view::npos) {
        e = RunToSemiComma(v, q);
        from = q;
      }
      if (e != std::string_view::npos) {
        set(v.substr(from, e - from));
        break;
      }
    }
    // s/^((?:Sender|Recipient) address rejected: [^:]+):.*$/$1/
    v = cur();
    for (std::string_view pre : {std::string_view("Sender address rejected: "), std::string_view("Recipient address rejected: ")}) {
      if (StartsWith(v, pre)) {
        size_t c = v.find(':', pre.size());
        if (c != std::string_view::npos && c > pre.size()) s.resize(base + c);
        break;
      }
    }
    // s/(client|Client host|Sender address) .+? blocked/blocked/
    v = cur();
    // Nothing to do unless " blocked" occurs at all (most reasons).
    const bool has_blocked = v.find(" blocked") != std::string_view::npos;
    for (size_t i = 0; has_blocked && i < v.size(); ++i) {
      bool done = false;
      for (std::string_view alt : {std::string_view("client "), std::string_view("Client host "), std::string_view("Sender address ")}) {
        if (!StartsWith(v.substr(i), alt)) continue;
        size_t k = v.find(" blocked", i + alt.size() + 1);
        if (k == std::string_view::npos) continue;
        std::string tmp;
        tmp.append(v.substr(0, i)).append("blocked").append(v.substr(k + 8));
        set(tmp);
        done = true;
        break;
      }
      if (done) break;
    }
  } else if (stage == "MAIL") {
    // s/^\d{3} (?:<.+>: )?([^;:]+)[;:]?.*$/$1/
    std::string_view v = cur();
    if (v.size() >= 4 && IsDigit(v[0]) && IsDigit(v[1]) && IsDigit(v[2]) && v[3] == ' ') {
      size_t from = std::string_view::npos;
      if (v.size() > 4 && v[4] == '<') {
        for (size_t g = v.rfind(">: "); g != std::string_view::npos && g > 5;
             g = v.rfind(">: ", g - 1)) {
          if (g + 3 < v.size() && v[g + 3] != ';' && v[g + 3] != ':') {
            from = g + 3;
            break;
          }
        }
      }
      if (from == std::string_view::npos && v.size() > 4 && v[4] != ';' && v[4] != ':') from = 4;
      if (from != std::string_view::npos) {
        size_t e = v.find_first_of(";:", from);
        set(v.substr(from, e == std::string_view::npos ? std::string_view::npos : e - from));
      }
    }
  } else {
    // s/^(?:.*[:;] )?([^,]+).*$/$1/
    std::string_view v = cur();
    size_t from = std::string_view::npos;
    for (size_t p = v.size() >= 2 ? v.size() - 2 : std::string_view::npos; p != std::string_view::npos;
         p = p == 0 ? std::string_view::npos : p - 1) {
      if ((v[p] == ':' || v[p] == ';') && v[p + 1] == ' ' && p + 2 < v.size() && v[p + 2] != ',') {
        from = p + 2;
        break;
      }
    }
    if (from == std::string_view::npos && !v.empty() && v[0] != ',') from = 0;
    if (from != std::string_view::npos) {
      size_t e = v.find(',', from);
      set(v.substr(from, e == std::string_view::npos ? std::string_view::npos : e - from));
    }
  }
}

namespace {
// /KEY<([^>]+)>/: the first occurrence with a non-empty value.
bool Bracketed(std::string_view r, std::string_view key, std::string_view* out) {
  for (size_t i = r.find(key); i != std::string_view::npos; i = r.find(key, i + 1)) {
    size_t j = i + key.size();
    size_t e = r.find('>', j);
    if (e == std::string_view::npos) return false;
    if (e > j) {
      *out = r.substr(j, e - j);
      return true;
    }
  }
  return false;
}
}  // namespace

std::string_view RejectTo(std::string_view r) {
  std::string_view to;
  if (Bracketed(r, "to=<", &to)) return to;
  // /\d{3} <([^>]+)>: User unknown /
  for (size_t i = r.find(" <"); i != std::string_view::npos; i = r.find(" <", i + 1)) {
    if (i < 3 || !IsDigit(r[i - 1]) || !IsDigit(r[i - 2]) || !IsDigit(r[i - 3])) continue;
    size_t j = i + 2, e = r.find('>', j);
    if (e != std::string_view::npos && e > j && StartsWith(r.substr(e), ">: User unknown ")) return r.substr(j, e - j);
  }
  // /to=<(.*?)(?:[, ]|$)/
  size_t i = r.find("to=<");
  if (i != std::string_view::npos) {
    size_t j = i + 4, e = r.find_first_of(", ", j);
    return r.substr(j, e == std::string_view::npos ? std::string_view::npos : e - j);
  }
  return "<>";
}

std::string_view RejectFrom(std::string_view r) {
  std::string_view from;
  if (Bracketed(r, "from=<", &from)) return from;
  return "<>";
}

void VerpMung(int level, std::string* addr) {
  if (level <= 0) return;
  // s/((?:bounce[ds]?|no(?:list|reply|response)|return|sentto|\d+).*?)(?:[\+_\.\*-]\d+\b)+/$1-ID/i
  std::string& a = *addr;
  auto rep_at = [&](size_t k) -> size_t {  // end of one "[+_.*-]\d+\b" at k, or npos
    if (k >= a.size()) return std::string::npos;
    char c = a[k];
    if (c != '+' && c != '_' && c != '.' && c != '*' && c != '-') return std::string::npos;
    size_t e = k + 1;
    while (e < a.size() && IsDigit(a[e])) ++e;
    if (e == k + 1 || (e < a.size() && IsWord(a[e]))) return std::string::npos;
    return e;
  };
  bool done = false;
  for (size_t i = 0; i < a.size() && !done; ++i) {
    std::string_view v(a);
    v.remove_prefix(i);
    size_t alt = 0;
    if (StartsWithNoCase(v, "bounce")) alt = 6;
    else if (StartsWithNoCase(v, "nolist")) alt = 6;
    else if (StartsWithNoCase(v, "noreply")) alt = 7;
    else if (StartsWithNoCase(v, "noresponse")) alt = 10;
    else if (StartsWithNoCase(v, "return")) alt = 6;
    else if (StartsWithNoCase(v, "sentto")) alt = 6;
    else if (IsDigit(v[0])) alt = 1;
    if (alt == 0) continue;
    for (size_t k = i + alt; k < a.size(); ++k) {
      size_t e = rep_at(k);
      if (e == std::string::npos) continue;
      size_t next;
      while ((next = rep_at(e)) != std::string::npos) e = next;
      a.replace(k, e - k, "-ID");
      done = true;
      break;
    }
  }
  if (level > 1) {
    // s/[\*-](\d+[\*-])?[^=\*-]+[=\*][^\@]+\@/\@/
    auto tail = [&](size_t q) -> size_t {  // "[^=*-]+[=*][^@]+@" at q: end, or npos
      size_t e = a.find_first_of("=*-", q);
      if (e == std::string::npos || e == q || a[e] == '-') return std::string::npos;
      size_t at = a.find('@', e + 1);
      if (at == std::string::npos || at == e + 1) return std::string::npos;
      return at + 1;
    };
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != '*' && a[i] != '-') continue;
      size_t end = std::string::npos;
      size_t d = i + 1;
      while (d < a.size() && IsDigit(a[d])) ++d;
      if (d > i + 1 && d < a.size() && (a[d] == '*' || a[d] == '-')) end = tail(d + 1);
      if (end == std::string::npos) end = tail(i + 1);
      if (end != std::string::npos) {
        a.replace(i, end - i, "@");
        break;
      }
    }
  }
}

void UucpMung(std::string* addr) {
  // s/^(.*!)*([^!]+)!([^!@]+)@([^\.]+)$/"$4!" . ($1? "$1" : "") . $3 . "\@$2"/
  const std::string& a = *addr;
  for (size_t b1 = a.rfind('!'); b1 != std::string::npos; b1 = b1 == 0 ? std::string::npos : a.rfind('!', b1 - 1)) {
    size_t at = a.find('@', b1 + 1);
    if (at == std::string::npos || at == b1 + 1) continue;
    if (a.find('!', b1 + 1) < at) continue;
    std::string_view tail = std::string_view(a).substr(at + 1);
    if (tail.empty() || tail.find('.') != std::string_view::npos) continue;
    size_t start = b1 == 0 ? std::string::npos : a.rfind('!', b1 - 1);
    start = start == std::string::npos ? 0 : start + 1;
    if (start == b1) continue;
    std::string r;
    r.append(tail).append("!").append(a, 0, start).append(a, b1 + 1, at - b1 - 1).append("@").append(a, start, b1 - start);
    *addr = r;
    return;
  }
}

std::string_view Command(std::string_view program) {
  size_t sl = program.find('/');
  if (sl == std::string_view::npos) return program;
  std::string_view rest = program.substr(sl + 1);
  if (StartsWith(rest, "smtps/")) rest.remove_prefix(6);
  else if (StartsWith(rest, "submission/")) rest.remove_prefix(11);
  return rest;
}

void DomainThenUserKey(std::string_view s, std::string* dom, std::string* user) {
  size_t at = s.find('@');
  std::string_view u = s.substr(0, at), d;
  if (at != std::string_view::npos) {
    d = s.substr(at + 1);
    size_t at2 = d.find('@');
    if (at2 != std::string_view::npos) d = d.substr(0, at2);
  }
  if (d.empty()) {  // (split(/!/, ...))[-1,-2]
    size_t bang = s.rfind('!');
    u = bang == std::string_view::npos ? s : s.substr(bang + 1);
    if (bang != std::string_view::npos) {
      size_t prev = bang == 0 ? std::string_view::npos : s.rfind('!', bang - 1);
      size_t start = prev == std::string_view::npos ? 0 : prev + 1;
      d = s.substr(start, bang - start);
    }
  }
  dom->clear();
  size_t d1 = DomainSplit(d);
  if (d1 == std::string_view::npos) {
    dom->append(d);
  } else {  // s/^(.*)\.([^\.]+)\.(TLD)$/$2.$3.$1/
    dom->append(d.substr(d1 + 1)).append(".").append(d.substr(0, d1));
  }
  size_t bang = u.rfind('!');  // s/^.*!//
  user->assign(bang == std::string_view::npos ? u : u.substr(bang + 1));
}

int CompareDomainThenUser(std::string_view a, std::string_view qa, std::string_view b, std::string_view qb) {
  std::string ua, da, ub, db;
  DomainThenUserKey(a, &da, &ua);
  DomainThenUserKey(b, &db, &ub);
  if (int c = da.compare(db)) return c;
  if (int c = ua.compare(ub)) return c;
  return qa.compare(qb);
}


// ---- pflogsumm 1.3.0 (report --compat 1.3) --------------------------------

namespace {

bool IsHostish(char c) { return IsWord(c) || c == '.' || c == '-'; }  // [A-Za-z0-9._-]
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsSpaceChar(char c) { return IsSpace(c); }

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// $HOST: unknown|localhost|(?:[a-z0-9-]+\.)+[a-z0-9-]+ (case-insensitive), the whole of h.
bool IsHost13(std::string_view h) {
  if (EqualsNoCase(h, "unknown") || EqualsNoCase(h, "localhost")) return true;
  size_t labels = 0, len = 0;
  for (char c : h) {
    if (c == '.') {
      if (len == 0) return false;
      ++labels, len = 0;
    } else if (IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-') {
      ++len;
    } else {
      return false;
    }
  }
  return len > 0 && labels > 0;
}

// $IPv4|$IPv6:$IPv4|$IPv6, the whole of ip (inside brackets).
bool IsIp13(std::string_view ip) {
  size_t end;
  if (IsIpv4At(ip, 0, &end) && end == ip.size()) return true;
  if (ip.find(':') == std::string_view::npos) return false;
  size_t k = 0;
  while (k < ip.size() && (IsHexDigit(ip[k]) || ip[k] == ':')) ++k;
  if (k == ip.size()) return true;  // $IPv6
  size_t c = ip.rfind(':');  // $IPv6:$IPv4
  if (c == 0 || c == std::string_view::npos) return false;
  for (size_t i = 0; i < c; ++i)
    if (!IsHexDigit(ip[i]) && ip[i] != ':') return false;
  return IsIpv4At(ip, c + 1, &end) && end == ip.size();
}

// The host run that ends right before position p (a '[' or '/'), with $HBOUND
// before it and one optional trailing '.' dropped; empty if not a $HOST.
std::string_view HostBefore(std::string_view s, size_t p) {
  size_t b = p;
  while (b > 0 && IsHostish(s[b - 1])) --b;
  std::string_view h = s.substr(b, p - b);
  if (IsHost13(h)) return h;
  if (!h.empty() && h.back() == '.' && IsHost13(h.substr(0, h.size() - 1))) return h.substr(0, h.size() - 1);
  return {};
}

// "/IP" forms: $IPv4, \[?$IPv6:$IPv4\]?, \[?$IPv6\]? at s[i..]; the match's length, 0 if none.
size_t SlashIpAt(std::string_view s, size_t i) {
  size_t end;
  if (IsIpv4At(s, i, &end)) return end - i;
  size_t j = i;
  if (j < s.size() && s[j] == '[') ++j;
  size_t close = s.find(']', j);
  std::string_view ahead = s.substr(j, close == std::string_view::npos ? std::string_view::npos : close - j);
  if (ahead.find(':') == std::string_view::npos) return 0;  // (?=[^\]]*:)
  size_t k = j;
  while (k < s.size() && (IsHexDigit(s[k]) || s[k] == ':')) ++k;
  if (k == j) return 0;
  // $IPv6:$IPv4 when a dotted quad follows the last colon of the run.
  size_t c = s.substr(j, k - j).rfind(':');
  if (c != std::string_view::npos && IsIpv4At(s, j + c + 1, &end) && c > 0) k = end;
  if (k < s.size() && s[k] == ']') ++k;
  return k - i;
}

}  // namespace

void FoldDomain13(std::string_view s, std::string* out) {
  // s/^\s*<?(?:[^@]+\@)?([^\s>]+)>?\s*$/\L$1/
  std::string_view t = s;
  while (!t.empty() && IsSpaceChar(t.front())) t.remove_prefix(1);
  while (!t.empty() && IsSpaceChar(t.back())) t.remove_suffix(1);
  if (!t.empty() && t.back() == '>') t.remove_suffix(1);
  if (!t.empty() && t.front() == '<') t.remove_prefix(1);
  auto plain = [](std::string_view d) {
    if (d.empty()) return false;
    for (char c : d)
      if (IsSpaceChar(c) || c == '>') return false;
    return true;
  };
  std::string_view d;
  size_t at = t.find('@');
  bool matched = true;
  if (at != std::string_view::npos && at > 0 && plain(t.substr(at + 1))) {
    d = t.substr(at + 1);
  } else if (plain(t)) {
    d = t;
  } else {
    matched = false;
  }
  size_t start = out->size();
  if (matched) {
    AppendLower(out, d);
  } else {
    out->append(s);
  }
  if (out->size() > start && out->back() == '.') out->pop_back();  // s/\.$//
  std::string_view dom = std::string_view(*out).substr(start);
  if (dom.find('.') == std::string_view::npos) return;
  // split /\./ (trailing empty fields dropped)
  size_t n = dom.size();
  while (n > 0 && dom[n - 1] == '.') --n;
  std::string_view fields = dom.substr(0, n);
  size_t parts = fields.empty() ? 0 : 1;
  for (char c : fields) parts += c == '.';
  size_t last = fields.rfind('.');
  std::string_view tld = last == std::string_view::npos ? fields : fields.substr(last + 1);
  if (parts >= 2 && (tld == "com" || tld == "net" || tld == "org" || tld == "gov" || tld == "mil" || tld == "edu")) {
    size_t prev = fields.rfind('.', last - 1);
    size_t from = last == 0 ? 0 : (prev == std::string_view::npos ? 0 : prev + 1);
    std::string keep(fields.substr(from));
    out->resize(start);
    out->append(keep);
    return;
  }
  if (parts > 3) {
    std::string keep(fields.substr(fields.find('.') + 1));
    out->resize(start);
    out->append(keep);
  }
}

void GimmeDomain13(std::string_view s, bool want_fqdn, std::string* out) {
  // return 'none' if $line =~ /^none(?::\d+)?$/
  if (StartsWith(s, "none")) {
    size_t i = 4;
    if (i < s.size() && s[i] == ':' && i + 1 < s.size()) {
      ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
    }
    if (i == s.size() && (s.size() == 4 || s.size() > 5)) {
      out->append("none");
      return;
    }
  }
  std::string_view fqdn, ip;
  bool found = false;
  // $bracketRegex: HOST\.?\[IP\]
  for (size_t b = s.find('['); b != std::string_view::npos && !found; b = s.find('[', b + 1)) {
    std::string_view h = HostBefore(s, b);
    if (h.empty()) continue;
    size_t c = s.find(']', b + 1);
    if (c == std::string_view::npos) break;
    if (IsIp13(s.substr(b + 1, c - b - 1))) fqdn = h, ip = s.substr(b + 1, c - b - 1), found = true;
  }
  // $slashSepRegex: HOST\.?/IP
  for (size_t p = s.find('/'); p != std::string_view::npos && !found; p = s.find('/', p + 1)) {
    std::string_view h = HostBefore(s, p);
    if (h.empty()) continue;
    if (size_t len = SlashIpAt(s, p + 1)) fqdn = h, ip = s.substr(p + 1, len), found = true;
  }
  // $addrOnlyRegex: ^\[IP\]
  if (!found && !s.empty() && s[0] == '[') {
    size_t c = s.find(']');
    if (c != std::string_view::npos && IsIp13(s.substr(1, c - 1))) ip = s.substr(1, c - 1), found = true;
  }
  // Last ditch: \[IP\] or /IP(?=$|\s|[\]\),;:]), the leftmost.
  for (size_t p = 0; p < s.size() && !found; ++p) {
    if (s[p] == '[') {
      size_t c = s.find(']', p + 1);
      if (c != std::string_view::npos && IsIp13(s.substr(p + 1, c - p - 1))) ip = s.substr(p + 1, c - p - 1), found = true;
    } else if (s[p] == '/') {
      size_t end;
      std::string_view cand;
      if (IsIpv4At(s, p + 1, &end)) {
        cand = s.substr(p + 1, end - p - 1);
      } else {
        size_t k = p + 1;
        while (k < s.size() && (IsHexDigit(s[k]) || s[k] == ':')) ++k;
        cand = s.substr(p + 1, k - p - 1);
        if (cand.find(':') == std::string_view::npos) cand = {};
        end = k;
      }
      if (!cand.empty() && (end == s.size() || IsSpaceChar(s[end]) || s[end] == ']' || s[end] == ')' ||
                            s[end] == ',' || s[end] == ';' || s[end] == ':'))
        ip = cand, found = true;
    }
  }
  if (fqdn.empty()) fqdn = "unknown";
  if (ip.empty()) ip = "unknown";
  if (!ip.empty() && ip.front() == '[') ip.remove_prefix(1);  // s/^\[|\]$//g
  if (!ip.empty() && ip.back() == ']') ip.remove_suffix(1);
  auto ends = [&](std::string_view suf) {
    return fqdn.size() >= suf.size() && fqdn.substr(fqdn.size() - suf.size()) == suf;
  };
  if (fqdn == "unknown" || ends(".in-addr.arpa") || ends(".ip6.arpa")) {
    out->append(ip);
    return;
  }
  if (want_fqdn) {
    out->append(fqdn);
  } else {
    FoldDomain13(fqdn, out);
  }
}

namespace {

// At s[i]: \d{3}([ -]#?\d\.\d\.\d)? followed by ' '; the position after the
// space (the longest form first, as the regex backtracks), npos if none.
size_t ReplyCodeAt(std::string_view s, size_t i) {
  if (i + 3 > s.size() || !IsDigit(s[i]) || !IsDigit(s[i + 1]) || !IsDigit(s[i + 2])) return std::string_view::npos;
  size_t j = i + 3;
  if (j < s.size() && (s[j] == ' ' || s[j] == '-')) {
    size_t k = j + 1;
    if (k < s.size() && s[k] == '#') ++k;
    if (k + 5 <= s.size() && IsDigit(s[k]) && s[k + 1] == '.' && IsDigit(s[k + 2]) && s[k + 3] == '.' &&
        IsDigit(s[k + 4]) && k + 5 < s.size() && s[k + 5] == ' ')
      return k + 6;
  }
  if (j < s.size() && s[j] == ' ') return j + 1;
  return std::string_view::npos;
}

}  // namespace

void SaidStringTrimmer13(std::string_view in, size_t max, std::string* out) {
  std::string_view s = in;
  if (size_t k = ReplyCodeAt(s, 0); k != std::string_view::npos) s.remove_prefix(k);  // s/^\d{3}(...)? //
  while (s.size() > max) {
    // s/^.* said:( \d{3}([ -]#?\d\.\d\.\d)?)? //
    size_t cut = std::string_view::npos;
    for (size_t p = s.rfind(" said:"); p != std::string_view::npos; p = p == 0 ? std::string_view::npos : s.rfind(" said:", p - 1)) {
      size_t q = p + 6;
      if (q < s.size() && s[q] == ' ') {
        size_t k = ReplyCodeAt(s, q + 1);
        if (k != std::string_view::npos) {
          cut = k;
          break;
        }
        cut = q + 1;
        break;
      }
    }
    if (cut != std::string_view::npos) {
      s.remove_prefix(cut);
      continue;
    }
    if (s.find("delivery error:") != std::string_view::npos || s.find("Requested action not taken:") != std::string_view::npos ||
        s.find("Transaction failed:") != std::string_view::npos || s.find("RCPT TO:") != std::string_view::npos) {
      size_t c = s.find(':');  // s/^.*?: *//
      size_t k = c + 1;
      while (k < s.size() && s[k] == ' ') ++k;
      s.remove_prefix(k);
      continue;
    }
    out->append(s.substr(0, max - 3)).append("...");
    return;
  }
  out->append(s);
}

void DeferralKey13(std::string_view r, std::string* host, std::string* reason) {
  std::string_view h, why, more;
  bool ok = false;
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  // /^host (\S+) (?:said|refused to talk to me): ([^(]+)/
  if (StartsWith(r, "host ")) {
    size_t e = 5;
    while (e < r.size() && !is_space(r[e])) ++e;
    if (e > 5) {
      std::string_view rest = r.substr(e);
      size_t skip = StartsWith(rest, " said: ") ? 7 : StartsWith(rest, " refused to talk to me: ") ? 24 : 0;
      if (skip && skip < rest.size() && rest[skip] != '(') {
        std::string_view t = rest.substr(skip);
        h = r.substr(5, e - 5), why = t.substr(0, t.find('(')), ok = true;
      }
    }
  }
  // /^(?:delivery temporarily suspended: )?connect to (.+?(?::\d+)?): ([^\)]+)$/
  if (!ok) {
    std::string_view t = r;
    if (StartsWith(t, "delivery temporarily suspended: ")) t.remove_prefix(32);
    if (StartsWith(t, "connect to ")) {
      t.remove_prefix(11);
      for (size_t c = t.find(": ", 1); c != std::string_view::npos; c = t.find(": ", c + 1)) {
        std::string_view tail = t.substr(c + 2);
        if (!tail.empty() && tail.find(')') == std::string_view::npos) {
          h = t.substr(0, c), why = tail, ok = true;
          break;
        }
      }
    }
  }
  // /^cannot (?:append to file|update mailbox) ([^:.]+)[:.] (.+)$/
  if (!ok && StartsWith(r, "cannot ")) {
    std::string_view t = r.substr(7);
    size_t skip = StartsWith(t, "append to file ") ? 15 : StartsWith(t, "update mailbox ") ? 15 : 0;
    if (skip) {
      t.remove_prefix(skip);
      size_t e = t.find_first_of(":.");
      if (e != std::string_view::npos && e > 0 && e + 2 < t.size() + 0 && t[e + 1] == ' ' && e + 2 < t.size())
        h = t.substr(0, e), why = t.substr(e + 2), ok = true;
    }
  }
  // /^.*(Name service error )for (?:domain |name=)?([^: ]+):? (.+)$/
  if (!ok) {
    for (size_t p = r.rfind("Name service error for "); p != std::string_view::npos && !ok;
         p = p == 0 ? std::string_view::npos : r.rfind("Name service error for ", p - 1)) {
      std::string_view t = r.substr(p + 23);
      auto try_at = [&](std::string_view u) {
        size_t e = 0;
        while (e < u.size() && u[e] != ':' && u[e] != ' ') ++e;
        if (e == 0) return false;
        size_t k = e;
        if (k < u.size() && u[k] == ':') ++k;
        if (k < u.size() && u[k] == ' ' && k + 1 < u.size()) {
          why = "Name service error ", h = u.substr(0, e), more = u.substr(k + 1);
          return true;
        }
        return false;
      };
      if (StartsWith(t, "domain ") && try_at(t.substr(7))) ok = true;
      else if (StartsWith(t, "name=") && try_at(t.substr(5))) ok = true;
      else if (try_at(t)) ok = true;
    }
  }
  // /^((?:conversation|lost connection) )with (\S+) ((?:timed out )?while (receiving|sending) .+)$/
  if (!ok) {
    std::string_view lead = StartsWith(r, "conversation with ") ? "conversation " : StartsWith(r, "lost connection with ") ? "lost connection " : "";
    if (!lead.empty()) {
      std::string_view t = r.substr(lead.size() + 5);
      size_t e = 0;
      while (e < t.size() && !is_space(t[e])) ++e;
      if (e > 0 && e < t.size() && t[e] == ' ') {
        std::string_view m = t.substr(e + 1), w = m;
        if (StartsWith(w, "timed out ")) w.remove_prefix(10);
        if ((StartsWith(w, "while receiving ") && w.size() > 16) || (StartsWith(w, "while sending ") && w.size() > 14))
          why = lead, h = t.substr(0, e), more = m, ok = true;
      }
    }
  }
  // /^(delivery temporarily suspended: )connect to ([^:]+): (.+)$/ is covered above.
  if (!ok) {
    h = "(unknown host)";
    why = r;
  }
  GimmeDomain13(h, true, host);
  std::string full(why);
  full.append(more);
  SaidStringTrimmer13(full, 66, reason);
}

namespace {

bool IsUpperHexIp(char c) { return IsDigit(c) || (c >= 'A' && c <= 'F') || c == ':' || c == '.'; }  // [0-9A-F:\.]

}  // namespace

bool CondenseWarning13(std::string_view w, std::string* out) {
  auto ends = [](std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
  };
  // 1: ^(Unable to look up (?:MX|NS) host) for .+(: Host not found(?:,try again)?)
  if (StartsWith(w, "Unable to look up MX host for ") || StartsWith(w, "Unable to look up NS host for ")) {
    size_t p = w.rfind(": Host not found");
    if (p != std::string_view::npos && p > 30) {
      out->append(w.substr(0, 25)).append(w.substr(p));
      return true;
    }
  }
  // 2: ^(hostname ).+ (does not resolve to address) [0-9A-F:\.]+$
  // 3: ^(hostname ).+ (does not resolve to address) .+(: hostname nor servname provided, or not known)$
  if (StartsWith(w, "hostname ")) {
    constexpr std::string_view kDnr = " does not resolve to address ";
    for (size_t p = w.rfind(kDnr); p != std::string_view::npos && p > 9; p = w.rfind(kDnr, p - 1)) {
      std::string_view tail = w.substr(p + kDnr.size());
      bool ip = !tail.empty();
      for (char c : tail) ip = ip && IsUpperHexIp(c);
      if (ip) {
        out->append("hostname does not resolve to address");
        return true;
      }
    }
    constexpr std::string_view kNs = ": hostname nor servname provided, or not known";
    if (ends(w, kNs)) {
      size_t p = w.find(kDnr);
      if (p != std::string_view::npos && p > 9 && p + kDnr.size() < w.size() - kNs.size()) {
        out->append("hostname does not resolve to address").append(kNs);
        return true;
      }
    }
  }
  // 4: ^(Unable to look up (?:MX|NS) host ).+ (for (?:Sender address|Client host|Helo command)) .+(: (?:...))$
  if (StartsWith(w, "Unable to look up MX host ") || StartsWith(w, "Unable to look up NS host ")) {
    std::string_view tails[] = {": hostname nor servname provided, or not known", ": No address associated with hostname"};
    for (std::string_view t : tails) {
      if (!ends(w, t)) continue;
      std::string_view mid = w.substr(26, w.size() - 26 - t.size());
      for (std::string_view f : {" for Sender address ", " for Client host ", " for Helo command "}) {
        size_t p = mid.rfind(f);
        if (p != std::string_view::npos && p > 0 && p + f.size() < mid.size()) {
          out->append(w.substr(0, 26)).append(f.substr(1, f.size() - 2)).append(t);
          return true;
        }
      }
    }
  }
  // 5-8: a prefix kept, the rest dropped
  struct Cut {
    std::string_view prefix, after;
  };
  static constexpr Cut kCuts[] = {
      {"malformed domain name in resource data of MX record", " for "},
      {"numeric domain name in resource data of MX record", " for "},
      {"numeric domain name in resource data of NS record", " for "},
      {"numeric hostname", ": "},
      {"valid_hostname: invalid character", " "},
  };
  for (const Cut& c : kCuts) {
    if (StartsWith(w, c.prefix) && StartsWith(w.substr(c.prefix.size()), c.after)) {
      out->append(c.prefix);
      return true;
    }
  }
  // 9: ^[0-9A-F:\.]+ (address not listed for hostname) .*$
  // 15: ^[0-9A-F:\.]+ (hostname ).+ (verification failed: No address associated with hostname)$
  {
    size_t k = 0;
    while (k < w.size() && IsUpperHexIp(w[k])) ++k;
    if (k > 0 && k < w.size() && w[k] == ' ') {
      std::string_view rest = w.substr(k + 1);
      if (StartsWith(rest, "address not listed for hostname ")) {
        out->append("address not listed for hostname");
        return true;
      }
      constexpr std::string_view kVf = " verification failed: No address associated with hostname";
      if (StartsWith(rest, "hostname ") && ends(rest, kVf) && rest.size() > 9 + kVf.size()) {
        out->append("hostname").append(kVf);
        return true;
      }
    }
  }
  // 10: ^[0-9A-F]+: (queue file size limit exceeded)$
  {
    size_t k = 0;
    while (k < w.size() && (IsDigit(w[k]) || (w[k] >= 'A' && w[k] <= 'F'))) ++k;
    if (k > 0 && w.substr(k) == ": queue file size limit exceeded") {
      out->append("queue file size limit exceeded");
      return true;
    }
  }
  // 11: ^[^:]+: (SASL (?:LOGIN|PLAIN|CRAM-MD5) authentication failed(?:: Invalid authentication mechanism)?).*$
  {
    size_t c = w.find(':');
    if (c != std::string_view::npos && c > 0) {
      std::string_view rest = w.substr(c);
      for (std::string_view m : {": SASL LOGIN authentication failed", ": SASL PLAIN authentication failed",
                                 ": SASL CRAM-MD5 authentication failed"}) {
        if (!StartsWith(rest, m)) continue;
        out->append(m.substr(2));
        if (StartsWith(rest.substr(m.size()), ": Invalid authentication mechanism"))
          out->append(": Invalid authentication mechanism");
        return true;
      }
    }
  }
  // 12: ^(Illegal address syntax )from .+ (in (?:MAIL|RCPT) command): .*$
  if (StartsWith(w, "Illegal address syntax from ")) {
    for (std::string_view m : {" in MAIL command: ", " in RCPT command: "}) {
      size_t p = w.rfind(m);
      if (p != std::string_view::npos && p > 28) {
        out->append("Illegal address syntax ").append(m.substr(1, m.size() - 3));
        return true;
      }
    }
  }
  // 13: ^(non-SMTP command) from .+?(: \S+) .*$
  if (StartsWith(w, "non-SMTP command from ")) {
    for (size_t p = w.find(": ", 23); p != std::string_view::npos; p = w.find(": ", p + 1)) {
      size_t q = p + 2, r = q;
      while (r < w.size() && !IsSpace(w[r])) ++r;
      if (r > q && r < w.size() && w[r] == ' ') {
        out->append("non-SMTP command").append(w.substr(p, r - p));
        return true;
      }
    }
  }
  // 14: ^(Connection concurrency limit exceeded: \d+ )from \S+ (for service .+)$
  if (StartsWith(w, "Connection concurrency limit exceeded: ")) {
    size_t k = 39, d = k;
    while (k < w.size() && IsDigit(w[k])) ++k;
    if (k > d && StartsWith(w.substr(k), " from ")) {
      size_t e = k + 6, h = e;
      while (e < w.size() && !IsSpace(w[e])) ++e;
      if (e > h && StartsWith(w.substr(e), " for service ") && w.size() > e + 13) {
        out->append(w.substr(0, k + 1)).append(w.substr(e + 1));
        return true;
      }
    }
  }
  // 16: ^[\w\.-]+: (RBL lookup error: ... )for name=[\w\.-]+ (type=.+: Host not found, try again)$
  {
    size_t k = 0;
    while (k < w.size() && (IsWord(w[k]) || w[k] == '.' || w[k] == '-')) ++k;
    constexpr std::string_view kRbl = ": RBL lookup error: Host or domain name not found. Name service error for name=";
    if (k > 0 && StartsWith(w.substr(k), kRbl)) {
      size_t e = k + kRbl.size(), n = e;
      while (e < w.size() && (IsWord(w[e]) || w[e] == '.' || w[e] == '-')) ++e;
      std::string_view t = w.substr(e);
      if (e > n && StartsWith(t, " type=") && ends(t, ": Host not found, try again") && t.size() > 6 + 27) {
        out->append(kRbl.substr(2, kRbl.size() - 2 - 9)).append(t.substr(1));
        return true;
      }
    }
  }
  // 17: ^.+((?:postfix-)?policyd-spf-perl: process )id \d+: (command time limit exceeded)$
  {
    constexpr std::string_view kEnd = ": command time limit exceeded";
    constexpr std::string_view kMid = "policyd-spf-perl: process id ";
    if (ends(w, kEnd)) {
      size_t p = w.rfind(kMid);
      if (p != std::string_view::npos) {
        size_t k = p + kMid.size(), d = k;
        while (k < w.size() && IsDigit(w[k])) ++k;
        if (k > d && k == w.size() - kEnd.size()) {
          size_t start = p >= 8 && w.substr(p - 8, 8) == "postfix-" && p > 8 ? p - 8 : p;
          if (start > 0) {
            out->append(w.substr(start, p + 26 - start)).append("command time limit exceeded");
            return true;
          }
        }
      }
    }
  }
  // 18: s/(process .+) pid \d+ (exit status \d+)/$1 $2/ (anywhere)
  {
    size_t pr = w.find("process ");
    if (pr != std::string_view::npos) {
      for (size_t p = w.rfind(" pid "); p != std::string_view::npos && p > pr + 8; p = w.rfind(" pid ", p - 1)) {
        size_t k = p + 5, d = k;
        while (k < w.size() && IsDigit(w[k])) ++k;
        if (k > d && StartsWith(w.substr(k), " exit status ") && k + 13 < w.size() && IsDigit(w[k + 13])) {
          size_t e = k + 13;
          while (e < w.size() && IsDigit(w[e])) ++e;
          out->append(w.substr(0, p)).append(" ").append(w.substr(k + 1));
          return true;
        }
      }
    }
  }
  return false;
}

size_t PostscreenAction13(std::string_view s, std::string_view* act, std::string_view* ip, std::string_view* port,
                          std::string_view* addl) {
  // "[IP]:PORT" at s[b] followed by a tail accepted by ok(tail): greedy IP
  // (the last "]:" first).
  auto ipport = [&](size_t b, auto ok) -> bool {
    if (b >= s.size() || s[b] != '[') return false;
    for (size_t c = s.rfind("]:"); c != std::string_view::npos && c > b + 1; c = s.rfind("]:", c - 1)) {
      size_t k = c + 2, d = k;
      while (k < s.size() && IsDigit(s[k])) ++k;
      if (k == d) continue;
      if (ok(s.substr(k))) {
        *ip = s.substr(b + 1, c - b - 1);
        *port = s.substr(d, k - d);
        return true;
      }
    }
    return false;
  };
  auto any = [](std::string_view) { return true; };
  auto end = [](std::string_view t) { return t.empty(); };
  auto after_any = [](std::string_view t) { return StartsWith(t, " after ") && t.size() > 7; };
  auto after_colon = [](std::string_view t) {
    if (!StartsWith(t, " after ")) return false;
    size_t p = t.find(": ", 8);
    return p != std::string_view::npos && p + 2 < t.size();
  };
  auto psc = [&](std::string_view t) {  // ", (PSC_CLIENT_ADDR_PORT.+;)"
    if (!StartsWith(t, ", PSC_CLIENT_ADDR_PORT")) return false;
    size_t semi = t.rfind(';');
    if (semi == std::string_view::npos || semi < 23) return false;
    *addl = t.substr(2, semi - 1);
    return true;
  };
  struct From {
    std::string_view act;
    int tail;  // 0 any, 1 " after .+", 2 " after .+: .+", 3 " to [..]:\d+"
  };
  auto tail_ok = [&](int t) -> std::function<bool(std::string_view)> {
    switch (t) {
      case 1: return after_any;
      case 2: return after_colon;
      case 3: return [](std::string_view x) {
        if (!StartsWith(x, " to [")) return false;
        size_t c = x.rfind("]:");
        if (c == std::string_view::npos || c < 6) return false;
        return c + 2 < x.size() && IsDigit(x[c + 2]);
      };
      default: return any;
    }
  };
  // In 1.3.0's @pscrnRegexs order.
  if (StartsWith(s, "ALLOWLIST VETO [") && ipport(15, any)) return *act = s.substr(0, 14), 3;
  static constexpr From kFrom[] = {
      {"BARE NEWLINE", 1}, {"BDAT without valid RCPT", 0}, {"COMMAND COUNT LIMIT", 1}, {"COMMAND LENGTH LIMIT", 1},
      {"COMMAND PIPELINING", 2}, {"COMMAND TIME LIMIT", 1}, {"CONNECT", 3},
  };
  for (const From& f : kFrom) {
    if (StartsWith(s, f.act) && StartsWith(s.substr(f.act.size()), " from [") &&
        ipport(f.act.size() + 6, tail_ok(f.tail)))
      return *act = f.act, 3;
  }
  if (StartsWith(s, "ENFORCE [") && ipport(8, psc)) return *act = s.substr(0, 7), 4;
  if (StartsWith(s, "DATA without valid RCPT from [") && ipport(29, any)) return *act = s.substr(0, 23), 3;
  if (StartsWith(s, "DISCONNECT [") && ipport(11, any)) return *act = s.substr(0, 10), 3;
  if (StartsWith(s, "DROP [") && ipport(5, psc)) return *act = s.substr(0, 4), 4;
  if (StartsWith(s, "DNSBL rank ")) {
    size_t k = 11, d = k;
    while (k < s.size() && IsDigit(s[k])) ++k;
    if (k > d && StartsWith(s.substr(k), " for [") && ipport(k + 5, any)) return *act = s.substr(0, k), 3;
  }
  if (StartsWith(s, "FAIL [") && ipport(5, psc)) return *act = s.substr(0, 4), 4;
  if (StartsWith(s, "HANGUP after ")) {
    for (size_t p = s.find(" from [", 13); p != std::string_view::npos; p = s.find(" from [", p + 1))
      if (ipport(p + 6, [](std::string_view t) { return StartsWith(t, " in "); })) return *act = s.substr(0, 6), 3;
  }
  if (StartsWith(s, "NON-SMTP COMMAND from [") && ipport(22, after_colon)) return *act = s.substr(0, 16), 3;
  if (StartsWith(s, "PASS ")) {
    for (size_t b = s.rfind(" ["); b != std::string_view::npos && b > 5; b = s.rfind(" [", b - 1))
      if (ipport(b + 1, end)) return *act = s.substr(0, b), 3;
    for (size_t b = s.rfind(" ["); b != std::string_view::npos && b > 5; b = s.rfind(" [", b - 1))
      if (ipport(b + 1, psc)) return *act = s.substr(0, b), 4;
  }
  if (StartsWith(s, "PREGREET ")) {
    size_t a = s.find(" after ", 10);
    if (a != std::string_view::npos) {
      for (size_t p = s.rfind(" from ["); p != std::string_view::npos && p > a + 7; p = s.rfind(" from [", p - 1))
        if (ipport(p + 6, [](std::string_view t) { return StartsWith(t, ": ") && t.size() > 2; }))
          return *act = s.substr(0, 8), 3;
    }
  }
  if (StartsWith(s, "SKIP [") && ipport(5, psc)) return *act = s.substr(0, 4), 4;
  // (\b\w+LISTED) \[(.+)\]:(\d+)
  for (size_t p = s.find("LISTED ["); p != std::string_view::npos; p = s.find("LISTED [", p + 1)) {
    size_t b = p;
    while (b > 0 && IsWord(s[b - 1])) --b;
    if (b == p) continue;
    if (ipport(p + 7, any)) return *act = s.substr(b, p + 6 - b), 3;
  }
  return 0;
}

void RejectReason13(std::string_view stage, std::string_view r, std::string* out) {
  if (stage == "connect") {  // $rejTyp 'CONNECT', the reason as written
    out->append(r);
    return;
  }
  const bool rcpt_like = stage == "RCPT" || stage == "DATA" || stage == "CONNECT" || stage == "BDAT";
  size_t base = out->size();
  if (rcpt_like) {
    // s/^(\d{3} (?:\d\.\d\.\d )?<).*?(>:)/$1$2/ with the DSN (1.1.5's rule has none)
    if (r.size() >= 11 && IsDigit(r[0]) && IsDigit(r[1]) && IsDigit(r[2]) && r[3] == ' ' && IsDigit(r[4]) &&
        r[5] == '.' && IsDigit(r[6]) && r[7] == '.' && IsDigit(r[8]) && r[9] == ' ' && r[10] == '<') {
      size_t g = r.find(">:", 11);
      if (g != std::string_view::npos) {
        std::string t(r.substr(0, 11));
        t.append(r.substr(g));
        RejectReason("RCPT", t, out);
      } else {
        RejectReason("RCPT", r, out);
      }
    } else {
      RejectReason("RCPT", r, out);
    }
  } else {
    RejectReason(stage, r, out);
  }
  if (!rcpt_like) return;
  std::string_view v = std::string_view(*out).substr(base);
  auto set = [&](std::string t) {
    out->resize(base);
    out->append(t);
  };
  // s/^\d{3} \d\.\d\.\d (Server configuration (?:error|problem));.+$/$1/
  if (v.size() >= 10 && IsDigit(v[0]) && IsDigit(v[1]) && IsDigit(v[2]) && v[3] == ' ' && IsDigit(v[4]) &&
      v[5] == '.' && IsDigit(v[6]) && v[7] == '.' && IsDigit(v[8]) && v[9] == ' ') {
    for (std::string_view m : {"Server configuration error;", "Server configuration problem;"}) {
      if (StartsWith(v.substr(10), m) && v.size() > 10 + m.size()) {
        set(std::string(m.substr(0, m.size() - 1)));
        return;
      }
    }
  }
  // s/^Unverified (Client host rejected: Generic - Please relay via ISP).*$/$1/
  constexpr std::string_view kGeneric = "Unverified Client host rejected: Generic - Please relay via ISP";
  if (StartsWith(v, kGeneric)) {
    set(std::string(kGeneric.substr(11)));
    return;
  }
  // s/^(Sender address rejected: Domain) .+ (does not accept mail \(nullMX\)).*$/$1 $2/
  constexpr std::string_view kNull = " does not accept mail (nullMX)";
  if (StartsWith(v, "Sender address rejected: Domain ")) {
    size_t p = v.rfind(kNull);
    if (p != std::string_view::npos && p > 32) set("Sender address rejected: Domain does not accept mail (nullMX)");
  }
}

void NormalizeHost13(std::string_view host, std::string* out) {
  // (split(/\s/, $host))[0]
  size_t e = 0;
  while (e < host.size() && !IsSpace(host[e])) ++e;
  std::string_view h = host.substr(0, e);
  // IPv4: "2_" and the octets in hex ("0_" and the text if an octet > 255)
  size_t end;
  if (IsIpv4At(h, 0, &end) && end == h.size()) {
    unsigned oct[4] = {0, 0, 0, 0};
    int k = 0;
    for (char c : h) {
      if (c == '.') {
        ++k;
      } else {
        oct[k] = oct[k] * 10 + static_cast<unsigned>(c - '0');
      }
    }
    if (oct[0] > 255 || oct[1] > 255 || oct[2] > 255 || oct[3] > 255) {
      out->append("0_").append(h);
      return;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    out->append("2_");
    for (unsigned o : oct) out->push_back(kHex[o >> 4]), out->push_back(kHex[o & 15]);
    return;
  }
  // IPv6 (/^[\dA-Fa-f]+:/): "3_" and the eight blocks, zero-padded
  size_t x = 0;
  while (x < h.size() && IsHexDigit(h[x])) ++x;
  if (x > 0 && x < h.size() && h[x] == ':') {
    std::string a;
    AppendLower(&a, h);
    std::vector<std::string_view> blocks;
    std::string_view v = a;
    for (;;) {  // split /:/ (trailing empty fields dropped)
      size_t c = v.find(':');
      blocks.push_back(v.substr(0, c));
      if (c == std::string_view::npos) break;
      v.remove_prefix(c + 1);
    }
    while (!blocks.empty() && blocks.back().empty()) blocks.pop_back();
    std::vector<std::string_view> full;
    bool expanded = false;
    for (size_t i = 0; i < blocks.size(); ++i) {
      if (blocks[i].empty() && !expanded) {
        expanded = true;
        size_t missing = 8 + 1 > blocks.size() ? 8 - blocks.size() + 1 : 0;
        for (size_t z = 0; z < missing; ++z) full.push_back("0000");
      } else {
        full.push_back(blocks[i]);
      }
    }
    while (full.size() < 8) full.push_back("0000");
    out->append("3_");
    for (std::string_view b : full) {
      for (size_t p = b.size(); p < 4; ++p) out->push_back('0');
      out->append(b);
    }
    return;
  }
  // else: "0_" and the lower-cased labels in reverse (split /[.@]/)
  out->append("0_");
  size_t stop = h.size();
  while (stop > 0 && (h[stop - 1] == '.' || h[stop - 1] == '@')) --stop;  // trailing empty fields
  std::string_view t = h.substr(0, stop);
  size_t hi = t.size();
  for (;;) {
    size_t lo = hi;
    while (lo > 0 && t[lo - 1] != '.' && t[lo - 1] != '@') --lo;
    AppendLower(out, t.substr(lo, hi - lo));
    if (lo == 0) break;
    hi = lo - 1;
  }
}

}  // namespace maillens::pfl
