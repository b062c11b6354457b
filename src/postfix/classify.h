// classify.h - what a parsed event stands for, beyond its fields: the
// restriction class of a reject, and the details of a TLS session line.
//
// Pure functions of an Event or its text, shared by the consumers that
// group by them (report insights, metrics). No allocation; results point
// into the line.
#ifndef MAILLENS_POSTFIX_CLASSIFY_H_
#define MAILLENS_POSTFIX_CLASSIFY_H_

#include <string>
#include <string_view>

#include "postfix/event.h"

namespace maillens {

// The restriction a reject-family event (kReject, kCleanupAction) stands
// for: "rbl" (with *list set to the DNSBL in "blocked using NAME"),
// "client", "helo", "relay", "policy", "sender", "recipient", "size",
// "data", "milter", "header-body", "postscreen", "before-queue-filter"
// (smtpd's proxy-reject: the smtpd_proxy_filter refused it) or "other".
std::string_view RejectRestriction(const Event& ev, std::string_view* list);

// A TLS session line (tls/tls_misc.c: "%s TLS connection established
// %s %s: %s with cipher %s (%d/%d bits)...").
struct TlsSession {
  std::string_view trust;           // Anonymous, Untrusted, Trusted, Verified
  bool outgoing = false;            // "established to" (smtp/lmtp) vs "from" (smtpd)
  std::string_view peer;            // name[addr]:port or name[addr]
  std::string_view protocol;        // TLSv1.3
  std::string_view cipher;          // TLS_AES_256_GCM_SHA384
  std::string_view secret_bits;     // 256
  std::string_view algorithm_bits;  // 256
};

// Parses an established-session line's text (Event::text of a kTls event);
// false for other TLS lines (handshake errors, "setting up").
bool ParseTlsEstablished(std::string_view text, TlsSession* out);

}  // namespace maillens

#endif  // MAILLENS_POSTFIX_CLASSIFY_H_
