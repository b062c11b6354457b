// byte_source.cc - file/stdin/memory inputs and the four decompressors.
//
// Layout: a RawInput reads compressed bytes (fd or memory) through one
// reusable buffer; each Decoder pulls from it. Sniffing peeks at the first
// bytes of that buffer, so nothing is read twice and stdin works.
#include "io/byte_source.h"

#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace maillens {

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "plain";
    case Compression::kGzip: return "gzip";
    case Compression::kBzip2: return "bzip2";
    case Compression::kXz: return "xz";
    case Compression::kZstd: return "zstd";
  }
  return "?";
}

Compression SniffCompression(const unsigned char* p, size_t n) {
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return Compression::kGzip;
  if (n >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h') return Compression::kBzip2;
  if (n >= 6 && std::memcmp(p, "\xFD" "7zXZ\0", 6) == 0) return Compression::kXz;
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD) return Compression::kZstd;
  return Compression::kNone;
}

namespace {

constexpr size_t kRawBufferSize = 1 << 18;  // 256 KiB of compressed input at a time

// RawInput: compressed bytes from an fd or memory, through one buffer.
// Invariant: buf_[pos_, end_) holds bytes read but not yet consumed.
class RawInput {
 public:
  RawInput(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd), buf_(kRawBufferSize) {}
  RawInput(const void* data, size_t size)
      : mem_(static_cast<const unsigned char*>(data)), mem_size_(size) {}
  ~RawInput() {
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
  }

  // Makes at least `want` bytes available if the input has them; returns the
  // count available. Used for sniffing.
  size_t Peek(size_t want) {
    while (end_ - pos_ < want && !eof_) Refill();
    return end_ - pos_;
  }
  const unsigned char* data() const { return mem_ ? mem_ + pos_ : buf_.data() + pos_; }
  size_t available() const { return end_ - pos_; }
  void Consume(size_t n) { pos_ += n; consumed_ += n; }
  // Reads more input; false at end of input or on error (error() says which).
  bool Refill() {
    if (eof_) return false;
    if (mem_) {  // memory: everything is available at once
      end_ = mem_size_;
      eof_ = true;
      return end_ > pos_;
    }
    if (pos_ > 0) {  // roll the unconsumed tail to the front
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == buf_.size()) return true;
    for (;;) {
      ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      if (n > 0) {
        end_ += static_cast<size_t>(n);
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) error_ = errno;
      eof_ = true;
      return false;
    }
  }
  // Reads up to `cap` bytes into `out`: buffered bytes first, else straight
  // from the fd (no copy through buf_). Returns 0 at end of input or error.
  size_t ReadInto(char* out, size_t cap) {
    if (available() == 0 && fd_ >= 0 && !eof_) {
      for (;;) {
        ssize_t n = ::read(fd_, out, cap);
        if (n > 0) {
          consumed_ += static_cast<size_t>(n);
          return static_cast<size_t>(n);
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) error_ = errno;
        eof_ = true;
        return 0;
      }
    }
    if (available() == 0 && !Refill()) return 0;
    size_t n = std::min(cap, available());
    std::memcpy(out, data(), n);
    Consume(n);
    return n;
  }
  bool eof() const { return eof_ && pos_ == end_; }
  int error() const { return error_; }
  uint64_t consumed() const { return consumed_; }

 private:
  int fd_ = -1;
  bool owns_fd_ = false;
  const unsigned char* mem_ = nullptr;
  size_t mem_size_ = 0;
  std::vector<unsigned char> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  int error_ = 0;
  uint64_t consumed_ = 0;
};

// Common base: owns the raw input and reports once.
class DecoderBase : public ByteSource {
 protected:
  DecoderBase(std::string name, Compression c, std::unique_ptr<RawInput> raw, Reporter* r)
      : ByteSource(std::move(name), c), raw_(std::move(raw)), reporter_(r) {}
  // Reports a problem that ends this source.
  void Fail(std::string_view what) {
    if (failed_) return;
    failed_ = true;
    reporter_->Report(Reporter::Severity::kPartial, name(), static_cast<int64_t>(position_), what);
  }
  // Reports a read error of the raw input, if any.
  void CheckReadError() {
    if (raw_->error() != 0) Fail(std::string("read error: ") + std::strerror(raw_->error()));
  }
  std::unique_ptr<RawInput> raw_;
  Reporter* reporter_;
  bool failed_ = false;
};

class PlainSource : public DecoderBase {
 public:
  PlainSource(std::string name, std::unique_ptr<RawInput> raw, Reporter* r)
      : DecoderBase(std::move(name), Compression::kNone, std::move(raw), r) {}
  size_t Read(char* buf, size_t cap) override {
    size_t n = raw_->ReadInto(buf, cap);
    if (n == 0) CheckReadError();
    position_ += n;
    return n;
  }
};

// gzip through ISA-L; handles concatenated members (gzip a; gzip b; cat).
class GzipSource : public DecoderBase {
 public:
  GzipSource(std::string name, std::unique_ptr<RawInput> raw, Reporter* r)
      : DecoderBase(std::move(name), Compression::kGzip, std::move(raw), r) {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }
  size_t Read(char* buf, size_t cap) override {
    if (failed_ || done_) return 0;
    for (;;) {
      if (state_.block_state == ISAL_BLOCK_FINISH) {
        // End of one member: another may follow.
        if (raw_->available() == 0 && !raw_->Refill()) {
          done_ = true;
          CheckReadError();
          return 0;
        }
        isal_inflate_reset(&state_);
        state_.crc_flag = ISAL_GZIP;
      }
      if (raw_->available() == 0 && !raw_->eof()) raw_->Refill();
      state_.next_in = const_cast<uint8_t*>(raw_->data());
      state_.avail_in = static_cast<uint32_t>(raw_->available());
      uint32_t before_in = state_.avail_in;
      state_.next_out = reinterpret_cast<uint8_t*>(buf);
      state_.avail_out = static_cast<uint32_t>(cap);
      int rc = isal_inflate(&state_);
      raw_->Consume(before_in - state_.avail_in);
      size_t produced = cap - state_.avail_out;
      position_ += produced;
      if (rc < 0) {
        Fail(rc == ISAL_INCORRECT_CHECKSUM ? "gzip checksum mismatch (corrupt archive)"
                                           : "corrupt gzip data");
        return produced;
      }
      if (produced > 0) return produced;
      if (state_.block_state != ISAL_BLOCK_FINISH && raw_->available() == 0 && raw_->eof()) {
        CheckReadError();
        Fail("truncated gzip archive (unexpected end of input)");
        return 0;
      }
    }
  }

 private:
  inflate_state state_;
  bool done_ = false;
};

// bzip2 through libbz2; handles concatenated streams (pbzip2 output).
class Bzip2Source : public DecoderBase {
 public:
  Bzip2Source(std::string name, std::unique_ptr<RawInput> raw, Reporter* r)
      : DecoderBase(std::move(name), Compression::kBzip2, std::move(raw), r) {
    std::memset(&strm_, 0, sizeof strm_);
    BZ2_bzDecompressInit(&strm_, 0, 0);
  }
  ~Bzip2Source() override { BZ2_bzDecompressEnd(&strm_); }
  size_t Read(char* buf, size_t cap) override {
    if (failed_ || done_) return 0;
    for (;;) {
      if (raw_->available() == 0 && !raw_->eof()) raw_->Refill();
      strm_.next_in = reinterpret_cast<char*>(const_cast<unsigned char*>(raw_->data()));
      strm_.avail_in = static_cast<unsigned>(raw_->available());
      unsigned before_in = strm_.avail_in;
      strm_.next_out = buf;
      strm_.avail_out = static_cast<unsigned>(cap);
      int rc = BZ2_bzDecompress(&strm_);
      raw_->Consume(before_in - strm_.avail_in);
      size_t produced = cap - strm_.avail_out;
      position_ += produced;
      if (rc == BZ_STREAM_END) {
        BZ2_bzDecompressEnd(&strm_);
        std::memset(&strm_, 0, sizeof strm_);
        BZ2_bzDecompressInit(&strm_, 0, 0);
        if (raw_->available() == 0 && !raw_->Refill()) done_ = true;
        if (produced > 0 || done_) return produced;
        continue;
      }
      if (rc != BZ_OK) {
        Fail("corrupt bzip2 data");
        return produced;
      }
      if (produced > 0) return produced;
      if (raw_->available() == 0 && raw_->eof()) {
        CheckReadError();
        Fail("truncated bzip2 archive (unexpected end of input)");
        return 0;
      }
    }
  }

 private:
  bz_stream strm_;
  bool done_ = false;
};

// xz through liblzma; LZMA_CONCATENATED handles several streams.
class XzSource : public DecoderBase {
 public:
  XzSource(std::string name, std::unique_ptr<RawInput> raw, Reporter* r)
      : DecoderBase(std::move(name), Compression::kXz, std::move(raw), r) {
    if (lzma_stream_decoder(&strm_, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) Fail("xz decoder init failed");
  }
  ~XzSource() override { lzma_end(&strm_); }
  size_t Read(char* buf, size_t cap) override {
    if (failed_ || done_) return 0;
    for (;;) {
      if (raw_->available() == 0 && !raw_->eof()) raw_->Refill();
      strm_.next_in = raw_->data();
      strm_.avail_in = raw_->available();
      size_t before_in = strm_.avail_in;
      strm_.next_out = reinterpret_cast<uint8_t*>(buf);
      strm_.avail_out = cap;
      lzma_action action = (raw_->available() == 0 && raw_->eof()) ? LZMA_FINISH : LZMA_RUN;
      lzma_ret rc = lzma_code(&strm_, action);
      raw_->Consume(before_in - strm_.avail_in);
      size_t produced = cap - strm_.avail_out;
      position_ += produced;
      if (rc == LZMA_STREAM_END) {
        done_ = true;
        return produced;
      }
      if (rc != LZMA_OK) {
        CheckReadError();
        Fail(rc == LZMA_BUF_ERROR ? "truncated xz archive (unexpected end of input)" : "corrupt xz data");
        return produced;
      }
      if (produced > 0) return produced;
    }
  }

 private:
  lzma_stream strm_ = LZMA_STREAM_INIT;
  bool done_ = false;
};

// zstd through libzstd; ZSTD_decompressStream runs across frames.
class ZstdSource : public DecoderBase {
 public:
  ZstdSource(std::string name, std::unique_ptr<RawInput> raw, Reporter* r)
      : DecoderBase(std::move(name), Compression::kZstd, std::move(raw), r), ctx_(ZSTD_createDCtx()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(ctx_); }
  size_t Read(char* buf, size_t cap) override {
    if (failed_ || done_) return 0;
    for (;;) {
      if (raw_->available() == 0 && !raw_->eof()) raw_->Refill();
      if (raw_->available() == 0 && raw_->eof()) {
        done_ = true;
        CheckReadError();
        if (pending_ != 0) Fail("truncated zstd archive (unexpected end of input)");
        return 0;
      }
      ZSTD_inBuffer in{raw_->data(), raw_->available(), 0};
      ZSTD_outBuffer out{buf, cap, 0};
      size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
      raw_->Consume(in.pos);
      position_ += out.pos;
      if (ZSTD_isError(rc)) {
        Fail(std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc));
        return out.pos;
      }
      pending_ = rc;
      if (out.pos > 0) return out.pos;
    }
  }

 private:
  ZSTD_DCtx* ctx_;
  size_t pending_ = 0;  // 0 when the last frame was complete
  bool done_ = false;
};

std::unique_ptr<ByteSource> MakeDecoder(std::string name, std::unique_ptr<RawInput> raw, Reporter* r) {
  size_t n = raw->Peek(6);
  Compression c = SniffCompression(raw->data(), n);
  switch (c) {
    case Compression::kGzip: return std::make_unique<GzipSource>(std::move(name), std::move(raw), r);
    case Compression::kBzip2: return std::make_unique<Bzip2Source>(std::move(name), std::move(raw), r);
    case Compression::kXz: return std::make_unique<XzSource>(std::move(name), std::move(raw), r);
    case Compression::kZstd: return std::make_unique<ZstdSource>(std::move(name), std::move(raw), r);
    case Compression::kNone: break;
  }
  return std::make_unique<PlainSource>(std::move(name), std::move(raw), r);
}

}  // namespace

Status OpenByteSource(const std::string& path, Reporter* reporter, std::unique_ptr<ByteSource>* out) {
  out->reset();
  if (path == "-") {
    *out = MakeDecoder("-", std::make_unique<RawInput>(0, false), reporter);
    return Status::OK();
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::IOError(path + ": is a directory");
  }
#ifdef POSIX_FADV_SEQUENTIAL
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  *out = MakeDecoder(path, std::make_unique<RawInput>(fd, true), reporter);
  return Status::OK();
}

namespace {

// ReadAheadSource: a thread fills fixed buffers from the inner source; Read()
// hands them out in order. Buffers cycle between two queues.
class ReadAheadSource : public ByteSource {
 public:
  explicit ReadAheadSource(std::unique_ptr<ByteSource> inner)
      : ByteSource(inner->name(), inner->compression()), inner_(std::move(inner)) {
    for (auto& b : buffers_) {
      b.data.reset(new char[kBufferSize]);
      free_.push_back(&b);
    }
    thread_ = std::thread([this] { Fill(); });
  }
  ~ReadAheadSource() override {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }
  size_t Read(char* buf, size_t cap) override {
    while (current_ == nullptr || current_pos_ == current_->size) {
      std::unique_lock<std::mutex> l(mu_);
      if (current_ != nullptr) {  // give the drained buffer back
        free_.push_back(current_);
        current_ = nullptr;
        cv_.notify_all();
      }
      cv_.wait(l, [&] { return !full_.empty(); });
      current_ = full_.front();
      full_.pop_front();
      current_pos_ = 0;
      if (current_->size == 0) {  // end of input marker
        full_.push_front(current_);
        current_ = nullptr;
        return 0;
      }
    }
    size_t n = std::min(cap, current_->size - current_pos_);
    std::memcpy(buf, current_->data.get() + current_pos_, n);
    current_pos_ += n;
    position_ += n;
    return n;
  }

 private:
  static constexpr size_t kBufferSize = 1 << 20;
  struct Buffer {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };
  // The read-ahead thread.
  void Fill() {
    for (;;) {
      Buffer* b;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [&] { return stop_ || !free_.empty(); });
        if (stop_) return;
        b = free_.front();
        free_.pop_front();
      }
      b->size = 0;
      while (b->size < kBufferSize) {  // fill it: decoders return small pieces
        size_t n = inner_->Read(b->data.get() + b->size, kBufferSize - b->size);
        if (n == 0) break;
        b->size += n;
      }
      bool end = b->size == 0;
      std::lock_guard<std::mutex> l(mu_);
      full_.push_back(b);
      cv_.notify_all();
      if (end) return;
    }
  }

  std::unique_ptr<ByteSource> inner_;
  Buffer buffers_[3];
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Buffer*> free_, full_;  // guarded by mu_
  bool stop_ = false;                // guarded by mu_
  Buffer* current_ = nullptr;        // the reader's, outside the queues
  size_t current_pos_ = 0;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<ByteSource> ReadAhead(std::unique_ptr<ByteSource> inner) {
  return std::make_unique<ReadAheadSource>(std::move(inner));
}

std::unique_ptr<ByteSource> MemoryByteSource(std::string name, const void* data, size_t size,
                                             Reporter* reporter) {
  return MakeDecoder(std::move(name), std::make_unique<RawInput>(data, size), reporter);
}

}  // namespace maillens
