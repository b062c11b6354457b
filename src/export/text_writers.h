// text_writers.h - CSV and JSON lines: one record kind into one file.
//
// CsvWriter: RFC 4180. A header line with the column names, then one line
// per record, CRLF-terminated as the RFC says; cells are quoted when they
// hold ',', '"', CR or LF, and a cell starting with = + - @, tab or CR gets a
// leading ' so that spreadsheets do not run it as a formula (CsvCell in
// util/text_escape.h). Text is UTF-8 (invalid bytes become U+FFFD). Null is
// an empty cell; booleans are 1/0; times ISO 8601 with offset.
// JsonlWriter: one JSON object per line (json_row.h), null for null.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_TEXT_WRITERS_H_
#define MAILLENS_EXPORT_TEXT_WRITERS_H_

#include <string>
#include <string_view>

#include "export/json_row.h"
#include "export/output_file.h"
#include "export/row_writer.h"

namespace maillens::exporter {

class CsvWriter : public RowWriter {
 public:
  // Writes rows of `kind` to `out` (not owned; opened by the caller).
  CsvWriter(RecordKind kind, OutputFile* out);

  bool Wants(RecordKind kind) const override { return kind == kind_; }
  void BeginRow(RecordKind kind) override;
  void Null() override { Separator(); }
  void Text(std::string_view v) override;
  void Int(int64_t v) override;
  void Real(std::string_view text, double value) override;
  void Bool(bool v) override;
  void Time(const Timestamp& t) override;
  void EndRow() override;
  Status Finish() override;

 private:
  void Separator() {
    if (column_++ > 0) out_->buffer().Push(',');
  }

  RecordKind kind_;
  OutputFile* out_;
  size_t column_ = 0;
  std::string utf8_;  // a non-UTF-8 cell made valid
  std::string cell_;  // the cell, quoted and neutralised
};

class JsonlWriter : public JsonRowWriter {
 public:
  JsonlWriter(RecordKind kind, OutputFile* out) : JsonRowWriter({}), kind_(kind), out_(out) {}

  bool Wants(RecordKind kind) const override { return kind == kind_; }
  void BeginRow(RecordKind kind) override { json_.Begin(kind, &out_->buffer()); }
  void EndRow() override {
    json_.End();
    CountRow(kind_);
    out_->MaybeFlush();
  }
  Status Finish() override { return out_->Close(); }

 private:
  RecordKind kind_;
  OutputFile* out_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_TEXT_WRITERS_H_
