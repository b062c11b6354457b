// row_anonymizer.cc - AnonymizingRowWriter (see row_anonymizer.h).
#include "anonymize/row_anonymizer.h"

namespace maillens::anonymize {

AnonymizingRowWriter::AnonymizingRowWriter(exporter::RowWriter* next, Anonymizer* anonymizer)
    : next_(next), anonymizer_(anonymizer) {
  static constexpr std::pair<std::string_view, Kind> kColumns[] = {
      {"from", Kind::kAddress},  {"to", Kind::kAddress},        {"orig_to", Kind::kAddress},
      {"sasl_user", Kind::kUser}, {"helo", Kind::kHost},         {"host", Kind::kSyslogHost},
      {"client_addr", Kind::kIp}, {"message_id", Kind::kMessageId}, {"client", Kind::kText},
      {"relay", Kind::kText},     {"reason", Kind::kText},
  };
  for (exporter::RecordKind k : exporter::kAllRecordKinds) {
    for (const exporter::Column& c : exporter::SchemaFor(k).columns) {
      Kind kind = Kind::kKeep;
      for (const auto& [name, cls] : kColumns)
        if (name == c.name) kind = cls;
      kinds_[static_cast<size_t>(k)].push_back(kind);
    }
  }
}

void AnonymizingRowWriter::BeginRow(exporter::RecordKind kind) {
  kind_ = kind;
  row_ = &kinds_[static_cast<size_t>(kind)];
  col_ = 0;
  next_->BeginRow(kind);
}

void AnonymizingRowWriter::Text(std::string_view v) {
  Kind kind = col_ < row_->size() ? (*row_)[col_] : Kind::kKeep;
  ++col_;
  if (kind == Kind::kKeep || v.empty()) {
    next_->Text(v);
    return;
  }
  buf_.clear();
  switch (kind) {
    case Kind::kAddress: anonymizer_->Address(v, &buf_); break;
    case Kind::kUser: anonymizer_->User(v, &buf_); break;
    case Kind::kHost: anonymizer_->Host(v, &buf_); break;
    case Kind::kSyslogHost: anonymizer_->SyslogHost(v, &buf_); break;
    case Kind::kIp: anonymizer_->Ip(v, &buf_); break;
    case Kind::kMessageId: anonymizer_->MessageId(v, &buf_); break;
    default: anonymizer_->FreeText(v, &buf_); break;
  }
  next_->Text(buf_);
}

void AnonymizingRowWriter::Null() {
  ++col_;
  next_->Null();
}
void AnonymizingRowWriter::Int(int64_t v) {
  ++col_;
  next_->Int(v);
}
void AnonymizingRowWriter::Real(std::string_view text, double value) {
  ++col_;
  next_->Real(text, value);
}
void AnonymizingRowWriter::Bool(bool v) {
  ++col_;
  next_->Bool(v);
}
void AnonymizingRowWriter::Time(const exporter::Timestamp& t) {
  ++col_;
  next_->Time(t);
}
void AnonymizingRowWriter::EndRow() {
  next_->EndRow();
  CountRow(kind_);
}

}  // namespace maillens::anonymize
