// input_order.cc - OrderInputs: rotation order, then first stamps.
#include "pipeline/input_order.h"

#include <limits>
#include <memory>

#include "io/byte_source.h"
#include "io/input_set.h"
#include "lines/line_reader.h"
#include "syslog/header.h"
#include "util/reporter.h"

namespace maillens {

int64_t FirstStampOf(const std::string& path, int64_t reference_epoch) {
  RecordingReporter quiet;  // problems are reported when the file is really read
  std::unique_ptr<ByteSource> src;
  if (!OpenByteSource(path, &quiet, &src).ok()) return std::numeric_limits<int64_t>::max();
  LineReader::Options o;
  o.buffer_size = 64 << 10;
  o.max_line = 16 << 10;
  LineReader reader(src.get(), &quiet, o);
  HeaderParser parser(YearPolicy{reference_epoch, 0});
  SyslogHeader h;
  std::string_view line;
  for (int i = 0; i < 200 && reader.Next(&line); ++i)
    if (parser.Parse(line, &h)) return h.epoch;
  return std::numeric_limits<int64_t>::max();
}

std::vector<std::string> OrderInputs(const std::vector<std::string>& paths, int64_t reference_epoch) {
  return SortRotatedInputs(paths, [reference_epoch](const std::string& path) {
    return FirstStampOf(path, reference_epoch);
  });
}

}  // namespace maillens
