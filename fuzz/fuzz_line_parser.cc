// fuzz_line_parser.cc - libFuzzer target: one input is a chunk of log text.
//
// Runs the whole line path (line splitting, syslog header, Postfix/Dovecot
// parsers, assembly, the report's counting) and checks invariants:
//  - the pipeline never crashes or reads out of bounds (ASan/UBSan),
//  - splitting the same bytes through tiny buffers yields the same lines as
//    one big buffer (line_reader invariant),
//  - every Event view points inside the line it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "io/byte_source.h"
#include "lines/line_reader.h"
#include "pipeline/pipeline.h"
#include "postfix/parser.h"
#include "report/render.h"
#include "report/summary.h"

namespace {

using namespace maillens;

std::vector<std::string> Lines(const uint8_t* data, size_t size, size_t buffer, size_t max_line) {
  RecordingReporter r;
  auto src = MemoryByteSource("fuzz", data, size, &r);
  LineReader::Options o;
  o.buffer_size = buffer;
  o.max_line = max_line;
  LineReader reader(src.get(), &r, o);
  std::vector<std::string> out;
  std::string_view line;
  while (reader.Next(&line)) out.emplace_back(line);
  return out;
}

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Line splitting must not depend on buffer sizes.
  if (Lines(data, size, 1 << 16, 1 << 10) != Lines(data, size, 32, 1 << 10)) std::abort();

  RecordingReporter reporter;
  PipelineOptions po;
  po.year.reference_epoch = 1795325911;
  Pipeline pipeline(po, &reporter);
  Summary summary;
  pipeline.AddSink(&summary);
  auto src = MemoryByteSource("fuzz", data, size, &reporter);
  LineReader reader(src.get(), &reporter);
  std::string_view line;
  HeaderParser hp(po.year);
  SyslogHeader h;
  Event ev;
  while (reader.Next(&line)) {
    pipeline.ProcessLine(line);
    if (hp.Parse(line, &h)) {
      Origin o = ClassifyProgram(h, po.parser);
      if (o != Origin::kForeign && ParseMailLine(h, o, &ev)) {
        for (std::string_view v : {ev.queue_id, ev.client, ev.client_addr, ev.from, ev.to, ev.relay, ev.reason,
                                   ev.status_text, ev.child_queue_id, ev.filter_id, ev.text, ev.user})
          // Views point into the line, except the one static value a parser
          // gives: "NOQUEUE" for a proxy-reject with no queue ID (as smtpd's
          // own rejects say it); a literal lives as long as the program.
          if (!Inside(v, line) && v != "NOQUEUE") std::abort();
      }
    }
  }
  pipeline.Finish();
  std::string out;
  RenderText(summary, RenderOptions(), &out);
  RenderJson(summary, pipeline.stats(), RenderOptions(), &out);
  return 0;
}
