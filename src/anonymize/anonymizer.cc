// anonymizer.cc - pseudonyms at the parser's spans plus a free-text scrubber (see anonymizer.h).
#include "anonymize/anonymizer.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "absl/container/flat_hash_map.h"
#include "anonymize/crypto_pan.h"
#include "postfix/event.h"
#include "syslog/stamp.h"

namespace maillens::anonymize {

namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsAlnum(char c) { return IsDigit(c) || IsLower(c) || IsUpper(c); }
inline bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
// RFC 5322 atext plus '.', and bytes >= 0x80 (SMTPUTF8 local parts).
struct LocalCharTable {
  bool t[256] = {};
  constexpr LocalCharTable() {
    for (int c = 0; c < 256; ++c)
      t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    for (const char* p = "!#$%&'*+-/=?^_`{|}~."; *p; ++p) t[static_cast<unsigned char>(*p)] = true;
  }
};
constexpr LocalCharTable kLocalChars;
// The punctuation at which a scrubber rule can start.
struct TriggerTable {
  bool t[256] = {};
  constexpr TriggerTable() {
    for (const char* p = "@=[<(/:"; *p; ++p) t[static_cast<unsigned char>(*p)] = true;
  }
};
constexpr TriggerTable kTriggers;
inline bool IsLocalChar(char c) { return kLocalChars.t[static_cast<unsigned char>(c)]; }
inline bool IsDomainChar(char c) { return IsAlnum(c) || c == '.' || c == '-' || c == '_'; }
inline bool IsHostChar(char c) { return IsDomainChar(c); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

// Where lower-case `needle` is in `hay`, ignoring case, from `from`; npos if not.
size_t FindIgnoreCase(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (needle.empty() || hay.size() < needle.size()) return std::string_view::npos;
  for (size_t i = from; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && Lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

// Dotted-quad at the start of s: 4 decimal octets <= 255, no leading junk.
// Returns the length consumed (0 if none); *v in host order.
size_t ParseIpv4Prefix(std::string_view s, uint32_t* v) {
  size_t i = 0;
  uint32_t out = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
    size_t start = i;
    uint32_t octet = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) octet = octet * 10 + (s[i++] - '0');
    if (i == start || octet > 255) return 0;
    out = out << 8 | octet;
  }
  *v = out;
  return i;
}

bool ParseIpv6(std::string_view s, uint8_t out[16]) {
  char buf[64];
  if (s.size() >= sizeof buf || s.size() < 2) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return inet_pton(AF_INET6, buf, out) == 1;
}

bool InNet(const Net& net, bool v6, const uint8_t* addr) {
  if (net.v6 != v6) return false;
  int full = net.bits / 8, rest = net.bits % 8;
  if (std::memcmp(net.addr, addr, full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (net.addr[full] & mask) == (addr[full] & mask);
}

struct Hash128 {
  size_t operator()(const std::array<uint8_t, 16>& a) const {
    uint64_t x, y;
    std::memcpy(&x, a.data(), 8);
    std::memcpy(&y, a.data() + 8, 8);
    return absl::HashOf(x, y);
  }
};

// Heterogeneous lookup by string_view (the Debian Abseil's StringHash takes
// absl::string_view, not std::string_view).
struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct SvEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};
using NameCache = absl::flat_hash_map<std::string, std::string, SvHash, SvEq>;

// Keys of key=value fields the scrubber knows, and the class of their value.
enum class Cls : uint8_t { kNone, kAddress, kUser, kHost, kDomain, kSelectorDomain, kMessageId, kText };

Cls FieldClass(std::string_view key) {
  static constexpr std::pair<std::string_view, Cls> kFields[] = {
      {"from", Cls::kAddress},        {"to", Cls::kAddress},          {"orig_to", Cls::kAddress},
      {"sender", Cls::kAddress},      {"recipient", Cls::kAddress},
      {"user", Cls::kUser},           {"sasl_username", Cls::kUser},  {"sasl_sender", Cls::kAddress},
      {"login", Cls::kUser},          {"username", Cls::kUser},       {"original_user", Cls::kUser},
      {"helo", Cls::kHost},           {"name", Cls::kHost},           {"message-id", Cls::kMessageId},
      {"msgid", Cls::kMessageId},     {"Message-ID", Cls::kMessageId}, {"client", Cls::kText},
      {"d", Cls::kDomain},  // DKIM's signing domain (opendkim "d=example.com")
      {"dkim_sd", Cls::kSelectorDomain},  // amavis "dkim_sd=selector:example.com"
  };
  for (const auto& [k, c] : kFields)
    if (k == key) return c;
  return Cls::kNone;
}

// Dovecot "service(user,ip)" / "service(user)" prefixes.
bool IsDovecotUserService(std::string_view w) {
  static constexpr std::string_view kServices[] = {
      "lmtp", "lda", "imap", "pop3", "managesieve", "submission", "auth", "passwd-file", "pam", "sql",
      "ldap", "passwd", "shadow", "static", "checkpassword", "bsdauth", "lua", "oauth2", "dict",
      "indexer-worker", "doveadm", "quota-status", "sieve", "userdb", "passdb", "master"};
  for (std::string_view s : kServices)
    if (EqualsIgnoreCase(s, w)) return true;
  return false;
}

// Directory names that carry no identity, kept in scrubbed paths.
bool IsSystemPathWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "", ".", "..", "var", "mail", "spool", "home", "Maildir", "maildir", "vmail", "usr", "lib", "libexec",
      "bin", "sbin", "etc", "tmp", "run", "cur", "new", "dovecot", "postfix", "local", "opt", "srv", "data",
      "mailboxes", "mbox", "INBOX", "inbox", "deliver", "dovecot-lda", "procmail", "maildrop", "private",
      "public", "active", "deferred", "incoming", "hold", "corrupt", "log", "lmtp", "mailman", "spamassassin",
      "amavis", "amavisd", "sendmail", "virtual", "domains", "users", "nonexistent", "dev", "null"};
  for (std::string_view k : kWords)
    if (k == w) return true;
  return false;
}

}  // namespace

bool ParseNet(std::string_view text, Net* out) {
  *out = Net{};
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  uint32_t v4;
  if (ParseIpv4Prefix(addr, &v4) == addr.size() && !addr.empty()) {
    out->v6 = false;
    out->addr[0] = v4 >> 24;
    out->addr[1] = v4 >> 16;
    out->addr[2] = v4 >> 8;
    out->addr[3] = v4;
    out->bits = 32;
  } else if (ParseIpv6(addr, out->addr)) {
    out->v6 = true;
    out->bits = 128;
  } else {
    return false;
  }
  if (slash != std::string_view::npos) {
    std::string_view b = text.substr(slash + 1);
    if (b.empty() || b.size() > 3) return false;
    int bits = 0;
    for (char c : b) {
      if (!IsDigit(c)) return false;
      bits = bits * 10 + (c - '0');
    }
    if (bits > out->bits) return false;
    out->bits = bits;
  }
  return true;
}

Options Options::Defaults() {
  Options o;
  Net n;
  ParseNet("127.0.0.0/8", &n);
  o.keep_nets.push_back(n);
  ParseNet("::1/128", &n);
  o.keep_nets.push_back(n);
  return o;
}

// Fewer letters and digits than this in a value: the pseudonym is longer.
constexpr size_t kMinAlnum = 6;

struct Anonymizer::Impl {
  Options options;
  uint8_t name_key[32];
  CryptoPan pan;
  NameCache names, hosts, domains;
  absl::flat_hash_map<uint32_t, uint32_t> v4;
  absl::flat_hash_map<std::array<uint8_t, 16>, std::array<uint8_t, 16>, Hash128> v6;
  std::string scratch, scratch2;
  // Identities of the line being rewritten (Line()), looked for in its free text.
  struct Known {
    std::string_view value;
    Cls cls;
  };
  Known known[8];
  size_t nknown = 0;
  // Options::only: which kind of value it is, its lower-case text and parts,
  // and whether the line being rewritten named it.
  enum class Only : uint8_t { kAll, kAddress, kUser, kIp };
  Only only = Only::kAll;
  std::string only_local, verp, srs, only_v4_text, only_v4_reversed;
  bool only_v6 = false;
  uint8_t only_ip[16] = {};
  bool hit = false;

  Impl(const std::array<uint8_t, 32>& key, Options o) : options(std::move(o)), pan(Derive(key)) {
    unsigned int len = 32;
    static const char kLabel[] = "maillens anonymize names v1";
    HMAC(EVP_sha256(), key.data(), 32, reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1, name_key, &len);
    for (std::string& d : options.keep_domains)
      for (char& c : d) c = Lower(c);
    if (!options.only.empty()) SetOnly();
    // One HMAC-SHA256 context keyed once; each pseudonym re-initialises it
    // with the same key (EVP_MAC_init with a null key) instead of the
    // one-shot HMAC(), which fetches the algorithm on every call.
    mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    mac_ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    if (mac_ctx == nullptr || EVP_MAC_init(mac_ctx, name_key, sizeof name_key, params) != 1)
      throw std::runtime_error("anonymize: HMAC-SHA256 unavailable");
  }
  ~Impl() {
    OPENSSL_cleanse(name_key, sizeof name_key);
    EVP_MAC_CTX_free(mac_ctx);
    EVP_MAC_free(mac);
  }

  void SetOnly() {
    std::string& v = options.only;
    for (char& c : v) c = Lower(c);
    uint32_t v4;
    if (ParseIpv4Prefix(v, &v4) == v.size()) {
      only = Only::kIp;
      for (int i = 0; i < 4; ++i) only_ip[i] = static_cast<uint8_t>(v4 >> (24 - 8 * i));
      Ip4Text(v4, &only_v4_text);
      Ip4Text(uint32_t(only_ip[3]) << 24 | uint32_t(only_ip[2]) << 16 | uint32_t(only_ip[1]) << 8 | only_ip[0],
              &only_v4_reversed);
    } else if (ParseIpv6(v, only_ip)) {
      only = Only::kIp;
      only_v6 = true;
    } else if (size_t at = v.rfind('@'); at != std::string::npos) {
      only = Only::kAddress;
      only_local = v.substr(0, at);
      verp = only_local + "=" + v.substr(at + 1);  // "list+LOCAL=DOMAIN@lists.example"
      srs = v.substr(at + 1) + "=" + only_local;   // "SRS0=hash=tt=DOMAIN=LOCAL@forwarder"
    } else {
      only = Only::kUser;
      only_local = v;
    }
  }

  // True if `v` is to be pseudonymised: every value, or (Options::only) the
  // one person's, as a value of `kind`.
  bool Wanted(std::string_view v, Only kind) {
    if (only == Only::kAll) return true;
    if (only != kind || !EqualsIgnoreCase(v, options.only)) return false;
    return hit = true;
  }
  bool WantedIp(bool v6, const uint8_t* a) {
    if (only == Only::kAll) return true;
    if (only != Only::kIp || v6 != only_v6 || std::memcmp(a, only_ip, v6 ? 16 : 4) != 0) return false;
    return hit = true;
  }
  // Whether `line` can name the Options::only person at all (a quick look
  // before the parser: the local part or user name, the dotted IPv4 address
  // or its DNSBL reversal; IPv6 addresses have too many spellings).
  bool MayName(std::string_view line) const {
    switch (only) {
      case Only::kAddress:
      case Only::kUser: return FindIgnoreCase(line, only_local) != std::string_view::npos;
      case Only::kIp:
        return only_v6 || line.find(only_v4_text) != std::string_view::npos ||
               line.find(only_v4_reversed) != std::string_view::npos;
      case Only::kAll: break;
    }
    return true;
  }
  // An address that is not the Options::only one: kept, but for the person
  // inside a VERP or SRS local part (her local part pseudonymised).
  void OtherAddress(std::string_view a, std::string* out) {
    size_t at = a.rfind('@');
    std::string_view local = a.substr(0, at == std::string_view::npos ? a.size() : at);
    size_t emitted = 0;
    if (only == Only::kAddress && local.find('=') != std::string_view::npos) {
      for (const std::string* form : {&verp, &srs}) {
        for (size_t p = FindIgnoreCase(local, *form, emitted); p != std::string_view::npos;
             p = FindIgnoreCase(local, *form, emitted)) {
          size_t lp = form == &verp ? p : p + form->size() - only_local.size();
          out->append(a.substr(emitted, lp - emitted));
          NameRaw(a.substr(lp, only_local.size()), out);
          emitted = lp + only_local.size();
          hit = true;
        }
      }
    }
    out->append(a.substr(emitted));
  }

  void Mac(const std::string& data, uint8_t out[32]) {
    size_t len = 0;
    EVP_MAC_init(mac_ctx, nullptr, 0, nullptr);
    EVP_MAC_update(mac_ctx, reinterpret_cast<const uint8_t*>(data.data()), data.size());
    EVP_MAC_final(mac_ctx, out, &len, 32);
  }
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* mac_ctx = nullptr;

  static std::array<uint8_t, 32> Derive(const std::array<uint8_t, 32>& key) {
    std::array<uint8_t, 32> out;
    unsigned int len = 32;
    static const char kLabel[] = "maillens anonymize crypto-pan v1";
    HMAC(EVP_sha256(), key.data(), 32, reinterpret_cast<const uint8_t*>(kLabel), sizeof kLabel - 1, out.data(), &len);
    return out;
  }

  // Appends `templ` spelt with keyed letters/digits: HMAC(name_key, tag ||
  // counter || input), where `input` is what the pseudonym depends on (the
  // lower-cased value). Punctuation and non-ASCII bytes of `templ` are kept.
  void Shape(char tag, std::string_view input, std::string_view templ, std::string* out) {
    size_t base = out->size();
    bool has_alnum = std::any_of(templ.begin(), templ.end(), IsAlnum);
    for (uint8_t attempt = 0;; ++attempt) {
      out->resize(base);
      uint8_t digest[32];
      size_t used = 32;
      uint8_t block = 0;
      for (char c : templ) {
        if (!IsAlnum(c)) {
          out->push_back(c);
          continue;
        }
        if (used == 32) {
          scratch2.clear();
          scratch2.push_back(tag);
          scratch2.push_back(static_cast<char>(attempt));
          scratch2.push_back(static_cast<char>(block++));
          scratch2.append(input);
          Mac(scratch2, digest);
          used = 0;
        }
        uint8_t b = digest[used++];
        if (IsDigit(c)) out->push_back(static_cast<char>('0' + b % 10));
        else if (IsUpper(c)) out->push_back(static_cast<char>('A' + b % 26));
        else out->push_back(static_cast<char>('a' + b % 26));
      }
      // Short values get at least kMinAlnum keyed characters (appended, in
      // the class of the last one), so that pseudonyms of short names do not
      // collide with each other or with other originals.
      size_t alnum = static_cast<size_t>(std::count_if(templ.begin(), templ.end(), IsAlnum));
      for (size_t k = alnum; has_alnum && k < kMinAlnum; ++k) {
        if (used == 32) {
          scratch2.assign(1, tag);
          scratch2.push_back(static_cast<char>(attempt));
          scratch2.push_back(static_cast<char>(block++));
          scratch2.append(input);
          Mac(scratch2, digest);
          used = 0;
        }
        uint8_t b = digest[used++];
        char last = 'a';
        for (char c : templ)
          if (IsAlnum(c)) last = c;
        if (IsDigit(last)) out->push_back(static_cast<char>('0' + b % 10));
        else if (IsUpper(last)) out->push_back(static_cast<char>('A' + b % 26));
        else out->push_back(static_cast<char>('a' + b % 26));
      }
      // A pseudonym equal to its original (a short value's chance) is drawn again.
      if (!has_alnum || attempt == 255 || !EqualsIgnoreCase(std::string_view(*out).substr(base), templ)) return;
    }
  }

  void NameRaw(std::string_view v, std::string* out) {
    auto it = names.find(v);
    if (it != names.end()) {
      out->append(it->second);
      return;
    }
    std::string lower(v);
    for (char& c : lower) c = Lower(c);
    std::string p;
    Shape('n', lower, v, &p);
    out->append(p);
    names.emplace(std::string(v), std::move(p));
  }

  // Local parts with '=' (VERP "list+user=example.com", SRS0=hash=tt=domain=user,
  // BATV prvs=tag=user): each '='-field on its own, so the embedded user and
  // domain get the pseudonyms they get elsewhere.
  void Local(std::string_view v, std::string* out) {
    if (v.find('=') == std::string_view::npos) {
      NameRaw(v, out);
      return;
    }
    size_t start = 0;
    while (start <= v.size()) {
      size_t eq = v.find('=', start);
      std::string_view f = v.substr(start, eq == std::string_view::npos ? std::string_view::npos : eq - start);
      if (EqualsIgnoreCase(f, "SRS0") || EqualsIgnoreCase(f, "SRS1") || EqualsIgnoreCase(f, "prvs") ||
          EqualsIgnoreCase(f, "btv1")) {
        out->append(f);
      } else if (f.find('.') != std::string_view::npos &&
                 std::all_of(f.begin(), f.end(), IsDomainChar)) {
        DomainRaw(f, out);
      } else if (size_t plus = f.rfind('+'); plus != std::string_view::npos) {
        NameRaw(f.substr(0, plus), out);
        out->push_back('+');
        NameRaw(f.substr(plus + 1), out);
      } else {
        NameRaw(f, out);
      }
      if (eq == std::string_view::npos) break;
      out->push_back('=');
      start = eq + 1;
    }
  }

  // How many trailing labels of `name` (lower case) stay: the registered
  // domain for hosts, everything for address domains in keep mode.
  size_t KeptLabels(std::string_view lower, size_t nlabels, bool is_host) {
    size_t registered = nlabels >= 2 ? 2 : nlabels;
    if (nlabels >= 3) {
      // "example.co.uk": a short second-level label under a ccTLD.
      size_t last = lower.rfind('.');
      size_t prev = lower.rfind('.', last - 1);
      if (lower.size() - last - 1 == 2 && last - prev - 1 <= 3) registered = 3;
    }
    if (options.domains == DomainMode::kKeep) return is_host ? (nlabels <= 1 ? 0 : registered) : nlabels;
    for (const std::string& d : options.keep_domains) {
      if (lower == d || (lower.size() > d.size() && lower[lower.size() - d.size() - 1] == '.' &&
                         lower.compare(lower.size() - d.size(), d.size(), d) == 0)) {
        size_t dl = static_cast<size_t>(std::count(d.begin(), d.end(), '.')) + 1;
        return is_host ? std::max(dl, registered > nlabels ? nlabels : registered) : nlabels;
      }
    }
    return nlabels <= 1 ? 0 : 1;  // the top-level domain only
  }

  void DomainLike(std::string_view v, bool is_host, std::string* out) {
    if (only != Only::kAll) {  // a domain or host name names no one person
      out->append(v);
      return;
    }
    auto& cache = is_host ? hosts : domains;
    auto it = cache.find(v);
    if (it != cache.end()) {
      out->append(it->second);
      return;
    }
    std::string lower(v);
    for (char& c : lower) c = Lower(c);
    size_t nlabels = static_cast<size_t>(std::count(lower.begin(), lower.end(), '.')) + 1;
    bool trailing_dot = !lower.empty() && lower.back() == '.';
    if (trailing_dot) --nlabels;
    size_t kept = KeptLabels(trailing_dot ? std::string_view(lower).substr(0, lower.size() - 1) : lower, nlabels,
                             is_host);
    std::string p;
    size_t label = 0, pos = 0;
    while (pos <= v.size() && label < nlabels) {
      size_t dot = v.find('.', pos);
      size_t end = dot == std::string_view::npos ? v.size() : dot;
      if (label < nlabels - kept) Shape('d', std::string_view(lower).substr(pos), v.substr(pos, end - pos), &p);
      else p.append(v.substr(pos, end - pos));
      if (dot == std::string_view::npos) {
        pos = v.size() + 1;
        break;
      }
      p.push_back('.');
      pos = dot + 1;
      ++label;
    }
    if (pos < v.size()) p.append(v.substr(pos));
    out->append(p);
    cache.emplace(std::string(v), std::move(p));
  }
  void DomainRaw(std::string_view v, std::string* out) { DomainLike(v, false, out); }

  void Address(std::string_view a, std::string* out) {
    if (!Wanted(a, Only::kAddress)) {
      OtherAddress(a, out);
      return;
    }
    size_t at = a.rfind('@');
    if (at == std::string_view::npos) {
      Local(a, out);
      return;
    }
    std::string_view local = a.substr(0, at);
    // A source route or quoted local part: scrub as text.
    if (!local.empty() && (local[0] == '@' || local[0] == '"')) {
      FreeText(local, out);
    } else {
      Local(local, out);
    }
    out->push_back('@');
    std::string_view domain = a.substr(at + 1);
    if (!domain.empty() && domain[0] == '[') FreeText(domain, out);  // address literal
    else DomainRaw(domain, out);
  }

  void User(std::string_view u, std::string* out) {
    if (u.find('@') != std::string_view::npos) Address(u, out);
    else if (Wanted(u, Only::kUser)) Local(u, out);
    else out->append(u);
  }

  void Host(std::string_view h, std::string* out) {
    if (h.empty() || EqualsIgnoreCase(h, "unknown") || EqualsIgnoreCase(h, "localhost") ||
        EqualsIgnoreCase(h, "localhost.localdomain")) {
      out->append(h);
      return;
    }
    if (!std::all_of(h.begin(), h.end(), IsHostChar)) {
      // A span that runs on ("name>: Received: ..." of a header_checks
      // line): its leading name as a host, the rest as text.
      size_t run = 0;
      while (run < h.size() && IsHostChar(h[run])) ++run;
      if (run > 0 && run < h.size() && h[run] != '[' && h[run] != ':') {
        Host(h.substr(0, run), out);
        FreeText(h.substr(run), out);
      } else {
        FreeText(h, out);
      }
      return;
    }
    if (TryIp(h, out)) return;
    uint32_t rv;
    size_t rl = ParseIpv4Prefix(h, &rv);
    if (rl != 0 && rl + 1 < h.size() && h[rl] == '.' && !IsDigit(h[rl + 1])) {
      ReversedIp4(rv, out);  // "4.3.2.1.zen.example": a DNSBL query name
      out->push_back('.');
      DomainLike(h.substr(rl + 1), true, out);
      return;
    }
    DomainLike(h, true, out);
  }

  // Appends the pseudonym of `s` if it is exactly an address; false if not.
  bool TryIp(std::string_view s, std::string* out) {
    uint32_t v;
    if (!s.empty() && ParseIpv4Prefix(s, &v) == s.size()) {
      Ip4(v, out);
      return true;
    }
    uint8_t a6[16];
    if (s.find(':') != std::string_view::npos && ParseIpv6(s, a6)) {
      Ip6(a6, s, out);
      return true;
    }
    return false;
  }

  void Ip4(uint32_t v, std::string* out) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    uint32_t m = v;
    bool kept = false;
    for (const Net& n : options.keep_nets) kept = kept || InNet(n, false, b);
    if (!kept && !WantedIp(false, b)) kept = true;
    if (!kept) {
      auto it = v4.find(v);
      if (it != v4.end()) {
        m = it->second;
      } else {
        m = pan.Anonymize4(v);
        v4.emplace(v, m);
      }
    }
    Ip4Text(m, out);
  }

  // "d.c.b.a" of a DNSBL query: the pseudonym of a.b.c.d, reversed again.
  void ReversedIp4(uint32_t reversed, std::string* out) {
    uint32_t v = (reversed >> 24) | ((reversed >> 8) & 0xFF00) | ((reversed << 8) & 0xFF0000) | (reversed << 24);
    size_t base = out->size();
    Ip4(v, out);
    std::string_view m(*out);
    m.remove_prefix(base);
    uint32_t p;
    ParseIpv4Prefix(m, &p);
    out->resize(base);
    Ip4Text((p >> 24) | ((p >> 8) & 0xFF00) | ((p << 8) & 0xFF0000) | (p << 24), out);
  }
  static void Ip4Text(uint32_t m, std::string* out) {
    char buf[16];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
      unsigned o = (m >> shift) & 255;
      if (o >= 100) buf[n++] = static_cast<char>('0' + o / 100);
      if (o >= 10) buf[n++] = static_cast<char>('0' + o / 10 % 10);
      buf[n++] = static_cast<char>('0' + o % 10);
      if (shift != 0) buf[n++] = '.';
    }
    out->append(buf, n);
  }

  void Ip6(const uint8_t a[16], std::string_view original, std::string* out) {
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a, kMapped, 12) == 0 && original.find('.') != std::string_view::npos) {
      // "::ffff:a.b.c.d": the IPv4 part as an IPv4 address.
      size_t dot_start = original.rfind(':') + 1;
      out->append(original.substr(0, dot_start));
      Ip4(uint32_t(a[12]) << 24 | uint32_t(a[13]) << 16 | uint32_t(a[14]) << 8 | a[15], out);
      return;
    }
    std::array<uint8_t, 16> key;
    std::memcpy(key.data(), a, 16);
    std::array<uint8_t, 16> m = key;
    bool kept = false;
    for (const Net& n : options.keep_nets) kept = kept || InNet(n, true, a);
    if (kept || !WantedIp(true, a)) {
      out->append(original);
      return;
    }
    auto it = v6.find(key);
    if (it != v6.end()) {
      m = it->second;
    } else {
      pan.Anonymize6(a, m.data());
      v6.emplace(key, m);
    }
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, m.data(), buf, sizeof buf);
    out->append(buf);
  }

  void MessageId(std::string_view id, std::string* out) {
    if (only != Only::kAll) {  // names no one person
      out->append(id);
      return;
    }
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') {
      out->push_back('<');
      MessageId(id.substr(1, id.size() - 2), out);
      out->push_back('>');
      return;
    }
    size_t at = id.rfind('@');
    if (at == std::string_view::npos) {
      NameRaw(id, out);
      return;
    }
    NameRaw(id.substr(0, at), out);
    out->push_back('@');
    std::string_view right = id.substr(at + 1);
    if (std::all_of(right.begin(), right.end(), IsHostChar)) DomainLike(right, true, out);
    else FreeText(right, out);
  }

  // A path component: an address or IP inside it is scrubbed as such, any
  // other word mapped as a name.
  void FreeTextOrName(std::string_view comp, std::string* out) {
    if (comp.find('@') != std::string_view::npos || (!comp.empty() && IsDigit(comp[0]) && TryIp(comp, out))) {
      if (comp.find('@') != std::string_view::npos) Address(comp, out);
      return;
    }
    if (Wanted(comp, Only::kUser)) NameRaw(comp, out);
    else out->append(comp);
  }

  void ByClass(Cls c, std::string_view v, std::string* out) {
    switch (c) {
      case Cls::kAddress: Address(v, out); break;
      case Cls::kUser: User(v, out); break;
      case Cls::kHost: Host(v, out); break;
      case Cls::kDomain: DomainRaw(v, out); break;
      case Cls::kSelectorDomain: {
        size_t colon = v.find(':');
        out->append(v.substr(0, colon == std::string_view::npos ? 0 : colon + 1));
        DomainRaw(colon == std::string_view::npos ? v : v.substr(colon + 1), out);
        break;
      }
      case Cls::kMessageId: MessageId(v, out); break;
      default: FreeText(v, out); break;
    }
  }

  // The scrubber. `emitted` is how much of s is already in *out; each rule
  // finds a span [a, b) with a >= emitted, copies s[emitted, a) and appends
  // the span's pseudonym.
  void FreeText(std::string_view s, std::string* out) {
    size_t emitted = 0;
    size_t n = s.size();
    // The line's identities are looked for at this level only: a pseudonym
    // computed below (ByClass -> FreeText) must not find them again.
    Known* known_here = known;
    size_t nk = nknown;
    nknown = 0;
    auto flush = [&](size_t a) {
      out->append(s.substr(emitted, a - emitted));
    };
    for (size_t i = 0; i < n;) {
      char c = s[i];
      char prev = i > 0 ? s[i - 1] : ' ';
      // Inside a word no rule starts: every rule begins at one of the
      // punctuation characters of kTriggers or at a word's first character.
      if (IsAlnum(c) ? IsAlnum(prev) : !kTriggers.t[static_cast<unsigned char>(c)]) {
        ++i;
        while (i < n && IsAlnum(s[i]) && IsAlnum(s[i - 1])) ++i;
        continue;
      }
      if (nk != 0 && !IsDomainChar(prev) && !IsLocalChar(prev)) {
        // A HELO name or user name of this line's fields, repeated bare in
        // its text ("Helo command rejected: match bad.domain").
        bool hit = false;
        for (size_t k = 0; k < nk && !hit; ++k) {
          std::string_view v = known_here[k].value;
          if (v[0] != c || s.size() - i < v.size() || s.compare(i, v.size(), v) != 0) continue;
          size_t e = i + v.size();
          if (e < n && (IsDomainChar(s[e]) || s[e] == '@')) continue;
          flush(i);
          ByClass(known_here[k].cls, v, out);
          emitted = i = e;
          hit = true;
        }
        if (hit) continue;
      }
      if (c == '@') {
        size_t a = i;
        while (a > emitted && IsLocalChar(s[a - 1])) --a;
        size_t b = i + 1;
        while (b < n && IsDomainChar(s[b])) ++b;
        while (b > i + 1 && (s[b - 1] == '.' || s[b - 1] == '-')) --b;
        while (a < i && s[a] == '.') ++a;
        if (a < i || b > i + 1) {
          flush(a);
          Address(s.substr(a, b - a), out);
          emitted = i = b;
          continue;
        }
        ++i;
        continue;
      }
      if (c == '=' && i > emitted) {
        size_t a = i;
        while (a > emitted && (IsAlnum(s[a - 1]) || s[a - 1] == '_' || s[a - 1] == '-')) --a;
        Cls cls = FieldClass(s.substr(a, i - a));
        // Address fields are always "key=<...>" in Postfix; without the
        // bracket the word is something else (a command count, ...).
        if (cls == Cls::kAddress && (i + 1 >= n || s[i + 1] != '<')) cls = Cls::kNone;
        if (cls != Cls::kNone && cls != Cls::kText) {
          size_t v = i + 1, e;
          if (v < n && s[v] == '<') {
            ++v;
            e = s.find('>', v);
            if (e == std::string_view::npos) e = n;
          } else {
            e = v;
            while (e < n && s[e] != ',' && s[e] != ' ' && s[e] != ';' && s[e] != ')') ++e;
            // smtpd's "disconnect from ... helo=1 auth=0/1": command counts.
            if (std::all_of(s.begin() + v, s.begin() + e, [](char ch) { return IsDigit(ch) || ch == '/'; })) {
              ++i;
              continue;
            }
          }
          flush(v);
          ByClass(cls, s.substr(v, e - v), out);
          emitted = i = e;
          continue;
        }
        ++i;
        continue;
      }
      if (c == '[') {
        size_t close = s.find(']', i + 1);
        if (close != std::string_view::npos && close - i < 64) {
          std::string_view inner = s.substr(i + 1, close - i - 1);
          if (inner.size() > 5 && EqualsIgnoreCase(inner.substr(0, 5), "ipv6:")) inner.remove_prefix(5);
          uint32_t v;
          uint8_t a6[16];
          bool is_ip = (!inner.empty() && ParseIpv4Prefix(inner, &v) == inner.size()) ||
                       (inner.find(':') != std::string_view::npos && ParseIpv6(inner, a6)) ||
                       // "name[name]": a host whose address Postfix did not know
                       (inner.find('.') != std::string_view::npos &&
                        std::all_of(inner.begin(), inner.end(), IsHostChar));
          if (is_ip || inner == "unknown") {
            size_t a = i;
            // "(name [addr])" in a Received: header: one space between.
            if (a >= 2 && s[a - 1] == ' ' && IsHostChar(s[a - 2]) && a - 1 > emitted) {
              size_t b = a - 1;
              while (b > emitted && IsHostChar(s[b - 1])) --b;
              if (b > 0 && s[b - 1] == '(' && b >= emitted) {
                flush(b);
                Host(s.substr(b, a - 1 - b), out);
                emitted = a - 1;
              }
            }
            while (a > emitted && IsHostChar(s[a - 1])) --a;
            if (a < i) {
              flush(a);
              Host(s.substr(a, i - a), out);
              emitted = a = i;
            }
          }
        }
        ++i;
        continue;
      }
      if (c == '<') {
        // Postfix's "<name>: Helo command rejected", "<name>: Client host rejected",
        // "<local>: Recipient address rejected" (no '@' for the address rule).
        size_t close = s.find('>', i + 1);
        if (close != std::string_view::npos && close - i < 256) {
          std::string_view inner = s.substr(i + 1, close - i - 1);
          std::string_view after = s.substr(close + 1);
          if (!inner.empty() && inner.find_first_of("@[ ") == std::string_view::npos &&
              after.substr(0, 2) == ": ") {
            after.remove_prefix(2);
            Cls cls = Cls::kNone;
            if (after.substr(0, 4) == "Helo" || after.substr(0, 11) == "Client host") cls = Cls::kHost;
            else if (after.substr(0, 6) == "Sender" || after.substr(0, 9) == "Recipient") cls = Cls::kAddress;
            if (cls != Cls::kNone) {
              flush(i + 1);
              ByClass(cls, inner, out);
              emitted = i = close;
              continue;
            }
          }
        }
        ++i;
        continue;
      }
      if (c == '(' && i > emitted) {
        size_t a = i;
        while (a > emitted && (IsAlnum(s[a - 1]) || s[a - 1] == '-' || s[a - 1] == '_')) --a;
        if (IsDovecotUserService(s.substr(a, i - a))) {
          size_t e = i + 1;
          while (e < n && s[e] != ',' && s[e] != ')' && s[e] != ' ') ++e;
          std::string_view u = s.substr(i + 1, e - i - 1);
          if (!u.empty() && !std::all_of(u.begin(), u.end(), IsDigit) && (e == n || s[e] != ' ')) {
            flush(i + 1);
            User(u, out);
            emitted = i = e;
            continue;
          }
        }
        ++i;
        continue;
      }
      if (c == '/' && (prev == ' ' || prev == '(' || prev == '"' || prev == '\'' || prev == '=') && i + 1 < n &&
          IsLocalChar(s[i + 1])) {
        // A path ("delivered to file: /var/mail/bob", "/home/bob/Maildir/"):
        // every component that is not a common system directory name is
        // mapped as a user name (the same pseudonym the name gets elsewhere).
        size_t e = i;
        while (e < n && s[e] != ' ' && s[e] != ')' && s[e] != ',' && s[e] != ';' && s[e] != '"' && s[e] != '\'')
          ++e;
        flush(i);
        size_t p = i;
        while (p < e) {
          if (s[p] == '/') {
            out->push_back('/');
            ++p;
            continue;
          }
          size_t q = p;
          while (q < e && s[q] != '/') ++q;
          std::string_view comp = s.substr(p, q - p);
          if (IsSystemPathWord(comp)) out->append(comp);
          else FreeTextOrName(comp, out);
          p = q;
        }
        emitted = i = e;
        continue;
      }
      if (c == 'h' && !IsAlnum(prev) && s.compare(i, 9, "hostname ") == 0) {
        // smtpd "hostname NAME does not resolve to address ADDR".
        size_t v = i + 9, e = v;
        while (e < n && IsHostChar(s[e])) ++e;
        if (e > v && s.compare(e, 17, " does not resolve") == 0) {
          flush(v);
          Host(s.substr(v, e - v), out);
          emitted = i = e;
          continue;
        }
      }
      if ((c == 'f' || c == 'b' || c == 'u') && !IsAlnum(prev) && i >= emitted) {
        std::string_view rest = s.substr(i);
        size_t skip = rest.substr(0, 5) == "from " ? 5 : rest.substr(0, 3) == "by " ? 3
                    : rest.substr(0, 5) == "user " ? 5 : rest.substr(0, 4) == "for " ? 4 : 0;
        if (skip != 0) {
          size_t v = i + skip, e = v;
          while (e < n && s[e] != ' ' && s[e] != ';' && s[e] != ',' && s[e] != ')' && s[e] != '[') ++e;
          std::string_view tok = s.substr(v, e - v);
          std::string_view after = s.substr(e);
          bool host_word = skip <= 5 && c != 'u' && tok.find('.') != std::string_view::npos &&
                           tok.find('@') == std::string_view::npos && !tok.empty() && IsAlnum(tok.back()) &&
                           std::all_of(tok.begin(), tok.end(), IsHostChar) && after.substr(0, 2) == " (";
          // sshd and SASL: "Invalid user NAME from", "Failed password for NAME from".
          bool user_word = (c == 'u' || c == 'f') && !tok.empty() && after.substr(0, 6) == " from " &&
                           tok.find('@') == std::string_view::npos && tok != "unknown" && tok != "invalid";
          // local(8): "cannot update mailbox PATH for user NAME. REASON".
          if (c == 'u' && !user_word && i >= 4 && s.compare(i - 4, 4, "for ") == 0 && tok.size() > 1 &&
              tok.back() == '.') {
            tok.remove_suffix(1);
            e = v + tok.size();
            user_word = true;
          }
          if (host_word || user_word) {
            flush(v);
            if (host_word) Host(tok, out);
            else User(tok, out);
            emitted = i = e;
            continue;
          }
        }
      }
      if ((IsHex(c) || c == ':') && !IsAlnum(prev) && prev != '.' && prev != '-' && prev != '_') {
        size_t e = i;
        int colons = 0;
        while (e < n && (IsHex(s[e]) || s[e] == ':' || s[e] == '.')) colons += s[e++] == ':';
        if (colons >= 2) {
          std::string_view tok = s.substr(i, e - i);
          while (!tok.empty() && (tok.back() == '.' || (tok.back() == ':' && !(tok.size() >= 2 && tok[tok.size() - 2] == ':'))))
            tok.remove_suffix(1);
          uint8_t a6[16];
          if (ParseIpv6(tok, a6)) {
            flush(i);
            Ip6(a6, tok, out);
            emitted = i = i + tok.size();
            continue;
          }
        }
      }
      if (IsDigit(c) && !IsDigit(prev) && prev != '.') {
        uint32_t v;
        size_t len = ParseIpv4Prefix(s.substr(i), &v);
        size_t e = i + len;
        if (len != 0 && (e == n || (!IsDigit(s[e]) && !(s[e] == '.' && e + 1 < n && IsAlnum(s[e + 1]))))) {
          flush(i);
          Ip4(v, out);
          emitted = i = e;
          continue;
        }
        if (len != 0 && s[e] == '.' && e + 1 < n && !IsDigit(s[e + 1]) && IsAlnum(s[e + 1])) {
          // A DNSBL query name: the client's address reversed, then the zone.
          flush(i);
          ReversedIp4(v, out);
          emitted = i = e;
          continue;
        }
      }
      ++i;
    }
    flush(n);
    nknown = nk;
  }

  // One line: header kept (its host mapped in kMap mode), the parser's spans
  // replaced, the rest scrubbed.
  void Line(std::string_view line, std::string* out) {
    if (only == Only::kAll) {
      AllLine(line, out);
      return;
    }
    size_t base = out->size();
    hit = false;
    if (MayName(line)) AllLine(line, out);
    if (!hit) {  // not the person's line: every byte as it was
      out->resize(base);
      out->append(line);
    }
  }

  void AllLine(std::string_view line, std::string* out) {
    SyslogHeader h;
    if (!ParseStamp(line, &h) || h.message.data() < line.data() ||
        h.message.data() + h.message.size() > line.data() + line.size()) {
      FreeText(line, out);
      return;
    }
    struct Span {
      const char* p;
      size_t n;
      Cls cls;
    };
    Span spans[16];
    size_t nspans = 0;
    auto add = [&](std::string_view v, Cls cls) {
      if (v.empty() || v.data() < line.data() || v.data() + v.size() > line.data() + line.size() || nspans == 16)
        return;
      spans[nspans++] = {v.data(), v.size(), cls};
    };
    if (options.domains == DomainMode::kMap) add(h.host, Cls::kHost);
    Origin origin = ClassifyProgram(h, options.parser);
    Event ev;
    if (origin != Origin::kForeign && ParseMailLine(h, origin, &ev)) {
      add(ev.from, Cls::kAddress);
      add(ev.to, Cls::kAddress);
      add(ev.orig_to, Cls::kAddress);
      add(ev.sasl_sender, Cls::kAddress);
      add(ev.sasl_username, Cls::kUser);
      add(ev.user, Cls::kUser);
      add(ev.client_name, Cls::kHost);
      add(ev.client_addr, Cls::kText);
      add(ev.helo, Cls::kHost);
      add(ev.message_id, Cls::kMessageId);
    }
    std::sort(spans, spans + nspans, [](const Span& a, const Span& b) { return a.p < b.p; });
    nknown = 0;
    for (size_t k = 0; k < nspans && nknown < 8; ++k) {
      std::string_view v(spans[k].p, spans[k].n);
      if (spans[k].cls == Cls::kAddress) {
        size_t at = v.rfind('@');
        if (at == std::string_view::npos || v.size() - at - 1 < 4) continue;
        v.remove_prefix(at + 1);
        if (v.find('.') != std::string_view::npos && IsAlnum(v.front())) known[nknown++] = {v, Cls::kDomain};
        continue;
      }
      // Only values that cannot be an English word of the text ("User
      // unknown" after helo=<User>): with a dot, an '@' or a digit.
      if (v.find_first_of(".@0123456789") == std::string_view::npos) continue;
      if ((spans[k].cls == Cls::kHost || spans[k].cls == Cls::kUser) && v.size() >= 3 &&
          !EqualsIgnoreCase(v, "unknown") && !EqualsIgnoreCase(v, "localhost") && IsAlnum(v.front()))
        known[nknown++] = {v, spans[k].cls};
    }
    // The timestamp is kept; the host is kept (kKeep, unless it is an IP
    // address) or mapped (kMap, a span above); everything after it (program
    // name included: "postfix-10.1.2.3/smtp", Dovecot's "auth(user,ip)") is
    // scrubbed, with the spans replaced by their pseudonyms.
    const char* stamp_end = !h.host.empty() ? h.host.data() : h.program.data();
    if (stamp_end < line.data() || stamp_end > line.data() + line.size()) stamp_end = line.data();
    const char* end = line.data() + line.size();
    out->append(line.data(), stamp_end - line.data());
    const char* pos = stamp_end;
    if (options.domains == DomainMode::kKeep && !h.host.empty() && h.host.data() == stamp_end) {
      if (!TryIp(h.host, out)) out->append(h.host);
      pos = h.host.data() + h.host.size();
    }
    for (size_t k = 0; k < nspans; ++k) {
      const Span& sp = spans[k];
      if (sp.p < pos) continue;  // overlaps the one before
      if (pos < sp.p) FreeText(std::string_view(pos, sp.p - pos), out);
      ByClass(sp.cls, std::string_view(sp.p, sp.n), out);
      pos = sp.p + sp.n;
    }
    FreeText(std::string_view(pos, end - pos), out);
    nknown = 0;
  }
};

Anonymizer::Anonymizer(const std::array<uint8_t, 32>& key, Options options)
    : impl_(std::make_unique<Impl>(key, std::move(options))) {}
Anonymizer::~Anonymizer() = default;

void Anonymizer::Line(std::string_view line, std::string* out) { impl_->Line(line, out); }
void Anonymizer::Address(std::string_view v, std::string* out) { impl_->Address(v, out); }
void Anonymizer::User(std::string_view v, std::string* out) { impl_->User(v, out); }
void Anonymizer::Name(std::string_view v, std::string* out) { impl_->NameRaw(v, out); }
void Anonymizer::Host(std::string_view v, std::string* out) { impl_->Host(v, out); }
void Anonymizer::SyslogHost(std::string_view v, std::string* out) {
  if (impl_->options.domains == DomainMode::kMap) impl_->Host(v, out);
  else if (!impl_->TryIp(v, out)) out->append(v);
}
void Anonymizer::Domain(std::string_view v, std::string* out) { impl_->DomainRaw(v, out); }
void Anonymizer::Ip(std::string_view v, std::string* out) {
  if (!impl_->TryIp(v, out)) impl_->FreeText(v, out);
}
void Anonymizer::MessageId(std::string_view v, std::string* out) { impl_->MessageId(v, out); }
void Anonymizer::FreeText(std::string_view v, std::string* out) { impl_->FreeText(v, out); }

}  // namespace maillens::anonymize
