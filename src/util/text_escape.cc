// text_escape.cc - TerminalSafe, HtmlEscape, CsvCell, UTF-8 validation.
#include "util/text_escape.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace maillens {

namespace {

// True if s[i] starts a UTF-8-encoded C1 control (C2 80 .. C2 9F).
bool IsC1(std::string_view s, size_t i) {
  return static_cast<unsigned char>(s[i]) == 0xC2 && i + 1 < s.size() &&
         static_cast<unsigned char>(s[i + 1]) >= 0x80 && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
}

// Appends byte c as \xNN.
void AppendHexByte(std::string* out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out->append(buf);
}

}  // namespace

bool IsTerminalSafe(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F || (c == 0xC2 && IsC1(s, i))) return false;
  }
  return true;
}

void AppendTerminalSafe(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {  // C0 controls (ESC included) and DEL
      AppendHexByte(out, c);
    } else if (c == 0xC2 && IsC1(s, i)) {  // a C1 control in UTF-8
      AppendHexByte(out, c);
      AppendHexByte(out, static_cast<unsigned char>(s[++i]));
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

std::string TerminalSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendTerminalSafe(&out, s);
  return out;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      case '"': out.append("&quot;"); break;
      case '\'': out.append("&#39;"); break;
      default: out.push_back(c);
    }
  }
  return out;
}

void AppendCsvCell(std::string* out, std::string_view s) {
  const bool formula =
      !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
  bool quote = false;
  for (char c : s) {
    if (c == ',' || c == '"' || c == '\r' || c == '\n') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    if (formula) out->push_back('\'');
    out->append(s);
    return;
  }
  out->push_back('"');
  if (formula) out->push_back('\'');
  // Copy runs up to each '"', doubling it.
  for (size_t q; (q = s.find('"')) != std::string_view::npos; s.remove_prefix(q + 1)) {
    out->append(s.data(), q + 1);
    out->push_back('"');
  }
  out->append(s);
  out->push_back('"');
}

std::string CsvCell(std::string_view s) {
  std::string out;
  AppendCsvCell(&out, s);
  return out;
}

void AppendPrometheusLabelValue(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    size_t n = static_cast<unsigned char>(c) < 0x80 ? 1 : Utf8SequenceLength(s, i);
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else if (n == 0) out->append("\xEF\xBF\xBD");  // the format requires UTF-8
    else out->append(s.data() + i, n);
    i += n == 0 ? 1 : n;
  }
}

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

bool IsAscii(std::string_view s) {
  // Eight bytes at a time: any high bit set means a non-ASCII byte.
  size_t i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc |= w;
  }
  for (; i < s.size(); ++i) acc |= static_cast<unsigned char>(s[i]);
  return (acc & 0x8080808080808080ULL) == 0;
}

void AppendValidUtf8(std::string* out, std::string_view s) {
  size_t run = 0;  // start of the pending run of valid bytes
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(s, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out->append(s.data() + run, i - run);
    out->append("\xEF\xBF\xBD");  // U+FFFD
    run = ++i;
  }
  out->append(s.data() + run, s.size() - run);
}

}  // namespace maillens
