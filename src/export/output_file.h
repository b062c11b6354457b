// output_file.h - a file or stdout written in large blocks from one buffer.
//
// Writers append rows to buffer() and call MaybeFlush() after each; the
// buffer goes out with write(2) once it holds kFlushAt bytes, so a row costs
// no system call and the buffer's memory is reused for the whole run.
// Errors are sticky: after the first failed write nothing more is written
// and status() says why.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_OUTPUT_FILE_H_
#define MAILLENS_EXPORT_OUTPUT_FILE_H_

#include <string>

#include "export/byte_buffer.h"
#include "util/status.h"

namespace maillens::exporter {

class OutputFile {
 public:
  static constexpr size_t kFlushAt = 1 << 20;

  OutputFile() : buf_(kFlushAt + 64 * 1024) {}
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Opens `path` for writing (created or truncated); "-" or "" is stdout.
  Status Open(const std::string& path);

  ByteBuffer& buffer() { return buf_; }
  void MaybeFlush() {
    if (buf_.size() >= kFlushAt) Flush();
  }
  // Writes out the buffer; false on error (see status()).
  bool Flush();
  // Flushes and closes (stdout is flushed, not closed); the first error.
  Status Close();
  const Status& status() const { return status_; }

 private:
  ByteBuffer buf_;
  std::string path_;
  int fd_ = -1;
  bool own_fd_ = false;
  Status status_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_OUTPUT_FILE_H_
