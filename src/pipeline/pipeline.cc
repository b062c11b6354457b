// pipeline.cc - Pipeline.
#include "pipeline/pipeline.h"

#include <memory>

#include "io/byte_source.h"
#include "lines/line_reader.h"

namespace maillens {

Pipeline::Pipeline(PipelineOptions options, Reporter* reporter)
    : options_(std::move(options)), reporter_(reporter), header_parser_(options_.year) {}

void Pipeline::Count(absl::flat_hash_map<std::string, uint64_t>* m, std::string_view key) {
  // Debian's abseil is built with its own string_view type: convert for the
  // heterogeneous (allocation-free) lookup.
  auto it = m->find(absl::string_view(key.data(), key.size()));
  if (it != m->end()) {
    ++it->second;
  } else {
    m->emplace(std::string(key), 1);
  }
}

void Pipeline::ProcessLine(std::string_view line) {
  ++stats_.lines;
  if (!header_parser_.Parse(line, &header_)) {
    ++stats_.no_header;
    for (EventSink* s : sinks_) s->OnUnparsed(nullptr, Origin::kForeign, line);
    return;
  }
  if (options_.filter_days) {
    int64_t day = header_.civil_day();
    if (day < options_.first_day || day > options_.last_day) {
      ++stats_.filtered_out;
      return;
    }
  }
  Origin origin = ClassifyProgram(header_, options_.parser);
  if (origin == Origin::kForeign) {
    ++stats_.foreign;
    Count(&stats_.foreign_by_program, header_.program);
    return;
  }
  ++stats_.mail_lines;
  if (!ParseMailLine(header_, origin, &event_)) {
    ++stats_.unparsed;
    Count(&stats_.unparsed_by_program, header_.program);
    for (EventSink* s : sinks_) s->OnUnparsed(&header_, origin, line);
    return;
  }
  const Message* m = assembler_.Feed(event_);
  for (EventSink* s : sinks_) s->OnEvent(event_, m);
}

Status Pipeline::ProcessInput(const std::string& path) {
  std::unique_ptr<ByteSource> src;
  Status st = OpenByteSource(path, reporter_, &src);
  if (!st.ok()) return st;
  LineReader reader(src.get(), reporter_);
  std::string_view line;
  while (reader.Next(&line)) ProcessLine(line);
  return Status::OK();
}

}  // namespace maillens
