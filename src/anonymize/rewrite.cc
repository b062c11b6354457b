// rewrite.cc - file-to-file pseudonymisation and the compressors it writes (see rewrite.h).
#include "anonymize/rewrite.h"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <thread>
#include <vector>

#include "lines/line_reader.h"

namespace maillens::anonymize {

namespace {

class FileOut {
 public:
  FileOut(FILE* f, bool own) : f_(f), own_(own) {}
  Status Put(const void* p, size_t n) {
    if (n != 0 && std::fwrite(p, 1, n, f_) != n) return Status::IOError("write failed");
    return Status::OK();
  }
  Status Finish() {
    int rc = std::fflush(f_);
    if (own_) rc |= std::fclose(f_);
    f_ = nullptr;
    return rc == 0 ? Status::OK() : Status::IOError("write failed");
  }

 private:
  FILE* f_;
  bool own_;
};

class PlainWriter : public CompressedWriter {
 public:
  PlainWriter(FILE* f, bool own) : out_(f, own) {}
  Status Write(std::string_view b) override { return out_.Put(b.data(), b.size()); }
  Status Close() override { return out_.Finish(); }

 private:
  FileOut out_;
};

class GzipWriter : public CompressedWriter {
 public:
  GzipWriter(FILE* f, bool own) : out_(f, own), buf_(1 << 16) {
    zs_ = {};
    deflateInit2(&zs_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  }
  ~GzipWriter() override { deflateEnd(&zs_); }
  Status Write(std::string_view b) override { return Run(b, Z_NO_FLUSH); }
  Status Close() override {
    Status s = Run({}, Z_FINISH);
    Status f = out_.Finish();
    return s.ok() ? f : s;
  }

 private:
  Status Run(std::string_view b, int flush) {
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data()));
    zs_.avail_in = static_cast<uInt>(b.size());
    int rc;
    do {
      zs_.next_out = buf_.data();
      zs_.avail_out = static_cast<uInt>(buf_.size());
      rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return Status::IOError("gzip failed");
      Status s = out_.Put(buf_.data(), buf_.size() - zs_.avail_out);
      if (!s.ok()) return s;
    } while (zs_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return Status::OK();
  }
  FileOut out_;
  z_stream zs_;
  std::vector<Bytef> buf_;
};

class Bzip2Writer : public CompressedWriter {
 public:
  Bzip2Writer(FILE* f, bool own) : out_(f, own), buf_(1 << 16) {
    bz_ = {};
    BZ2_bzCompressInit(&bz_, 9, 0, 0);
  }
  ~Bzip2Writer() override { BZ2_bzCompressEnd(&bz_); }
  Status Write(std::string_view b) override { return Run(b, BZ_RUN); }
  Status Close() override {
    Status s = Run({}, BZ_FINISH);
    Status f = out_.Finish();
    return s.ok() ? f : s;
  }

 private:
  Status Run(std::string_view b, int action) {
    bz_.next_in = const_cast<char*>(b.data());
    bz_.avail_in = static_cast<unsigned>(b.size());
    int rc;
    do {
      bz_.next_out = buf_.data();
      bz_.avail_out = static_cast<unsigned>(buf_.size());
      rc = BZ2_bzCompress(&bz_, action);
      if (rc < 0) return Status::IOError("bzip2 failed");
      Status s = out_.Put(buf_.data(), buf_.size() - bz_.avail_out);
      if (!s.ok()) return s;
    } while (action == BZ_FINISH ? rc != BZ_STREAM_END : bz_.avail_in > 0);
    return Status::OK();
  }
  FileOut out_;
  bz_stream bz_;
  std::vector<char> buf_;
};

class XzWriter : public CompressedWriter {
 public:
  XzWriter(FILE* f, bool own) : out_(f, own), buf_(1 << 16) { lzma_easy_encoder(&ls_, 6, LZMA_CHECK_CRC64); }
  ~XzWriter() override { lzma_end(&ls_); }
  Status Write(std::string_view b) override { return Run(b, LZMA_RUN); }
  Status Close() override {
    Status s = Run({}, LZMA_FINISH);
    Status f = out_.Finish();
    return s.ok() ? f : s;
  }

 private:
  Status Run(std::string_view b, lzma_action action) {
    ls_.next_in = reinterpret_cast<const uint8_t*>(b.data());
    ls_.avail_in = b.size();
    lzma_ret rc;
    do {
      ls_.next_out = buf_.data();
      ls_.avail_out = buf_.size();
      rc = lzma_code(&ls_, action);
      if (rc != LZMA_OK && rc != LZMA_STREAM_END) return Status::IOError("xz failed");
      Status s = out_.Put(buf_.data(), buf_.size() - ls_.avail_out);
      if (!s.ok()) return s;
    } while (action == LZMA_FINISH ? rc != LZMA_STREAM_END : ls_.avail_in > 0);
    return Status::OK();
  }
  FileOut out_;
  lzma_stream ls_ = LZMA_STREAM_INIT;
  std::vector<uint8_t> buf_;
};

class ZstdWriter : public CompressedWriter {
 public:
  ZstdWriter(FILE* f, bool own) : out_(f, own), cctx_(ZSTD_createCCtx()), buf_(ZSTD_CStreamOutSize()) {}
  ~ZstdWriter() override { ZSTD_freeCCtx(cctx_); }
  Status Write(std::string_view b) override { return Run(b, ZSTD_e_continue); }
  Status Close() override {
    Status s = Run({}, ZSTD_e_end);
    Status f = out_.Finish();
    return s.ok() ? f : s;
  }

 private:
  Status Run(std::string_view b, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{b.data(), b.size(), 0};
    size_t remaining;
    do {
      ZSTD_outBuffer out{buf_.data(), buf_.size(), 0};
      remaining = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(remaining)) return Status::IOError("zstd failed");
      Status s = out_.Put(buf_.data(), out.pos);
      if (!s.ok()) return s;
    } while (mode == ZSTD_e_end ? remaining != 0 : in.pos < in.size);
    return Status::OK();
  }
  FileOut out_;
  ZSTD_CCtx* cctx_;
  std::vector<char> buf_;
};

}  // namespace

std::unique_ptr<CompressedWriter> NewCompressedWriter(FILE* f, bool own, Compression c) {
  switch (c) {
    case Compression::kGzip: return std::make_unique<GzipWriter>(f, own);
    case Compression::kBzip2: return std::make_unique<Bzip2Writer>(f, own);
    case Compression::kXz: return std::make_unique<XzWriter>(f, own);
    case Compression::kZstd: return std::make_unique<ZstdWriter>(f, own);
    case Compression::kNone: break;
  }
  return std::make_unique<PlainWriter>(f, own);
}

namespace {

// Rewrites the '\n'-separated lines of `in` into *out.
void RewriteBlock(Anonymizer* a, const std::string& in, std::string* out) {
  out->clear();
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    a->Line(std::string_view(in).substr(pos, nl - pos), out);
    out->push_back('\n');
    pos = nl + 1;
  }
}

}  // namespace

Status AnonymizeSource(ByteSource* source, Reporter* reporter, const std::vector<Anonymizer*>& workers,
                       CompressedWriter* out, RewriteStats* stats) {
  LineReader reader(source, reporter);
  std::string_view line;
  constexpr size_t kBlock = 2 << 20;
  const size_t nthreads = workers.size();
  if (nthreads <= 1) {
    std::string buf;
    buf.reserve(kBlock + 70000);
    while (reader.Next(&line)) {
      workers[0]->Line(line, &buf);
      buf.push_back('\n');
      ++stats->lines;
      if (buf.size() >= kBlock) {
        Status s = out->Write(buf);
        if (!s.ok()) return s;
        buf.clear();
      }
    }
    stats->bytes_in += source->position();
    return out->Write(buf);
  }
  // Block k goes to worker k % nthreads; at most nthreads blocks in flight,
  // written in order, so worker k % n is free again when block k + n comes.
  struct Slot {
    std::string in, out;
    std::thread thread;
  };
  std::vector<Slot> slots(nthreads);
  size_t next = 0, oldest = 0;
  Status status;
  auto finish_oldest = [&]() {
    Slot& s = slots[oldest % nthreads];
    s.thread.join();
    if (status.ok()) status = out->Write(s.out);
    ++oldest;
  };
  bool more = true;
  while (more) {
    Slot& slot = slots[next % nthreads];
    if (next - oldest == nthreads) finish_oldest();
    slot.in.clear();
    while (slot.in.size() < kBlock && (more = reader.Next(&line))) {
      slot.in.append(line);
      slot.in.push_back('\n');
      ++stats->lines;
    }
    if (slot.in.empty()) break;
    Anonymizer* a = workers[next % nthreads];
    slot.thread = std::thread([a, &slot] { RewriteBlock(a, slot.in, &slot.out); });
    ++next;
  }
  while (oldest < next) finish_oldest();
  stats->bytes_in += source->position();
  return status;
}

Status RewriteSourceExact(ByteSource* source, Anonymizer* anonymizer, CompressedWriter* out,
                          RewriteStats* stats) {
  constexpr size_t kBlock = 2 << 20;
  std::vector<char> chunk(1 << 20);
  std::string carry, buf;  // carry: a line the chunk ended inside
  buf.reserve(kBlock + (1 << 20));
  auto line = [&](std::string_view l, bool newline) {
    bool cr = !l.empty() && l.back() == '\r';
    if (cr) l.remove_suffix(1);
    size_t base = buf.size();
    anonymizer->Line(l, &buf);
    if (std::string_view(buf).substr(base) != l) ++stats->changed;
    if (cr) buf.push_back('\r');
    if (newline) buf.push_back('\n');
    ++stats->lines;
  };
  for (size_t n; (n = source->Read(chunk.data(), chunk.size())) > 0;) {
    std::string_view c(chunk.data(), n);
    for (size_t pos = 0; pos < c.size();) {
      size_t nl = c.find('\n', pos);
      if (nl == std::string_view::npos) {
        carry.append(c.substr(pos));
        break;
      }
      if (carry.empty()) {
        line(c.substr(pos, nl - pos), true);
      } else {
        carry.append(c.substr(pos, nl - pos));
        line(carry, true);
        carry.clear();
      }
      pos = nl + 1;
    }
    if (buf.size() >= kBlock) {
      if (out != nullptr) {
        Status s = out->Write(buf);
        if (!s.ok()) return s;
      }
      buf.clear();
    }
  }
  if (!carry.empty()) line(carry, false);
  stats->bytes_in += source->position();
  return out != nullptr ? out->Write(buf) : Status::OK();
}

}  // namespace maillens::anonymize
