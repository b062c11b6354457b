// text_escape.h - neutralising log-derived text for each output medium.
//
// Log content is attacker-controlled (HELO names, addresses, SASL user
// names). Every front end passes such text through the function for its
// medium: TerminalSafe() for text on a terminal or in a text report (C0
// control characters, ESC, DEL and the UTF-8-encoded C1 controls U+0080-U+009F
// - CSI U+009B among them - shown as \xNN, so no ANSI sequence reaches the
// terminal), HtmlEscape() for HTML, CsvCell() for CSV (RFC 4180 quoting, and
// cells starting with = + - @, tab or CR prefixed with ' against formula
// injection). AppendValidUtf8() makes any bytes well-formed UTF-8 for media
// that require it. AppendPrometheusLabelValue() for a label value in
// Prometheus's text exposition format. JSON has AppendJsonString() in
// json_writer.h.
#ifndef MAILLENS_UTIL_TEXT_ESCAPE_H_
#define MAILLENS_UTIL_TEXT_ESCAPE_H_

#include <string>
#include <string_view>

namespace maillens {

// True if `s` needs no escaping for a terminal (TerminalSafe(s) == s).
bool IsTerminalSafe(std::string_view s);
std::string TerminalSafe(std::string_view s);
void AppendTerminalSafe(std::string* out, std::string_view s);
std::string HtmlEscape(std::string_view s);
std::string CsvCell(std::string_view s);
// Backslash, double quote and newline escaped as the exposition format wants;
// bytes that are not UTF-8 become U+FFFD.
void AppendPrometheusLabelValue(std::string* out, std::string_view s);

// Appends CsvCell(s) to *out without a temporary.
void AppendCsvCell(std::string* out, std::string_view s);

// Length of the well-formed UTF-8 sequence at s[i] (1 for ASCII), or 0 if the
// bytes there are not one (overlong, surrogate, past U+10FFFF, truncated).
// REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);
// Appends s with each byte that does not start a well-formed sequence
// replaced by U+FFFD.
void AppendValidUtf8(std::string* out, std::string_view s);
// True if every byte of s is below 0x80 (then s is valid UTF-8 as it is).
bool IsAscii(std::string_view s);

}  // namespace maillens

#endif  // MAILLENS_UTIL_TEXT_ESCAPE_H_
