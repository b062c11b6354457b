// escape_test.cc - JSON strings, terminal text, HTML and CSV escaping of
// attacker-controlled log content.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

void PutUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// True if s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

// Strictly decodes a JSON string literal (RFC 8259); fails the test on any
// violation (raw control characters, bad escapes, invalid UTF-8).
std::string DecodeJson(const std::string& lit) {
  EXPECT_GE(lit.size(), 2u);
  EXPECT_EQ(lit.front(), '"');
  EXPECT_EQ(lit.back(), '"');
  EXPECT_TRUE(ValidUtf8(lit)) << "output is not valid UTF-8";
  std::string out;
  for (size_t i = 1; i + 1 < lit.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(lit[i]);
    EXPECT_GE(c, 0x20) << "raw control character in JSON string at " << i;
    EXPECT_NE(c, '"') << "unescaped quote at " << i;
    if (c != '\\') {
      out.push_back(static_cast<char>(c));
      continue;
    }
    ++i;
    if (i + 1 >= lit.size()) {
      ADD_FAILURE() << "dangling backslash";
      break;
    }
    char e = lit[i];
    switch (e) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        if (i + 4 >= lit.size()) {
          ADD_FAILURE() << "short \\u escape";
          return out;
        }
        uint32_t cp = static_cast<uint32_t>(std::stoul(lit.substr(i + 1, 4), nullptr, 16));
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < lit.size() && lit[i + 1] == '\\' && lit[i + 2] == 'u') {
          uint32_t lo = static_cast<uint32_t>(std::stoul(lit.substr(i + 3, 4), nullptr, 16));
          EXPECT_TRUE(lo >= 0xDC00 && lo < 0xE000) << "unpaired surrogate escape";
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        } else {
          EXPECT_FALSE(cp >= 0xD800 && cp < 0xE000) << "lone surrogate escape";
        }
        PutUtf8(&out, cp);
        break;
      }
      default: ADD_FAILURE() << "invalid escape \\" << e;
    }
  }
  return out;
}

// Replaces runs of U+FFFD by one (decoders may emit one per bad byte).
std::string CollapseFffd(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 3, kFffd) == 0) {
      out += kFffd;
      while (s.compare(i, 3, kFffd) == 0) i += 3;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

TEST(Escape, JsonQuotesAndBackslash) {
  EXPECT_EQ(Json(""), "\"\"");
  EXPECT_EQ(Json("plain text"), "\"plain text\"");
  EXPECT_EQ(Json("say \"hi\""), "\"say \\\"hi\\\"\"");
  EXPECT_EQ(Json("C:\\dir\\"), "\"C:\\\\dir\\\\\"");
  EXPECT_EQ(Json("\"\\"), "\"\\\"\\\\\"");
  EXPECT_EQ(DecodeJson(Json("a\"b\\c")), "a\"b\\c");
}

TEST(Escape, JsonControlCharacters) {
  EXPECT_EQ(Json("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(Json("a\tb"), "\"a\\tb\"");
  EXPECT_EQ(Json("a\rb"), "\"a\\rb\"");
  // Every C0 control and DEL round-trips, never raw.
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  all.push_back('\x7f');
  std::string out = Json(all);
  for (char c : out.substr(1, out.size() - 2)) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in " << out;
    EXPECT_NE(c, '\x7f');
  }
  EXPECT_EQ(DecodeJson(out), all);
  // NUL inside a string.
  const std::string nul("a\0b", 3);
  EXPECT_EQ(DecodeJson(Json(nul)), nul);
  EXPECT_EQ(Json(nul), "\"a\\u0000b\"");
  // ANSI escape sequences cannot reach a terminal through JSON either.
  std::string esc = Json("\x1b[31mred\x1b[0m");
  EXPECT_EQ(esc.find('\x1b'), std::string::npos);
  EXPECT_EQ(DecodeJson(esc), "\x1b[31mred\x1b[0m");
}

TEST(Escape, JsonKeepsValidMultibyte) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xE4\xB8\xAD \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF";  // é € 中 😀 U+10FFFF
  std::string out = Json(text);
  EXPECT_EQ(DecodeJson(out), text);
  EXPECT_EQ(out.find("\\ufffd"), std::string::npos);
  EXPECT_EQ(out.find(kFffd), std::string::npos);
}

TEST(Escape, JsonInvalidUtf8BecomesReplacement) {
  struct Case {
    std::string in;
    std::string want;  // decoded, with each bad sequence as one U+FFFD
  };
  const Case cases[] = {
      {"\xff", kFffd},
      {"a\xffz", "a" + kFffd + "z"},
      {"\xfe\xfe", kFffd},
      {"x\xe2\x82", "x" + kFffd},               // truncated 3-byte sequence at the end
      {"\xe2\x82y", kFffd + "y"},               // truncated, followed by ASCII
      {"\xf0\x9f\x98", kFffd},                  // truncated 4-byte sequence
      {"\xc0\xaf", kFffd},                      // overlong '/'
      {"\xe0\x80\xaf", kFffd},                  // overlong 3-byte
      {"\xed\xa0\x80", kFffd},                  // UTF-16 surrogate U+D800
      {"\xed\xbf\xbf", kFffd},                  // surrogate U+DFFF
      {"\xf4\x90\x80\x80", kFffd},              // beyond U+10FFFF
      {"\x80", kFffd},                          // lone continuation byte
      {"\xc3\xa9\xff\xc3\xa9", "\xc3\xa9" + kFffd + "\xc3\xa9"},  // valid around invalid
      {"\"\xff\"", "\"" + kFffd + "\""},
  };
  for (const Case& c : cases) {
    std::string out = Json(c.in);
    SCOPED_TRACE(testing::PrintToString(c.in) + " -> " + out);
    EXPECT_NE(out.find("\\ufffd"), std::string::npos) << "no \\ufffd in output";
    EXPECT_EQ(CollapseFffd(DecodeJson(out)), c.want);
  }
}

TEST(Escape, JsonWriterUsesSafeStrings) {
  std::string out;
  JsonWriter w(&out, /*pretty=*/false);
  w.BeginObject().Field("k\"ey", std::string_view("v\xff\n")).Field("n", uint64_t{42}).EndObject();
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_NE(out.find("\"k\\\"ey\""), std::string::npos) << out;
  EXPECT_NE(out.find("\\ufffd"), std::string::npos) << out;
  EXPECT_NE(out.find("42"), std::string::npos) << out;
  EXPECT_TRUE(ValidUtf8(out));
}

TEST(Escape, TerminalSafeRemovesEscAndBel) {
  const std::string title = "\x1b]0;title\x07";
  std::string out = TerminalSafe(title);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out, "\\x1b]0;title\\x07");

  out = TerminalSafe("\x1b[2J\x1b[31mred\x1b[0m");
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_NE(out.find("red"), std::string::npos);

  // Other C0 controls and DEL too; printable text and UTF-8 stay.
  out = TerminalSafe(std::string("a\rb\bc\x7f" "d\0e", 9));
  for (char c : out) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << testing::PrintToString(out);
    EXPECT_NE(c, '\x7f');
  }
  EXPECT_EQ(TerminalSafe("caf\xC3\xA9 <ok> 100%"), "caf\xC3\xA9 <ok> 100%");
  EXPECT_EQ(TerminalSafe(""), "");

  std::string appended = "prefix:";
  AppendTerminalSafe(&appended, "\x1b" "x");
  EXPECT_EQ(appended, "prefix:\\x1bx");
}

TEST(Escape, TerminalSafeRemovesUtf8C1Controls) {
  // U+009B (CSI) and U+0085 (NEL) encoded in UTF-8; U+00A0 and U+00E9 are printable.
  EXPECT_EQ(TerminalSafe("a\xC2\x9B" "31mb\xC2\x85" "c"), "a\\xc2\\x9b31mb\\xc2\\x85c");
  EXPECT_EQ(TerminalSafe("\xC2\xA0\xC3\xA9"), "\xC2\xA0\xC3\xA9");
  EXPECT_EQ(TerminalSafe("end\xC2"), "end\xC2");  // a lone lead byte at the end is not a C1 control
  EXPECT_FALSE(IsTerminalSafe("x\xC2\x9By"));
  EXPECT_FALSE(IsTerminalSafe("x\ty"));
  EXPECT_TRUE(IsTerminalSafe("caf\xC3\xA9 \xC2\xA0"));
  EXPECT_TRUE(IsTerminalSafe(""));
}

TEST(Escape, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("a & b"), "a &amp; b");
  EXPECT_EQ(HtmlEscape("plain"), "plain");
  std::string attr = HtmlEscape("\" onmouseover='x' <>&");
  EXPECT_EQ(attr.find('"'), std::string::npos) << attr;
  EXPECT_EQ(attr.find('\''), std::string::npos) << attr;
  EXPECT_EQ(attr.find('<'), std::string::npos) << attr;
  EXPECT_EQ(attr.find('>'), std::string::npos) << attr;
  // Already-escaped text is escaped again (no double-decoding surprises).
  EXPECT_EQ(HtmlEscape("&lt;"), "&amp;lt;");
}

TEST(Escape, CsvFormulaInjection) {
  EXPECT_EQ(CsvCell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
  EXPECT_EQ(CsvCell("+1+2"), "'+1+2");
  EXPECT_EQ(CsvCell("-2+3"), "'-2+3");
  EXPECT_EQ(CsvCell("@SUM(A1:A2)"), "'@SUM(A1:A2)");
  EXPECT_EQ(CsvCell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  // Not at the start: harmless.
  EXPECT_EQ(CsvCell("a=b"), "a=b");
  EXPECT_EQ(CsvCell("user@example.com"), "user@example.com");
}

TEST(Escape, CsvQuoting) {
  EXPECT_EQ(CsvCell("plain"), "plain");
  EXPECT_EQ(CsvCell(""), "");
  EXPECT_EQ(CsvCell("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvCell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvCell("line1\nline2"), "\"line1\nline2\"");
  EXPECT_EQ(CsvCell("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(CsvCell("\""), "\"\"\"\"");
  EXPECT_EQ(CsvCell("=1,2"), "\"'=1,2\"");
}

}  // namespace
}  // namespace maillens
