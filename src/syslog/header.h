// header.h - the syslog header of a mail log line: ParseStamp then YearTracker.
//
// HeaderParser is the two halves in one object for callers that read one
// stream in order (tests, guard/, the first-stamp probe of input ordering):
// the stateless parse (syslog/stamp.h: formats, host, program tag) and the
// sequential year tracker (syslog/year_tracker.h: the year rule for
// traditional stamps, local-time epochs). A parallel reader runs ParseStamp
// in its workers and one YearTracker in the ordered stage instead.
//
// Thread safety: keeps the tracker's state; use one per stream.
#ifndef MAILLENS_SYSLOG_HEADER_H_
#define MAILLENS_SYSLOG_HEADER_H_

#include <string_view>

#include "syslog/stamp.h"
#include "syslog/year_tracker.h"

namespace maillens {

class HeaderParser {
 public:
  explicit HeaderParser(YearPolicy policy) : tracker_(policy) {}
  // Parses `line`; false if it has no recognisable timestamp and program.
  // On success the views in *out point into `line` and the time is complete.
  bool Parse(std::string_view line, SyslogHeader* out) {
    if (!ParseStamp(line, out)) return false;
    tracker_.Resolve(out);
    return true;
  }

 private:
  YearTracker tracker_;
};

}  // namespace maillens

#endif  // MAILLENS_SYSLOG_HEADER_H_
