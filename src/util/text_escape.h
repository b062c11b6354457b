// text_escape.h - neutralising log-derived text for each output medium.
//
// Log content is attacker-controlled (HELO names, addresses, SASL user
// names). Every front end passes such text through the function for its
// medium: TerminalSafe() for text on a terminal or in a text report (C0
// control characters, ESC, DEL and the UTF-8-encoded C1 controls U+0080-U+009F
// - CSI U+009B among them - shown as \xNN, so no ANSI sequence reaches the
// terminal), HtmlEscape() for HTML, CsvCell() for CSV (RFC 4180 quoting, and
// cells starting with = + - @ prefixed with ' against formula injection).
// AppendPrometheusLabelValue() for a label value in Prometheus's text
// exposition format. JSON has AppendJsonString() in json_writer.h.
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
// Backslash, double quote and newline escaped as the exposition format wants.
void AppendPrometheusLabelValue(std::string* out, std::string_view s);

}  // namespace maillens

#endif  // MAILLENS_UTIL_TEXT_ESCAPE_H_
