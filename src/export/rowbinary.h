// rowbinary.h - export rows encoded as ClickHouse RowBinary, one batch per
// record kind: the encoding `export --format clickhouse` sends and `serve
// --ship` spools (clickhouse_writer.h, ship/shipper.h).
//
// RowBinary: little-endian numbers, LEB128-prefixed strings, a null flag
// before nullable values; text made valid UTF-8 as in every other format.
// The columns are clickhouse_schema.h's: each time column is followed by
// its microseconds and UTC offset, and each row ends with its row_key
// (XXH3-64 of the row's bytes; the n-th row with the same bytes within two
// minutes of log time gets n mixed in, so identical records stay distinct
// and the same log always gives the same keys).
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_ROWBINARY_H_
#define MAILLENS_EXPORT_ROWBINARY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "export/byte_buffer.h"
#include "export/row_writer.h"

namespace maillens::exporter {

class RowBinaryRows : public RowWriter {
 public:
  // `batch_bytes`: OnBatchFull() is called when a kind's batch reaches it.
  explicit RowBinaryRows(size_t batch_bytes = 16 << 20);

  void Want(RecordKind kind) { wanted_[static_cast<size_t>(kind)] = true; }
  bool Wants(RecordKind kind) const override { return wanted_[static_cast<size_t>(kind)]; }
  void BeginRow(RecordKind kind) override;
  void Null() override;
  void Text(std::string_view v) override;
  void Int(int64_t v) override;
  void Real(std::string_view text, double value) override;
  void Bool(bool v) override;
  void Time(const Timestamp& t) override;
  void EndRow() override;
  Status Finish() override { return Status::OK(); }

  // The rows buffered for `kind` and their count; ClearBatch() empties it.
  ByteBuffer& batch(RecordKind kind) { return batch_[static_cast<size_t>(kind)]; }
  std::string_view buffered(RecordKind kind) const { return batch_[static_cast<size_t>(kind)].view(); }
  uint64_t batch_rows(RecordKind kind) const { return batch_rows_[static_cast<size_t>(kind)]; }
  void ClearBatch(RecordKind kind) {
    batch_[static_cast<size_t>(kind)].clear();
    batch_rows_[static_cast<size_t>(kind)] = 0;
  }
  size_t batch_bytes() const { return batch_bytes_; }

 protected:
  // Called after a row that made `kind`'s batch reach batch_bytes.
  virtual void OnBatchFull(RecordKind kind) { (void)kind; }

 private:
  // The next column's schema entry; writes its null flag when nullable.
  const Column& Next(bool null);

  size_t batch_bytes_;
  bool wanted_[4] = {false, false, false, false};
  ByteBuffer batch_[4];
  uint64_t batch_rows_[4] = {0, 0, 0, 0};
  RecordKind cur_ = RecordKind::kMessages;
  const Column* cols_ = nullptr;  // the current kind's schema columns
  size_t ncols_ = 0, col_ = 0;
  size_t row_start_ = 0;  // where the current row starts in its batch
  std::string utf8_;      // scratch: text made valid UTF-8
  struct Seen {
    uint32_t copies = 0;
    int64_t time = 0;
  };
  absl::flat_hash_map<uint64_t, Seen> seen_;  // row hash -> copies so far
  int64_t row_time_ = -1;  // the current row's first time value, seconds
  int64_t newest_ = 0, last_prune_ = 0;
};

// Compresses `in` into *out as one gzip member (ISA-L, level 1); false on
// failure.
bool GzipBytes(std::string_view in, std::string* out);

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_ROWBINARY_H_
