// json_row.cc - JsonRowFormatter and the JSON value appenders.
#include "export/json_row.h"

#include <charconv>
#include <cmath>

#include "util/json_writer.h"

namespace maillens::exporter {

void AppendInt(ByteBuffer* out, int64_t v) {
  char* p = out->Reserve(24);
  out->Commit(std::to_chars(p, p + 24, v).ptr);
}

void AppendDouble(ByteBuffer* out, double v, std::string_view if_not_finite) {
  if (!std::isfinite(v)) {
    out->Append(if_not_finite);
    return;
  }
  char* p = out->Reserve(32);
  out->Commit(std::to_chars(p, p + 32, v).ptr);
}

void AppendJsonText(ByteBuffer* out, std::string_view v) {
  out->Commit(WriteJsonString(out->Reserve(JsonStringMaxSize(v.size())), v));
}

void AppendJsonReal(ByteBuffer* out, std::string_view text, double value) {
  if (!text.empty()) {
    out->Append(text);
  } else {
    AppendDouble(out, value);
  }
}

void AppendJsonTime(ByteBuffer* out, const Timestamp& t, bool epoch) {
  if (epoch) {
    AppendInt(out, t.epoch);
    return;
  }
  char* p = out->Reserve(kIsoTimeMax + 2);
  *p++ = '"';
  p = WriteIsoTime(p, t);
  *p++ = '"';
  out->Commit(p);
}

JsonRowFormatter::JsonRowFormatter(Style style) : style_(style) {
  for (RecordKind k : kAllRecordKinds) {
    std::vector<std::string>& keys = keys_[static_cast<size_t>(k)];
    for (const Column& c : SchemaFor(k).columns) {
      std::string key = keys.empty() ? "" : ",";
      AppendJsonString(&key, c.name);
      key.push_back(':');
      keys.push_back(std::move(key));
    }
  }
}

void JsonRowFormatter::Begin(RecordKind kind, ByteBuffer* out) {
  kind_ = static_cast<size_t>(kind);
  column_ = 0;
  out_ = out;
  out_->Push('{');
}

void JsonRowFormatter::Text(std::string_view v) {
  Key();
  AppendJsonText(out_, v);
}

void JsonRowFormatter::Int(int64_t v) {
  Key();
  AppendInt(out_, v);
}

void JsonRowFormatter::Real(std::string_view text, double value) {
  Key();
  AppendJsonReal(out_, text, value);
}

void JsonRowFormatter::Bool(bool v) {
  if (style_.int_bools) {
    Key(v ? "1" : "0");
  } else {
    Key(v ? "true" : "false");
  }
}

void JsonRowFormatter::Time(const Timestamp& t) {
  Key();
  AppendJsonTime(out_, t, style_.epoch_times);
}

void JsonRowFormatter::End() { out_->Append("}\n"); }

}  // namespace maillens::exporter
