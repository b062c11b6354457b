// rowbinary.cc - RowBinaryRows and GzipBytes (rowbinary.h).
#include "export/rowbinary.h"

#include <isa-l/igzip_lib.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include "util/text_escape.h"

namespace maillens::exporter {

namespace {

// Little-endian fixed-width and LEB128 values of RowBinary.
template <typename T>
void PutFixed(ByteBuffer* out, T v) {
  static_assert(std::endian::native == std::endian::little);
  char* p = out->Reserve(sizeof v);
  std::memcpy(p, &v, sizeof v);
  out->Commit(p + sizeof v);
}

void PutString(ByteBuffer* out, std::string_view v) {
  char* p = out->Reserve(10 + v.size());
  uint64_t n = v.size();
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    *p++ = static_cast<char>(n ? b | 0x80 : b);
  } while (n);
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  out->Commit(p + v.size());
}

// Compresses `in` into *out as one gzip member (ISA-L, level 1).
}  // namespace

bool GzipBytes(std::string_view in, std::string* out) {
  isal_zstream z;
  isal_deflate_init(&z);
  auto level_buf = std::make_unique<uint8_t[]>(ISAL_DEF_LVL1_DEFAULT);
  z.level = 1;
  z.level_buf = level_buf.get();
  z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  z.gzip_flag = IGZIP_GZIP;
  z.end_of_stream = 1;
  z.flush = NO_FLUSH;
  z.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uint32_t>(in.size());
  out->resize(in.size() + in.size() / 8 + 4096);
  size_t done = 0;
  while (true) {
    z.next_out = reinterpret_cast<uint8_t*>(out->data()) + done;
    z.avail_out = static_cast<uint32_t>(out->size() - done);
    if (isal_deflate(&z) != COMP_OK) return false;
    done = out->size() - z.avail_out;
    if (z.internal_state.state == ZSTATE_END) break;
    out->resize(out->size() * 2);
  }
  out->resize(done);
  return true;
}


RowBinaryRows::RowBinaryRows(size_t batch_bytes) : batch_bytes_(batch_bytes) {
  for (ByteBuffer& b : batch_) b = ByteBuffer(batch_bytes + (1 << 20));  // a batch and the row crossing it
}

void RowBinaryRows::BeginRow(RecordKind kind) {
  cur_ = kind;
  const Schema& s = SchemaFor(kind);
  cols_ = s.columns.data();
  ncols_ = s.columns.size();
  col_ = 0;
  row_time_ = -1;
  row_start_ = batch_[static_cast<size_t>(kind)].size();
}

const Column& RowBinaryRows::Next(bool null) {
  const Column& c = cols_[col_ < ncols_ ? col_ : ncols_ - 1];
  ++col_;
  if (c.nullable) PutFixed<uint8_t>(&batch_[static_cast<size_t>(cur_)], null ? 1 : 0);
  return c;
}

void RowBinaryRows::Null() {
  const Column& c = Next(true);
  if (c.type == ColumnType::kTime) {  // NAME_us and NAME_offset are not nullable
    PutFixed<uint32_t>(&batch_[static_cast<size_t>(cur_)], 0);
    PutFixed<int32_t>(&batch_[static_cast<size_t>(cur_)], 0);
  }
}

void RowBinaryRows::Text(std::string_view v) {
  Next(false);
  if (!IsAscii(v)) {
    utf8_.clear();
    AppendValidUtf8(&utf8_, v);
    v = utf8_;
  }
  PutString(&batch_[static_cast<size_t>(cur_)], v);
}

void RowBinaryRows::Int(int64_t v) {
  Next(false);
  PutFixed<int64_t>(&batch_[static_cast<size_t>(cur_)], v);
}

void RowBinaryRows::Real(std::string_view, double value) {
  Next(false);
  PutFixed<double>(&batch_[static_cast<size_t>(cur_)], value);
}

void RowBinaryRows::Bool(bool v) {
  Next(false);
  PutFixed<uint8_t>(&batch_[static_cast<size_t>(cur_)], v ? 1 : 0);
}

void RowBinaryRows::Time(const Timestamp& t) {
  Next(false);
  ByteBuffer* out = &batch_[static_cast<size_t>(cur_)];
  // DateTime is UInt32 seconds: instants outside 1970..2106 are clamped.
  int64_t e = t.epoch < 0 ? 0 : (t.epoch > 0xffffffffLL ? 0xffffffffLL : t.epoch);
  if (row_time_ < 0) row_time_ = e;
  PutFixed<uint32_t>(out, static_cast<uint32_t>(e));
  PutFixed<uint32_t>(out, static_cast<uint32_t>(t.usec < 0 ? 0 : t.usec));
  PutFixed<int32_t>(out, t.offset);
}

void RowBinaryRows::EndRow() {
  size_t k = static_cast<size_t>(cur_);
  ByteBuffer& b = batch_[k];
  uint64_t key = XXH3_64bits_withSeed(b.data() + row_start_, b.size() - row_start_, k);
  int64_t t = row_time_ < 0 ? 0 : row_time_;
  Seen& seen = seen_[key];
  if (seen.copies > 0) {
    uint64_t mixed[2] = {key, seen.copies};
    key = XXH3_64bits(mixed, sizeof mixed);
  }
  ++seen.copies;
  seen.time = std::max(seen.time, t);
  if (t > newest_) newest_ = t;
  if (newest_ - last_prune_ >= 60) {  // forget rows more than two minutes older than the newest
    last_prune_ = newest_;
    absl::erase_if(seen_, [this](const auto& e) { return e.second.time < newest_ - 120; });
  }
  PutFixed<uint64_t>(&b, key);
  ++batch_rows_[k];
  if (b.size() >= batch_bytes_) OnBatchFull(cur_);
}

}  // namespace maillens::exporter
