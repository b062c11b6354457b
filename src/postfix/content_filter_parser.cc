// content_filter_parser.cc - content filters' own hand-off lines: the line in
// which a filter that is not Postfix says which queue ID it re-injected a
// recipient as. Today: Proxmox Mail Gateway's pmg-smtp-filter (PMG's
// PMG/SMTP.pm / pmg-smtp-filter, seen in shared/corpora/pmg-log-tracker):
//   "ID: accept mail to <RCPT> (QID) (rule: NAME)"
// where ID is the filter's own message ID, the one it answers Postfix with
// ("250 2.5.0 OK (ID)", see fields::TrailingFilterId). The other verdicts
// ("block mail to", "moved mail for <x> to spam quarantine") hand nothing on.
#include "postfix/fields.h"
#include "postfix/parser.h"

namespace maillens {

using fields::Consume;

bool ParseFilterHandOff(const SyslogHeader& h, FilterHandOff* out) {
  if (h.program != "pmg-smtp-filter") return false;
  std::string_view m = h.message;
  size_t colon = m.find(": ");
  if (colon == std::string_view::npos || colon < 5 || colon > 40) return false;
  std::string_view id = m.substr(0, colon);
  for (char c : id)
    if (!fields::IsAsciiAlnum(c)) return false;
  m.remove_prefix(colon + 2);
  if (!Consume(&m, "accept mail to <")) return false;
  size_t close = m.find("> (");
  if (close == std::string_view::npos) return false;
  std::string_view rcpt = m.substr(0, close);
  m.remove_prefix(close + 3);
  size_t end = m.find(')');
  if (end == std::string_view::npos) return false;
  std::string_view qid = m.substr(0, end);
  if (!fields::IsQueueId(qid)) return false;
  *out = FilterHandOff{id, rcpt, qid};
  return true;
}

}  // namespace maillens
