// fields.h - small allocation-free scanners shared by the daemon parsers.
//
// All functions take and return string_views into the line being parsed.
// None allocates, none uses regex; each is a few comparisons and memchr's.
#ifndef MAILLENS_POSTFIX_FIELDS_H_
#define MAILLENS_POSTFIX_FIELDS_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace maillens::fields {

// If *s starts with `prefix`, removes it and returns true.
inline bool Consume(std::string_view* s, std::string_view prefix) {
  if (s->size() < prefix.size() || std::memcmp(s->data(), prefix.data(), prefix.size()) != 0) return false;
  s->remove_prefix(prefix.size());
  return true;
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// Appends `s` with ASCII upper case letters made lower case.
inline void AppendLower(std::string* out, std::string_view s) {
  for (char c : s) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
}

// The text up to (not including) the first `c`; the whole of s if none.
// *s is advanced past `c`.
inline std::string_view TakeUntil(std::string_view* s, char c) {
  size_t i = s->find(c);
  std::string_view out = s->substr(0, i);
  s->remove_prefix(i == std::string_view::npos ? s->size() : i + 1);
  return out;
}

// The text up to the first `sep` (a string); advances past it.
inline std::string_view TakeUntil(std::string_view* s, std::string_view sep) {
  size_t i = s->find(sep);
  std::string_view out = s->substr(0, i);
  s->remove_prefix(i == std::string_view::npos ? s->size() : i + sep.size());
  return out;
}

// Value of "key=<...>" anywhere in s (key given with "=<", e.g. "from=<"),
// up to the closing '>' that ends the field (followed by ',', ' ' or the
// end). Sets *found; returns the address without brackets.
inline std::string_view AngleField(std::string_view s, std::string_view key, bool* found) {
  size_t i = s.find(key);
  while (i != std::string_view::npos && i > 0 && s[i - 1] != ' ' && s[i - 1] != ',' && s[i - 1] != ';') {
    i = s.find(key, i + 1);  // must start a field: "xfrom=<" is not "from=<"
  }
  if (i == std::string_view::npos) {
    *found = false;
    return {};
  }
  *found = true;
  std::string_view rest = s.substr(i + key.size());
  for (size_t j = 0; j < rest.size(); ++j) {
    if (rest[j] == '>' && (j + 1 == rest.size() || rest[j + 1] == ',' || rest[j + 1] == ' ' || rest[j + 1] == ';'))
      return rest.substr(0, j);
  }
  size_t gt = rest.find('>');
  return rest.substr(0, gt);
}

// Value of "key=value" (key given with '=', e.g. "proto=") up to the next
// `stop` character (',' or ' '), or empty/false when absent.
inline std::string_view PlainField(std::string_view s, std::string_view key, char stop, bool* found) {
  size_t i = s.find(key);
  while (i != std::string_view::npos && i > 0 && s[i - 1] != ' ' && s[i - 1] != ',') i = s.find(key, i + 1);
  if (i == std::string_view::npos) {
    *found = false;
    return {};
  }
  *found = true;
  std::string_view rest = s.substr(i + key.size());
  size_t j = rest.find(stop);
  return rest.substr(0, j);
}

// Splits Postfix's "name[addr]" (optionally ":port" after it) into parts.
// Returns false if there is no "[...]".
inline bool SplitNamAddr(std::string_view s, std::string_view* name, std::string_view* addr,
                         std::string_view* port) {
  size_t lb = s.find('[');
  if (lb == std::string_view::npos) return false;
  size_t rb = s.find(']', lb + 1);
  if (rb == std::string_view::npos) return false;
  *name = s.substr(0, lb);
  *addr = s.substr(lb + 1, rb - lb - 1);
  *port = (rb + 1 < s.size() && s[rb + 1] == ':') ? s.substr(rb + 2) : std::string_view();
  return true;
}

// Parses a non-negative decimal; false on anything else or overflow.
inline bool ParseUint(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Parses Postfix's delay numbers ("0.51", "12", "1.2e-05" never occurs but
// is tolerated as 0): digits with an optional fraction. The result is the
// correctly rounded double of the decimal (digits / 10^fraction digits), so
// sums match a strtod-based reader's.
inline double ParseDelay(std::string_view s) {
  static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
                                      1e14, 1e15, 1e16, 1e17, 1e18};
  uint64_t m = 0;
  int digits = 0, fraction = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
    if (digits < 18) m = m * 10 + static_cast<uint64_t>(s[i] - '0'), digits += m != 0;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 18; ++i, ++fraction, ++digits)
      m = m * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  return static_cast<double>(m) / kPow10[fraction];
}

// Character classes of queue IDs, one table lookup per character.
enum : uint8_t { kQidHex = 1, kQidLong = 2 };
struct QueueIdTable {
  uint8_t cls[256] = {};
  constexpr QueueIdTable() {
    for (int c = '0'; c <= '9'; ++c) cls[c] = kQidHex | kQidLong;
    for (int c = 'A'; c <= 'F'; ++c) cls[c] = kQidHex;
    for (int c = 'A'; c <= 'Z'; ++c) cls[c] |= kQidLong;
    for (int c = 'a'; c <= 'z'; ++c) cls[c] = kQidLong;
    for (char v : {'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U'}) cls[static_cast<uint8_t>(v)] &= ~kQidLong;
  }
};
inline constexpr QueueIdTable kQueueIdTable;

// True for a Postfix queue ID: short (hex, upper case, >= 5 chars) or long
// (enable_long_queue_ids: base-52 without vowels, containing the 'z'
// separator, >= 10 chars).
inline bool IsQueueId(std::string_view s) {
  if (s.size() < 5 || s.size() > 32) return false;
  uint8_t all = kQidHex | kQidLong;
  bool has_z = false;
  for (char c : s) {
    all &= kQueueIdTable.cls[static_cast<uint8_t>(c)];
    has_z |= c == 'z';
  }
  return (all & kQidHex) || ((all & kQidLong) && has_z && s.size() >= 10);
}

inline bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// The queue ID a reply says the message went on as: "... queued as QID"
// (an MTA or content filter downstream) or "forwarded as QID" (local(8)
// aliases/.forward); empty if none.
inline std::string_view HandedOnQueueId(std::string_view text) {
  size_t i = text.find("queued as ");
  size_t skip = 10;
  if (i == std::string_view::npos) {
    i = text.find("forwarded as ");
    skip = 13;
  }
  if (i == std::string_view::npos) return {};
  std::string_view q = text.substr(i + skip);
  size_t e = 0;
  while (e < q.size() && IsAsciiAlnum(q[e])) ++e;  // the whole word, then judged
  q = q.substr(0, e);
  return IsQueueId(q) ? q : std::string_view();
}

// A content filter's own ID at the end of its reply: "250 2.5.0 OK
// (4246C5DD1D1130AF87)" (Proxmox Mail Gateway's pmg-smtp-filter, before or
// after the queue); 5 to 40 letters and digits, else empty.
inline std::string_view TrailingFilterId(std::string_view text) {
  if (text.size() < 7 || text.back() != ')') return {};
  size_t open = text.rfind('(');
  if (open == std::string_view::npos || open == 0 || text[open - 1] != ' ') return {};
  std::string_view id = text.substr(open + 1, text.size() - open - 2);
  if (id.size() < 5 || id.size() > 40) return {};
  for (char c : id)
    if (!IsAsciiAlnum(c)) return {};
  return id;
}

}  // namespace maillens::fields

#endif  // MAILLENS_POSTFIX_FIELDS_H_
