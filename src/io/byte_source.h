// byte_source.h - decompressed bytes from one input (a file or stdin).
//
// OpenByteSource() opens a path ("-" for standard input), sniffs the first
// bytes for a compression magic number (gzip, bzip2, xz, zstd; never the file
// name) and returns a ByteSource that yields the decompressed stream. gzip is
// decoded with ISA-L's igzip, multi-member files included.
//
// Errors in the middle of a stream (truncated archive, corrupt block, read
// error) are told to the Reporter with the byte offset reached, and the source
// then ends: what was decoded before the error is kept.
// Thread safety: a ByteSource is used by one thread at a time.
#ifndef MAILLENS_IO_BYTE_SOURCE_H_
#define MAILLENS_IO_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/reporter.h"
#include "util/status.h"

namespace maillens {

enum class Compression { kNone, kGzip, kBzip2, kXz, kZstd };
const char* CompressionName(Compression c);

// Sniffs a compression format from the first bytes of a stream.
Compression SniffCompression(const unsigned char* p, size_t n);

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `cap` decompressed bytes into `buf` and returns how many were
  // read; 0 means the end of the input (or an error already reported).
  virtual size_t Read(char* buf, size_t cap) = 0;
  // Decompressed bytes handed out so far.
  uint64_t position() const { return position_; }
  const std::string& name() const { return name_; }
  Compression compression() const { return compression_; }

 protected:
  ByteSource(std::string name, Compression c) : name_(std::move(name)), compression_(c) {}
  uint64_t position_ = 0;

 private:
  std::string name_;
  Compression compression_;
};

// Opens `path` ("-" is standard input). On failure (missing, unreadable, a
// directory) returns NotFound/IOError and leaves *out empty. `reporter` must
// outlive the source; it receives mid-stream problems.
Status OpenByteSource(const std::string& path, Reporter* reporter, std::unique_ptr<ByteSource>* out);

// Wraps an in-memory buffer (which must outlive the source), sniffing
// compression as for files. For tests and fuzzing.
std::unique_ptr<ByteSource> MemoryByteSource(std::string name, const void* data, size_t size,
                                             Reporter* reporter);

// Wraps `inner` so that it is read ahead in a thread of its own, a few
// buffers in advance: decompression then overlaps with the caller's parsing.
// The wrapper has the inner source's name and compression. Problems are still
// reported by the inner source, from that thread: the Reporter must be
// thread-safe while the wrapper is alive.
std::unique_ptr<ByteSource> ReadAhead(std::unique_ptr<ByteSource> inner);

}  // namespace maillens

#endif  // MAILLENS_IO_BYTE_SOURCE_H_
