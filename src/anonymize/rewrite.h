// rewrite.h - whole files through an Anonymizer: read any compression, write the same.
//
// CompressedWriter writes plain, gzip, bzip2, xz or zstd (the formats
// io/byte_source.h reads). AnonymizeSource() reads a ByteSource line by line
// (lines/line_reader.h), pseudonymises each line and writes it with its "\n";
// a last line without a newline stays without one.
//
// Thread safety: one object per thread.
#ifndef MAILLENS_ANONYMIZE_REWRITE_H_
#define MAILLENS_ANONYMIZE_REWRITE_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "anonymize/anonymizer.h"
#include "io/byte_source.h"
#include "util/reporter.h"
#include "util/status.h"

namespace maillens::anonymize {

class CompressedWriter {
 public:
  virtual ~CompressedWriter() = default;
  virtual Status Write(std::string_view bytes) = 0;
  // Flushes the compressor's tail and closes; the writer is spent.
  virtual Status Close() = 0;
};

// Writes to `f` (not closed by the writer unless `own`), compressing as `c`.
std::unique_ptr<CompressedWriter> NewCompressedWriter(FILE* f, bool own, Compression c);

struct RewriteStats {
  uint64_t bytes_in = 0;
  uint64_t lines = 0;
  uint64_t changed = 0;  // lines the Anonymizer changed (RewriteSourceExact)
};

// Reads all of `source`, writes its pseudonymised lines to `out`, in order.
// With more than one Anonymizer in `workers` (all made from one key and one
// Options, so they give the same pseudonyms), blocks of lines are rewritten
// in parallel, one thread per Anonymizer; the output is the same bytes.
Status AnonymizeSource(ByteSource* source, Reporter* reporter, const std::vector<Anonymizer*>& workers,
                       CompressedWriter* out, RewriteStats* stats);

// Like AnonymizeSource with one Anonymizer, for rewriting logs in place
// (maillens forget): every byte the Anonymizer does not change is kept,
// "\r\n" endings, over-long lines and a last line without a newline
// included. `out` may be null (a dry run: only *stats). A read error is told
// to `reporter` (the caller must then not replace the original).
Status RewriteSourceExact(ByteSource* source, Anonymizer* anonymizer, CompressedWriter* out,
                          RewriteStats* stats);

}  // namespace maillens::anonymize

#endif  // MAILLENS_ANONYMIZE_REWRITE_H_
