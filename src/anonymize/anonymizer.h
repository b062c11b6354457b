// anonymizer.h - keyed, deterministic pseudonymisation of mail log lines.
//
// Anonymizer::Line() rewrites one syslog line so it can be shared and still
// analysed: the syslog header is parsed (syslog/stamp.h) and the message goes
// through the Postfix/Dovecot parsers (postfix/parser.h); every span the typed
// Event marks (from=, to=, orig_to=, client name/addr, helo=, sasl_username=,
// message-id=, Dovecot user) is replaced by its pseudonym of the same kind,
// and the text between those spans (reject reasons, DSN texts, warnings,
// Dovecot lines, foreign programs' lines) goes through a free-text scrubber
// that finds e-mail addresses (VERP, SRS and BATV ones included), IPv4 and
// IPv6 addresses, `host[addr]` pairs, `key=value` fields (user=, helo=,
// sasl_username=, msgid=, name=, rip=, ...), Dovecot `service(user,ip)`
// and Postfix's `<host>: Helo command rejected` forms. Every other byte is
// kept, so the output parses as the input did.
//
// Pseudonyms:
//   * local parts, user names, message-id left-hand sides: HMAC-SHA256 of the
//     lower-cased value, spelt in the input's shape (a lower-case letter for a
//     lower-case letter, upper for upper, digit for digit, punctuation kept):
//     the same length, a valid address, case-insensitively consistent.
//   * domains: kept (DomainMode::kKeep), or every label but the top-level one
//     mapped (kMap), except domains at or under `keep_domains`. A label's
//     pseudonym is keyed by the whole suffix it heads, so "mx.example.com"
//     and "example.com" still share their mapped "example.com".
//   * host names (HELO, rDNS, message-id right-hand sides): the labels left
//     of the registered domain are always mapped; the registered domain as
//     for address domains. "unknown" and "localhost" are kept.
//   * IPv4/IPv6: Crypto-PAn (anonymize/crypto_pan.h), except in `keep_nets`.
// The key is 32 secret bytes (anonymize/key_file.h); sub-keys for Crypto-PAn
// and for names are derived from it by HMAC-SHA256 with distinct labels.
// Same key, same pseudonyms: across lines, files, runs and hosts.
//
// Thread safety: one Anonymizer per thread (it caches pseudonyms).
#ifndef MAILLENS_ANONYMIZE_ANONYMIZER_H_
#define MAILLENS_ANONYMIZE_ANONYMIZER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "postfix/parser.h"

namespace maillens::anonymize {

enum class DomainMode : uint8_t { kKeep, kMap };

// An address range: `bits` leading bits of `addr` (16 bytes; IPv4 as v4).
struct Net {
  bool v6 = false;
  uint8_t addr[16] = {};
  int bits = 0;
};
// Parses "a.b.c.d/n", "x::y/n" or a bare address; false if malformed.
bool ParseNet(std::string_view text, Net* out);

struct Options {
  DomainMode domains = DomainMode::kKeep;
  std::vector<std::string> keep_domains;  // with kMap: kept, with their subdomains (lower case)
  // Addresses left as they are (default: loopback 127.0.0.0/8 and ::1).
  std::vector<Net> keep_nets;
  ParserOptions parser;
  // Non-empty: only this one person is pseudonymised (maillens forget): an
  // IP address, an e-mail address ("@": also as a user name, and inside VERP
  // and SRS local parts, case-insensitively) or a user name (SASL, Dovecot,
  // a path component; case-insensitively). Every other value is kept as it
  // is, and a line that does not name the person is kept byte for byte.
  std::string only;
  static Options Defaults();
};

class Anonymizer {
 public:
  Anonymizer(const std::array<uint8_t, 32>& key, Options options);
  ~Anonymizer();
  Anonymizer(const Anonymizer&) = delete;
  Anonymizer& operator=(const Anonymizer&) = delete;

  // Appends the pseudonymised `line` (without its newline) to *out.
  void Line(std::string_view line, std::string* out);

  // The pieces, each appending the pseudonym of one value to *out (for
  // export --anonymize and tests).
  void Address(std::string_view addr, std::string* out);  // "local@domain" or a bare local part
  void User(std::string_view user, std::string* out);     // SASL / Dovecot user: address or name
  void Name(std::string_view name, std::string* out);     // a local part / user name as is
  void Host(std::string_view host, std::string* out);     // HELO / rDNS / relay name
  void SyslogHost(std::string_view host, std::string* out);  // the header's host, as Line() has it
  void Domain(std::string_view domain, std::string* out);
  void Ip(std::string_view ip, std::string* out);         // not an address: scrubbed as text
  void MessageId(std::string_view id, std::string* out);  // without the angle brackets
  void FreeText(std::string_view text, std::string* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace maillens::anonymize

#endif  // MAILLENS_ANONYMIZE_ANONYMIZER_H_
