// postscreen_parser.cc - postscreen(8).
//   postscreen/postscreen.c:854        "CONNECT from [%s]:%s to [%s]:%s"
//   postscreen/postscreen.c:901,934    "%sLISTED [%s]:%s" (DENY/BLACK, ALLOW/WHITE; 3.6-20210221)
//   postscreen/postscreen.c:993        "%sLIST VETO [%s]:%s"
//   postscreen/postscreen.c:967, postscreen_misc.c:113  "PASS OLD|NEW [%s]:%s"
//   postscreen/postscreen_early.c:183,246  "DNSBL rank %d for [%s]:%s", "PREGREET %d after %s from [%s]:%s: %.100s"
//   postscreen/postscreen_misc.c:139,159   "DISCONNECT [%s]:%s", "HANGUP after %s from [%s]:%s in %s"
//   postscreen/postscreen_smtpd.c:731...   "COMMAND TIME LIMIT|COMMAND LENGTH LIMIT|BARE NEWLINE|
//                                           NON-SMTP COMMAND|COMMAND PIPELINING|COMMAND COUNT LIMIT from [%s]:%s after ..."
//   postscreen/postscreen.c:872,884,1006   "NOQUEUE: reject: CONNECT from [%s]:%s: too many connections", ...
// kPostscreenVerdict carries the verdict words in `text` ("PASS NEW",
// "DNSBL", "PREGREET", ...) and the client in client_addr/client_port.
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens::internal {

using fields::Consume;
using fields::StartsWith;

namespace {

// "[addr]:port" at the start of s.
void SetBracketClient(std::string_view s, Event* ev) {
  if (s.empty() || s[0] != '[') return;
  size_t rb = s.find(']');
  if (rb == std::string_view::npos) return;
  ev->client_addr = s.substr(1, rb - 1);
  size_t end = rb + 1;
  if (end < s.size() && s[end] == ':') {
    size_t p = end + 1;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    ev->client_port = s.substr(end + 1, p - end - 1);
    end = p;
  }
  ev->client = s.substr(0, end);
}

}  // namespace

bool ParsePostscreen(std::string_view m, Event* ev) {
  if (ParseRejectLine(m, ev)) {
    if (ev->client_name.empty()) SetBracketClient(ev->client, ev);
    return true;
  }
  if (Consume(&m, "CONNECT from ")) {
    SetBracketClient(m, ev);
    ev->kind = EventKind::kConnect;
    return true;
  }
  // Verdicts "WORDS [addr]:port" and "WORDS ... from [addr]:port ...".
  static constexpr std::string_view kVerdicts[] = {
      "PASS NEW ", "PASS OLD ", "DNSBL rank ", "PREGREET ", "HANGUP ", "DISCONNECT ",
      "DENYLISTED ", "BLACKLISTED ", "ALLOWLISTED ", "WHITELISTED ", "ALLOWLIST VETO ", "WHITELIST VETO ",
      "COMMAND TIME LIMIT ", "COMMAND LENGTH LIMIT ", "BARE NEWLINE ", "NON-SMTP COMMAND ",
      "COMMAND PIPELINING ", "COMMAND COUNT LIMIT ",
  };
  for (std::string_view v : kVerdicts) {
    if (!StartsWith(m, v)) continue;
    ev->kind = EventKind::kPostscreenVerdict;
    ev->text = m.substr(0, v.size() - 1);
    if (ev->text == "DNSBL rank") {
      ev->text = m.substr(0, 5);  // "DNSBL"
      std::string_view r = m.substr(v.size());
      ev->reason = fields::TakeUntil(&r, ' ');  // the rank
    }
    size_t lb = m.find('[', v.size());
    if (lb != std::string_view::npos) SetBracketClient(m.substr(lb), ev);
    // Anything after the client ("in tests after SMTP handshake", the pregreet text).
    size_t after = m.find(": ", lb == std::string_view::npos ? v.size() : lb);
    if (after != std::string_view::npos && ev->reason.empty()) ev->reason = m.substr(after + 2);
    return true;
  }
  return IgnoreKnown(m, {"cache ", "using backwards-compatible", "reject: connect from", "warning: ", "NOQUEUE: "},
                     ev);
}

}  // namespace maillens::internal
