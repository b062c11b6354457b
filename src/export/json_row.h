// json_row.h - formats one record as a JSON object on one line.
//
// The JSON lines writer's rows (ClickHouse takes RowBinary, clickhouse_writer.h):
// `{"time":"2026-11-22T10:04:05+01:00","host":"mx",...}\n`. Keys are the
// schema's column names, in its order, precomputed once per kind. Strings
// go through AppendJsonString (valid JSON for any bytes). Numbers that the
// log wrote as plain decimals are copied as written.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_JSON_ROW_H_
#define MAILLENS_EXPORT_JSON_ROW_H_

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "export/byte_buffer.h"
#include "export/row_writer.h"
#include "export/schema.h"

namespace maillens::exporter {

class JsonRowFormatter {
 public:
  struct Style {
    bool epoch_times = false;  // times as seconds since the epoch
    bool int_bools = false;    // booleans as 1/0
  };
  explicit JsonRowFormatter(Style style);

  // Starts a row of `kind` at the end of *out; the value calls append to it.
  void Begin(RecordKind kind, ByteBuffer* out);
  void Null() { Key("null"); }
  void Text(std::string_view v);
  void Int(int64_t v);
  void Real(std::string_view text, double value);
  void Bool(bool v);
  void Time(const Timestamp& t);
  // Closes the object and appends the newline.
  void End();

 private:
  // Appends the next column's key (with its leading comma) and then `value`.
  void Key(std::string_view value = {}) {
    const std::string& k = keys_[kind_][column_++];
    char* p = out_->Reserve(k.size() + value.size());
    std::memcpy(p, k.data(), k.size());
    if (!value.empty()) std::memcpy(p + k.size(), value.data(), value.size());
    out_->Commit(p + k.size() + value.size());
  }

  Style style_;
  std::vector<std::string> keys_[4];  // per kind: `"name":` / `,"name":`
  size_t kind_ = 0;
  size_t column_ = 0;
  ByteBuffer* out_ = nullptr;
};

// A RowWriter whose values go through a JsonRowFormatter: the value
// forwarding the JSON-lines and ClickHouse writers share.
class JsonRowWriter : public RowWriter {
 public:
  void Null() override { json_.Null(); }
  void Text(std::string_view v) override { json_.Text(v); }
  void Int(int64_t v) override { json_.Int(v); }
  void Real(std::string_view text, double value) override { json_.Real(text, value); }
  void Bool(bool v) override { json_.Bool(v); }
  void Time(const Timestamp& t) override { json_.Time(t); }

 protected:
  explicit JsonRowWriter(JsonRowFormatter::Style style) : json_(style) {}
  JsonRowFormatter json_;
};

// Appends v in decimal.
void AppendInt(ByteBuffer* out, int64_t v);
// The JSON value appenders JsonRowFormatter and the ECS/GELF writers
// (event_writers.h) share: `v` as a JSON string (AppendJsonString's
// escaping: valid JSON for any bytes); a Real as RowWriter::Real defines it
// (`text` as written, else the shortest decimal, null if not finite); `t` as
// an ISO 8601 string, or its epoch seconds.
void AppendJsonText(ByteBuffer* out, std::string_view v);
void AppendJsonReal(ByteBuffer* out, std::string_view text, double value);
void AppendJsonTime(ByteBuffer* out, const Timestamp& t, bool epoch = false);
// Appends v as the shortest decimal that reads back as v; `if_not_finite`
// for infinities and NaN.
void AppendDouble(ByteBuffer* out, double v, std::string_view if_not_finite = "null");

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_JSON_ROW_H_
