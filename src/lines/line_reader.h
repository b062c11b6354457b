// line_reader.h - complete lines out of a ByteSource, through one reused buffer.
//
// LineReader hands out each line of the decompressed stream without its
// terminator ("\n", and a "\r" before it), as a string_view into its own
// buffer. It allocates only at construction: the buffer is reused, the
// partial tail is rolled to the front before each refill (ripgrep's
// LineBuffer). A last line without a final newline is still a line.
//
// Over-long lines (more than Options::max_line bytes) are skipped up to the
// next newline and told to the Reporter once per line, with their offset;
// Postfix caps its own records at 2000 bytes, so such a line is junk. Lines
// may contain any bytes (NUL included): deciding what they mean is the next
// stage's job.
// Thread safety: one thread at a time.
#ifndef MAILLENS_LINES_LINE_READER_H_
#define MAILLENS_LINES_LINE_READER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "io/byte_source.h"
#include "util/reporter.h"

namespace maillens {

class LineReader {
 public:
  struct Options {
    size_t buffer_size = 1 << 20;  // bytes read from the source at a time
    size_t max_line = 64 << 10;    // longer lines are skipped and reported
  };
  // `source` and `reporter` must outlive the reader.
  LineReader(ByteSource* source, Reporter* reporter);
  LineReader(ByteSource* source, Reporter* reporter, Options options);

  // Sets *line to the next line and returns true, or returns false at the end
  // of the input. IMPORTANT: *line is valid only until the next call.
  bool Next(std::string_view* line);

  // Byte offset (in the decompressed stream) of the line last returned.
  uint64_t line_offset() const { return line_offset_; }
  // Number of lines returned so far, and of over-long lines skipped.
  uint64_t lines() const { return lines_; }
  uint64_t skipped_long_lines() const { return skipped_; }

 private:
  bool Fill();  // reads more bytes; false at end of input

  ByteSource* source_;
  Reporter* reporter_;
  Options options_;
  std::vector<char> buf_;
  // Invariant: 0 <= pos_ <= end_ <= buf_.size(); buf_[pos_, end_) is not yet
  // handed out; buf_base_ is the stream offset of buf_[0].
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t buf_base_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // inside an over-long line, discarding to its newline
  uint64_t line_offset_ = 0;
  uint64_t lines_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace maillens

#endif  // MAILLENS_LINES_LINE_READER_H_
