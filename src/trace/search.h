// search.h - `trace --qid` as a search (issue 14 item 4): find the lines that
// can matter to one message by literal search over the raw files, then parse
// only those.
//
// SearchQidLines() maps each plain input file and collects the lines that
// contain the queue ID (memmem over the whole file, no line splitting). The
// lines found name further IDs: the queue IDs and content-filter IDs the
// parser sees in them (the line's own, "queued as X", bounce notices,
// orig_queue_id=, orig_id=, proxy-accept, a filter's "accept mail to <x>
// (QID)"). Those are searched for in turn, until no new ID
// appears: the message's parents, children and their children. An smtpd line
// found also brings in every line of that smtpd process ("smtpd[PID]: "): its
// session's connect, TLS and NOQUEUE lines, which name no queue ID. Lines
// found only through a process are not searched for further IDs.
// The lines go to the pipeline in input order (files in OrderInputs() order);
// every other line before the last of them only moves the pipeline's year
// tracker (Pipeline::TrackYear: a stamp parse), so traditional stamps get the
// years a full read gives them. The Tracer then builds exactly what it builds
// from every line:
// what it keeps of a message comes from the message's own lines, its
// session's, and the lines of the messages linked to it.
//
// The search gives up (returns false, having fed nothing) when an input is
// not a regular plain file (stdin, compressed: those are read whole), or
// when the closure grows past its caps (kMaxIds IDs, kMaxLines lines); the
// caller then reads every line as before.
// Thread safety: one thread at a time.
#ifndef MAILLENS_TRACE_SEARCH_H_
#define MAILLENS_TRACE_SEARCH_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/pipeline.h"

namespace maillens {

struct QidSearchStats {
  size_t rounds = 0;  // search passes over the input
  size_t ids = 0;     // literals searched for (IDs and smtpd processes)
  size_t lines = 0;   // lines handed to the pipeline
  size_t dated = 0;   // other lines, read for the year tracker only
  size_t bytes = 0;   // bytes searched, all passes
  const char* gave_up = "";  // why the search was not used, when it returned false
};

inline constexpr size_t kMaxSearchIds = 512;
inline constexpr size_t kMaxSearchLines = 1 << 20;

// `files` in the order to read them (OrderInputs). On true the lines were fed
// to `pipeline` (ProcessLine); the caller still calls pipeline->Finish().
bool SearchQidLines(const std::vector<std::string>& files, std::string_view qid, const ParserOptions& parser,
                    Pipeline* pipeline, QidSearchStats* stats);

}  // namespace maillens

#endif  // MAILLENS_TRACE_SEARCH_H_
