// row_writer.h - where export records go: a row at a time, a value at a time.
//
// Record builders (records.h) call BeginRow(kind), then one value call per
// column of SchemaFor(kind), in the schema's order, then EndRow(). A writer
// (CSV, JSON lines, SQLite, ClickHouse) formats the values as they come; text
// values are views into the current log line and are not kept after the call
// that takes them.
//
// Errors (a full disk, a closed pipe, a database refusing a row) are sticky:
// the first one is kept, later rows are dropped, and Finish() returns it.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_ROW_WRITER_H_
#define MAILLENS_EXPORT_ROW_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "export/schema.h"
#include "syslog/header.h"
#include "util/status.h"

namespace maillens::exporter {

// An instant as the log wrote it: seconds since the epoch, the UTC offset of
// the wall-clock time in the log (local time, or the RFC 3339 offset), and
// microseconds when the log had a fraction.
struct Timestamp {
  int64_t epoch = 0;
  int32_t offset = 0;  // seconds east of UTC
  int32_t usec = 0;
};

// The instant of a log line: the header's wall clock minus its epoch gives
// the offset the line was written with.
inline Timestamp TimestampOf(const SyslogHeader& h) {
  int64_t wall = h.date * 86400 + h.hour * 3600 + h.minute * 60 + h.second;
  return Timestamp{h.epoch, static_cast<int32_t>(wall - h.epoch), h.usec};
}

// Writes `t` as ISO 8601 with its offset, "2026-11-22T10:04:05+01:00", with
// ".uuuuuu" after the seconds when usec is not zero, at dst (room for
// kIsoTimeMax bytes); returns the end. AppendIsoTime appends it to *out.
inline constexpr size_t kIsoTimeMax = 32;
char* WriteIsoTime(char* dst, const Timestamp& t);
void AppendIsoTime(std::string* out, const Timestamp& t);

class RowWriter {
 public:
  virtual ~RowWriter() = default;

  // Whether rows of `kind` are wanted; builders of unwanted kinds are not run.
  virtual bool Wants(RecordKind kind) const = 0;
  // Starts a row. REQUIRES: Wants(kind); the previous row ended.
  virtual void BeginRow(RecordKind kind) = 0;
  // One value each, in column order. REQUIRES: the type matches the column's.
  virtual void Null() = 0;
  virtual void Text(std::string_view v) = 0;
  virtual void Int(int64_t v) = 0;
  // A decimal number: `text` as written in the log when it is a plain
  // decimal (digits, optional fraction), else empty; `value` is its value.
  virtual void Real(std::string_view text, double value) = 0;
  virtual void Bool(bool v) = 0;
  virtual void Time(const Timestamp& t) = 0;
  virtual void EndRow() = 0;
  // Flushes, completes the output (commit, last batch, ...) and returns the
  // first error met, or OK. Call once, after the last row.
  virtual Status Finish() = 0;

  // Rows written so far, by kind.
  uint64_t rows(RecordKind kind) const { return rows_[static_cast<size_t>(kind)]; }

  // Shorthands for optional values.
  void TextOrNull(bool present, std::string_view v) { present ? Text(v) : Null(); }
  void IntOrNull(bool present, int64_t v) { present ? Int(v) : Null(); }

 protected:
  void CountRow(RecordKind kind) { ++rows_[static_cast<size_t>(kind)]; }

 private:
  uint64_t rows_[4] = {0, 0, 0, 0};
};

// True if `s` is a plain decimal: digits, then optionally '.' and digits.
bool IsPlainDecimal(std::string_view s);

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_ROW_WRITER_H_
