// text_escape.cc - TerminalSafe, HtmlEscape, CsvCell.
#include "util/text_escape.h"

#include <cstdio>

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

std::string CsvCell(std::string_view s) {
  std::string body;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    body.push_back('\'');
  body.append(s);
  bool quote = body.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) return body;
  std::string out = "\"";
  for (char c : body) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void AppendPrometheusLabelValue(std::string* out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') out->append("\\\\");
    else if (c == '"') out->append("\\\"");
    else if (c == '\n') out->append("\\n");
    else out->push_back(c);
  }
}

}  // namespace maillens
