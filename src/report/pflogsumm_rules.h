// pflogsumm_rules.h - pflogsumm 1.1.5's text rules, re-implemented without
// regex: the keys and reasons of its detail sections are built by these.
//
// Each function names the pflogsumm subroutine or expression it reproduces
// (/usr/sbin/pflogsumm, Debian 1.1.5-8). They append to a caller's scratch
// string, so the hot path allocates only when the scratch grows.
// Thread safety: stateless.
#ifndef MAILLENS_REPORT_PFLOGSUMM_RULES_H_
#define MAILLENS_REPORT_PFLOGSUMM_RULES_H_

#include <string>
#include <string_view>

#include "postfix/fields.h"

namespace maillens::pfl {

// gimme_domain(): "mach.host.dom[1.2.3.4]" -> "host.dom", "unknown[1.2.3.4]"
// -> "1.2.3.4", "host.co.uk" kept. Appends to *out.
void GimmeDomain(std::string_view s, std::string* out);

// string_trimmer(s, max): longer strings cut to max-3 chars plus "...".
void StringTrimmer(std::string_view s, size_t max, std::string* out);

// said_string_trimmer(s, max): drops "... said: " / "...: " prefixes until
// the string fits, else cuts it like StringTrimmer. Appends.
void SaidStringTrimmer(std::string_view s, size_t max, std::string* out);

// The reason key of proc_smtpd_reject() for a reject stage ("RCPT", "MAIL",
// ...) and the text after "STAGE from CLIENT: " (not verbose). Appends.
void RejectReason(std::string_view stage, std::string_view rmdr, std::string* out);

// The parts proc_smtpd_reject() takes from a reject line's message:
// "... reject: STAGE from CLIENT: RMDR". False if the line has no such part.
bool SplitReject(std::string_view msg, std::string_view* stage, std::string_view* client,
                 std::string_view* rmdr);

// proc_smtpd_reject()'s recipient ("<>" if none) and sender ("<>" if none).
std::string_view RejectTo(std::string_view rmdr);
std::string_view RejectFrom(std::string_view rmdr);

// verp_mung() with --verp-mung (level 1) or --verp-mung=2. In place.
void VerpMung(int level, std::string* addr);

// -m/--uucp-mung: "a!b!user@host" -> "host!a!user@b" (pflogsumm's rewrite). In place.
void UucpMung(std::string* addr);

// pflogsumm's $cmd for a program "postfix/submission/smtpd": "smtpd";
// "postfix/10025/smtpd": "10025/smtpd"; "postfix-script": itself.
std::string_view Command(std::string_view program);

// by_domain_then_user(): order of two "Message detail" entries given their
// first lines (sender) and queue IDs. Negative, zero or positive.
// The keys by_domain_then_user() compares first: the reordered domain and the user.
void DomainThenUserKey(std::string_view first, std::string* domain, std::string* user);
int CompareDomainThenUser(std::string_view first_a, std::string_view qid_a, std::string_view first_b,
                          std::string_view qid_b);

// pflogsumm 1.3.0 (report --compat 1.3), /opt/pflogsumm-1.3.0/usr/bin/pflogsumm.
// fold_domain(): an address or host name to its domain, lower-cased:
// "user@mail.example.com" -> "example.com" (com net org gov mil edu keep two
// labels), "a.b.c.d" -> "b.c.d" (the leftmost label dropped once past three).
void FoldDomain13(std::string_view s, std::string* out);
// gimme_domain($line, $want_fqdn): the host of "host[ip]", "host/ip", "[ip]"
// (the IP when the host is "unknown" or a reverse-DNS name), folded unless
// want_fqdn; "none" for relay=none. Appends.
void GimmeDomain13(std::string_view s, bool want_fqdn, std::string* out);

// 1.3.0's said_string_trimmer(): a leading reply code dropped first. Appends.
void SaidStringTrimmer13(std::string_view s, size_t max, std::string* out);
// 1.3.0's deferral detail keys of a "status=deferred (REASON)" text: the host
// (gimme_domain(..., 1), "unknown" when no rule names one) and the reason.
void DeferralKey13(std::string_view reason, std::string* host, std::string* out_reason);

// 1.3.0's condensing of a (non-cleanup) warning's text: the 18 rewrites of
// its main loop ("hostname X does not resolve to address Y" -> "hostname does
// not resolve to address", ...). Appends and returns true if one applied.
bool CondenseWarning13(std::string_view warning, std::string* out);
// 1.3.0's @pscrnRegexs on a postscreen line's text: the action, the client's
// IP and port, and for the PSC_CLIENT_ADDR_PORT forms the extra text.
// Returns the number of captures (3 or 4), 0 when no expression matches.
size_t PostscreenAction13(std::string_view s, std::string_view* act, std::string_view* ip, std::string_view* port,
                          std::string_view* addl);

// 1.3.0's reject reason: 1.1.5's rules, BDAT like RCPT, a DSN allowed before
// "<...>:", and the "Server configuration", fqrdns "Generic" and nullMX
// condensings; stage "connect" keeps the text. Appends.
void RejectReason13(std::string_view stage, std::string_view rmdr, std::string* out);

// 1.3.0's normalize_host(), the tie-break of its count listings: "2_" and
// hex octets for IPv4, "3_" and eight zero-padded blocks for IPv6, else "0_"
// and the lower-cased labels of the first word in reverse. Appends.
void NormalizeHost13(std::string_view key, std::string* out);

using fields::AppendLower;  // pflogsumm lower-cases ASCII only

}  // namespace maillens::pfl

#endif  // MAILLENS_REPORT_PFLOGSUMM_RULES_H_
