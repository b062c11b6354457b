// clickhouse_writer.cc - ClickHouseWriter (cpp-httplib client).
#include "export/clickhouse_writer.h"

#include <httplib.h>

namespace maillens::exporter {

namespace {

std::string ClickHouseType(const Column& c) {
  const char* base = "String";
  switch (c.type) {
    case ColumnType::kTime: base = "DateTime"; break;
    case ColumnType::kText: base = "String"; break;
    case ColumnType::kInt: base = "Int64"; break;
    case ColumnType::kReal: base = "Float64"; break;
    case ColumnType::kBool: base = "UInt8"; break;
  }
  return c.nullable ? "Nullable(" + std::string(base) + ")" : std::string(base);
}

bool ValidIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 64 || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string Quoted(std::string_view name) {
  std::string s;
  s.reserve(name.size() + 2);
  s.push_back('`');
  s.append(name);
  s.push_back('`');
  return s;
}

// The first part of a server reply, on one line, for an error message.
std::string Excerpt(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

ClickHouseWriter::ClickHouseWriter(Options options)
    : JsonRowWriter(JsonRowFormatter::Style{true, true}), options_(std::move(options)) {}

ClickHouseWriter::~ClickHouseWriter() = default;

std::string ClickHouseWriter::CreateTableSql(const std::string& database, RecordKind kind) {
  const Schema& s = SchemaFor(kind);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + Quoted(database) + "." + Quoted(s.name) + " (";
  for (size_t i = 0; i < s.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += Quoted(s.columns[i].name) + " " + ClickHouseType(s.columns[i]);
  }
  sql += ") ENGINE = MergeTree()";
  if (!s.clickhouse_partition.empty()) sql += " PARTITION BY " + std::string(s.clickhouse_partition);
  sql += " ORDER BY " + std::string(s.clickhouse_order_by);
  return sql;
}

bool ClickHouseWriter::Query(const std::string& sql) {
  if (!status_.ok()) return false;
  auto res = client_->Post("/", sql, "text/plain; charset=utf-8");
  if (!res) {
    status_ = Status::IOError("ClickHouse at " + options_.url + ": " + httplib::to_string(res.error()));
    return false;
  }
  if (res->status != 200) {
    status_ = Status::IOError("ClickHouse at " + options_.url + " refused '" + sql.substr(0, 80) + "...': HTTP " +
                              std::to_string(res->status) + ": " + Excerpt(res->body));
    return false;
  }
  return true;
}

Status ClickHouseWriter::Open(const std::vector<RecordKind>& kinds) {
  if (!ValidIdentifier(options_.database))
    return status_ = Status::InvalidArgument("ClickHouse database name must be letters, digits and _: " +
                                             options_.database);
  std::string url = options_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return status_ = Status::InvalidArgument("ClickHouse URL must start with http:// or https://: " + options_.url);
  client_ = std::make_unique<httplib::Client>(url);
  if (!client_->is_valid()) return status_ = Status::InvalidArgument("bad ClickHouse URL: " + options_.url);
  client_->set_connection_timeout(10);
  client_->set_read_timeout(options_.timeout_seconds);
  client_->set_write_timeout(options_.timeout_seconds);
  client_->set_keep_alive(true);
  if (!options_.user.empty()) client_->set_basic_auth(options_.user.c_str(), options_.password.c_str());
  if (!Query("CREATE DATABASE IF NOT EXISTS " + Quoted(options_.database))) return status_;
  for (RecordKind k : kinds) {
    if (!Query(CreateTableSql(options_.database, k))) return status_;
    wanted_[static_cast<size_t>(k)] = true;
    // Room for a batch and the row that crosses the limit: no regrowth.
    batch_[static_cast<size_t>(k)] = ByteBuffer(options_.batch_bytes + (1 << 20));
  }
  return status_;
}

void ClickHouseWriter::BeginRow(RecordKind kind) {
  cur_ = kind;
  json_.Begin(kind, &batch_[static_cast<size_t>(kind)]);
}

void ClickHouseWriter::EndRow() {
  json_.End();
  size_t k = static_cast<size_t>(cur_);
  ++batch_rows_[k];
  if (batch_[k].size() >= options_.batch_bytes) Send(cur_);
}

void ClickHouseWriter::Send(RecordKind kind) {
  size_t k = static_cast<size_t>(kind);
  ByteBuffer& body = batch_[k];
  if (body.empty() || !status_.ok()) {
    body.clear();
    batch_rows_[k] = 0;
    return;
  }
  std::string query = "INSERT INTO " + Quoted(options_.database) + "." + Quoted(SchemaFor(kind).name) +
                      " FORMAT JSONEachRow";
  httplib::Params params{{"query", query}};
  std::string path = httplib::append_query_params("/", params);
  auto res = client_->Post(path, body.data(), body.size(), "application/x-ndjson");
  if (!res) {
    status_ = Status::IOError("ClickHouse at " + options_.url + ": " + httplib::to_string(res.error()));
  } else if (res->status != 200) {
    status_ = Status::IOError("ClickHouse at " + options_.url + " refused rows for " +
                              std::string(SchemaFor(kind).name) + ": HTTP " + std::to_string(res->status) + ": " +
                              Excerpt(res->body));
  } else {
    for (uint64_t i = 0; i < batch_rows_[k]; ++i) CountRow(kind);
  }
  body.clear();
  batch_rows_[k] = 0;
}

Status ClickHouseWriter::Finish() {
  if (!client_) return status_.ok() ? Status::IOError("ClickHouse writer not open") : status_;
  for (RecordKind k : kAllRecordKinds)
    if (Wants(k)) Send(k);
  return status_;
}

}  // namespace maillens::exporter
