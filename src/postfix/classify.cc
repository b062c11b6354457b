// classify.cc - reject classes and TLS session details (see classify.h).
#include "postfix/classify.h"

#include "postfix/fields.h"

namespace maillens {
namespace {

bool Contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

// `lower` must be lower case.
bool ContainsNoCase(std::string_view s, std::string_view lower) {
  for (size_t i = 0; i + lower.size() <= s.size(); ++i) {
    size_t k = 0;
    while (k < lower.size() && static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + k]))) == lower[k]) ++k;
    if (k == lower.size()) return true;
  }
  return false;
}

// The text up to the next space; advances past it. Empty if none.
std::string_view Word(std::string_view* s) {
  size_t sp = s->find(' ');
  if (sp == std::string_view::npos) return {};
  std::string_view w = s->substr(0, sp);
  s->remove_prefix(sp + 1);
  return w;
}

}  // namespace

std::string_view RejectRestriction(const Event& ev, std::string_view* list) {
  *list = {};
  if (ev.action == Action::kProxyReject) return "before-queue-filter";
  if (ev.action == Action::kMilterReject || ev.action == Action::kMilterHold || ev.action == Action::kMilterDiscard)
    return "milter";
  if (ev.kind == EventKind::kCleanupAction) return ev.stage == "END-OF-MESSAGE" ? "milter" : "header-body";
  if (ev.daemon == Daemon::kPostscreen) return "postscreen";
  std::string_view r = ev.reason;
  size_t b = r.find("blocked using ");
  if (b != std::string_view::npos) {
    std::string_view name = r.substr(b + 14);
    *list = name.substr(0, name.find_first_of(" ;,"));
    return "rbl";
  }
  if (Contains(r, "Client host rejected")) return "client";
  if (Contains(r, "Helo command rejected")) return "helo";
  if (Contains(r, "Relay access denied")) return "relay";
  if (ContainsNoCase(r, "policy")) return "policy";
  if (Contains(r, "Sender address rejected")) return "sender";
  if (Contains(r, "Recipient address rejected") || Contains(r, "User unknown")) return "recipient";
  if (Contains(r, "Message size exceeds") || Contains(r, "message size")) return "size";
  if (Contains(r, "Data command rejected")) return "data";
  return "other";
}

bool ParseTlsEstablished(std::string_view s, TlsSession* out) {
  using fields::Consume;
  *out = TlsSession();
  out->trust = Word(&s);
  if (out->trust.empty() || !Consume(&s, "TLS connection established ")) return false;
  if (Consume(&s, "to ")) out->outgoing = true;
  else if (!Consume(&s, "from ")) return false;
  size_t c = s.find(": ");
  if (c == std::string_view::npos) return false;
  out->peer = s.substr(0, c);
  s.remove_prefix(c + 2);
  out->protocol = Word(&s);
  if (out->protocol.empty() || !Consume(&s, "with cipher ")) return false;
  out->cipher = Word(&s);
  if (out->cipher.empty() || !Consume(&s, "(")) return false;
  out->secret_bits = fields::TakeUntil(&s, '/');
  size_t e = s.find(" bits)");
  if (e == std::string_view::npos) return false;
  out->algorithm_bits = s.substr(0, e);
  auto digits = [](std::string_view d) {
    if (d.empty()) return false;
    for (char ch : d)
      if (ch < '0' || ch > '9') return false;
    return true;
  };
  return digits(out->secret_bits) && digits(out->algorithm_bits);
}

}  // namespace maillens
