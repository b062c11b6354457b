// event_writers.h - ECS and GELF: one record kind as JSON lines for log
// pipelines (Elasticsearch/Filebeat, Graylog).
//
// EcsWriter: one Elastic Common Schema 8.x document per line, nested objects
// (never dotted keys): @timestamp, ecs.version, event.{kind, category, type,
// action, outcome, dataset ("maillens.delivery", "maillens.message",
// "maillens.reject", "maillens.connection"), module, reason, start, end,
// duration}, host.name, process.{name, pid}, source.{address, ip, domain,
// port}, email.{from,
// to}.address (arrays), email.{message_id, local_id (the queue ID),
// direction}, user.name (the SASL user), related.{ip, user}, message (a
// one-line summary); every other column under maillens.<column>.
// GelfWriter: one GELF 1.1 message per line: version "1.1", host,
// short_message (the same summary), timestamp (epoch seconds, with the
// log's fraction), level (syslog severity), and every column as an
// additional field "_<column>" (booleans 1/0, nulls left out; no "_id").
// doc/schema.md has the mapping. Strings go through the export's JSON
// appenders (json_row.h), so any log bytes give valid JSON.
//
// Both keep the current row's values (copies: RowWriter text is a view into
// the line) in per-column slots that keep their capacity, and format the
// document at EndRow(). Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_EVENT_WRITERS_H_
#define MAILLENS_EXPORT_EVENT_WRITERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "export/output_file.h"
#include "export/row_writer.h"
#include "export/schema.h"

namespace maillens::exporter {

// The base of both: collects a row's values, then Format() writes it.
class EventRowWriter : public RowWriter {
 public:
  bool Wants(RecordKind kind) const override { return kind == kind_; }
  void BeginRow(RecordKind kind) override { column_ = 0; }
  void Null() override { Slot(ColumnType::kText).null = true; }
  void Text(std::string_view v) override { Slot(ColumnType::kText).text.assign(v); }
  void Int(int64_t v) override { Slot(ColumnType::kInt).i = v; }
  void Real(std::string_view text, double value) override;
  void Bool(bool v) override { Slot(ColumnType::kBool).b = v; }
  void Time(const Timestamp& t) override { Slot(ColumnType::kTime).t = t; }
  void EndRow() override;
  Status Finish() override { return out_->Close(); }

  // A column's value in the current row.
  struct Value {
    bool null = false;
    ColumnType type = ColumnType::kText;
    std::string text;  // kText; kReal: as written when a plain decimal, else empty
    int64_t i = 0;
    double d = 0;
    bool b = false;
    Timestamp t;
  };

 protected:
  EventRowWriter(RecordKind kind, OutputFile* out);
  virtual void Format(ByteBuffer* out) = 0;

  // The current row's value of column `name` of the kind. REQUIRES: the
  // schema has it.
  const Value& Col(std::string_view name) const;
  // Appends value `v` as JSON (booleans 1/0 when int_bools).
  static void AppendValue(ByteBuffer* out, const Value& v, bool int_bools);

  RecordKind kind_;
  const Schema& schema_;
  std::vector<Value> values_;  // one per column

 private:
  Value& Slot(ColumnType type) {
    Value& v = values_[column_++];
    v.null = false;
    v.type = type;
    return v;
  }
  OutputFile* out_;
  size_t column_ = 0;
};

class EcsWriter : public EventRowWriter {
 public:
  EcsWriter(RecordKind kind, OutputFile* out);

  // The ECS version the documents follow (ecs.version).
  static constexpr std::string_view kEcsVersion = "8.11.0";

 private:
  void Format(ByteBuffer* out) override;
  std::vector<bool> mapped_;  // per column: written under an ECS field, not maillens.*
  std::string summary_;
};

class GelfWriter : public EventRowWriter {
 public:
  GelfWriter(RecordKind kind, OutputFile* out) : EventRowWriter(kind, out) {}

 private:
  void Format(ByteBuffer* out) override;
  std::string summary_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_EVENT_WRITERS_H_
