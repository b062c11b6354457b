// text_writers.cc - CsvWriter (JsonlWriter is all inline).
#include "export/text_writers.h"

#include "util/text_escape.h"

namespace maillens::exporter {

CsvWriter::CsvWriter(RecordKind kind, OutputFile* out) : kind_(kind), out_(out) {
  ByteBuffer& b = out_->buffer();
  bool first = true;
  for (const Column& c : SchemaFor(kind).columns) {
    if (!first) b.Push(',');
    first = false;
    b.Append(c.name);
  }
  b.Append("\r\n");
}

void CsvWriter::BeginRow(RecordKind kind) { column_ = 0; }

void CsvWriter::Text(std::string_view v) {
  Separator();
  if (!IsAscii(v)) {
    utf8_.clear();
    AppendValidUtf8(&utf8_, v);
    v = utf8_;
  }
  cell_.clear();
  AppendCsvCell(&cell_, v);
  out_->buffer().Append(cell_);
}

void CsvWriter::Int(int64_t v) {
  Separator();
  AppendInt(&out_->buffer(), v);
}

void CsvWriter::Real(std::string_view text, double value) {
  Separator();
  if (!text.empty()) {
    out_->buffer().Append(text);
  } else {
    AppendDouble(&out_->buffer(), value, "");
  }
}

void CsvWriter::Bool(bool v) {
  Separator();
  out_->buffer().Push(v ? '1' : '0');
}

void CsvWriter::Time(const Timestamp& t) {
  Separator();
  ByteBuffer& b = out_->buffer();
  b.Commit(WriteIsoTime(b.Reserve(kIsoTimeMax), t));
}

void CsvWriter::EndRow() {
  out_->buffer().Append("\r\n");
  CountRow(kind_);
  out_->MaybeFlush();
}

Status CsvWriter::Finish() { return out_->Close(); }

}  // namespace maillens::exporter
