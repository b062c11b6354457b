// clickhouse_writer.cc - ClickHouseWriter (cpp-httplib client).
#include "export/clickhouse_writer.h"

#include <arpa/inet.h>
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

// The first part of a server reply, on one line, for an error message.
std::string Excerpt(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string ClickHouseIdentifier(std::string_view name) {
  std::string s;
  s.reserve(name.size() + 2);
  s.push_back('`');
  s.append(name);
  s.push_back('`');
  return s;
}

std::string ClickHouseString(std::string_view v) {
  std::string s = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') s.push_back('\\');
    s.push_back(c);
  }
  s.push_back('\'');
  return s;
}

ClickHouseClient::ClickHouseClient(ClickHouseOptions options) : options_(std::move(options)) {}
ClickHouseClient::~ClickHouseClient() = default;

Status ClickHouseClient::Open() {
  if (!ValidIdentifier(options_.database))
    return Status::InvalidArgument("ClickHouse database name must be letters, digits and _: " + options_.database);
  std::string url = options_.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return Status::InvalidArgument("ClickHouse URL must start with http:// or https://: " + options_.url);
  client_ = std::make_unique<httplib::Client>(url);
  if (!client_->is_valid()) return Status::InvalidArgument("bad ClickHouse URL: " + options_.url);
  client_->set_connection_timeout(10);
  client_->set_read_timeout(options_.timeout_seconds);
  client_->set_write_timeout(options_.timeout_seconds);
  client_->set_keep_alive(true);
  if (!options_.user.empty()) client_->set_basic_auth(options_.user.c_str(), options_.password.c_str());
  return Status::OK();
}

Status ClickHouseClient::Query(const std::string& sql, std::string* reply) {
  auto res = client_->Post("/", sql, "text/plain; charset=utf-8");
  if (!res) return Status::IOError("ClickHouse at " + options_.url + ": " + httplib::to_string(res.error()));
  if (res->status != 200)
    return Status::IOError("ClickHouse at " + options_.url + " refused '" + sql.substr(0, 80) + "...': HTTP " +
                           std::to_string(res->status) + ": " + Excerpt(res->body));
  if (reply != nullptr) *reply = std::move(res->body);
  return Status::OK();
}

Status ClickHouseClient::Insert(std::string_view table, const char* rows, size_t n) {
  std::string query = "INSERT INTO " + ClickHouseIdentifier(options_.database) + "." + ClickHouseIdentifier(table) +
                      " FORMAT JSONEachRow";
  httplib::Params params{{"query", query}};
  std::string path = httplib::append_query_params("/", params);
  auto res = client_->Post(path, rows, n, "application/x-ndjson");
  if (!res) return Status::IOError("ClickHouse at " + options_.url + ": " + httplib::to_string(res.error()));
  if (res->status != 200)
    return Status::IOError("ClickHouse at " + options_.url + " refused rows for " + std::string(table) + ": HTTP " +
                           std::to_string(res->status) + ": " + Excerpt(res->body));
  return Status::OK();
}

Status ClickHouseClient::ExistingTables(std::vector<RecordKind>* kinds) {
  std::string reply;
  Status s = Query("SELECT name FROM system.tables WHERE database = " + ClickHouseString(options_.database), &reply);
  if (!s.ok()) return s;
  kinds->clear();
  for (RecordKind k : kAllRecordKinds) {
    std::string_view name = SchemaFor(k).name;
    for (size_t pos = 0; pos < reply.size();) {
      size_t nl = reply.find('\n', pos);
      if (nl == std::string::npos) nl = reply.size();
      if (std::string_view(reply).substr(pos, nl - pos) == name) kinds->push_back(k);
      pos = nl + 1;
    }
  }
  return Status::OK();
}

namespace {

std::string AlterDelete(const std::string& database, RecordKind kind, const std::string& where) {
  return "ALTER TABLE " + ClickHouseIdentifier(database) + "." + ClickHouseIdentifier(SchemaFor(kind).name) +
         " DELETE WHERE " + where;
}

}  // namespace

std::string PruneSql(const std::string& database, RecordKind kind, int64_t before) {
  const char* when = kind == RecordKind::kMessages      ? "`last_seen`"
                     : kind == RecordKind::kConnections ? "ifNull(`disconnect_time`, `connect_time`)"
                                                        : "`time`";
  return AlterDelete(database, kind, std::string(when) + " < toDateTime(" + std::to_string(before) + ")");
}

std::string ForgetSql(const std::string& database, RecordKind kind, std::string_view person) {
  std::string p(person);
  for (char& c : p) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  uint8_t bin[16];
  bool ip = inet_pton(AF_INET, p.c_str(), bin) == 1 || inet_pton(AF_INET6, p.c_str(), bin) == 1;
  size_t at = p.rfind('@');
  std::vector<std::string> terms;
  for (const Column& c : SchemaFor(kind).columns) {
    std::string col = ClickHouseIdentifier(c.name);
    std::string_view n = c.name;
    if (ip && n == "client_addr") {
      terms.push_back(col + " = " + ClickHouseString(p));
    } else if (ip && n == "client") {
      terms.push_back("position(" + col + ", " + ClickHouseString("[" + p + "]") + ") > 0");
    } else if (ip && n == "reason") {
      // The address as a whole word of the text: not inside 10.1.2.30.
      std::string re = "(^|[^0-9A-Fa-f.:])";
      for (char ch : p) {
        if (ch == '.') re += "\\.";
        else re.push_back(ch);
      }
      terms.push_back("match(" + col + ", " + ClickHouseString(re + "([^0-9A-Fa-f:]|\\.[^0-9]|$)") + ")");
    } else if (!ip && at == std::string::npos && n == "sasl_user") {
      terms.push_back("lower(" + col + ") = " + ClickHouseString(p));
    } else if (!ip && at != std::string::npos &&
               (n == "from" || n == "to" || n == "orig_to" || n == "sasl_user")) {
      std::string local = p.substr(0, at), domain = p.substr(at + 1);
      terms.push_back("lower(" + col + ") = " + ClickHouseString(p));
      if (n != "sasl_user") {
        terms.push_back("positionCaseInsensitive(" + col + ", " + ClickHouseString(local + "=" + domain + "@") + ") > 0");
        terms.push_back("positionCaseInsensitive(" + col + ", " + ClickHouseString("=" + domain + "=" + local + "@") +
                        ") > 0");
      }
    } else if (!ip && at != std::string::npos && n == "reason") {
      terms.push_back("positionCaseInsensitive(" + col + ", " + ClickHouseString(p) + ") > 0");
    }
  }
  if (terms.empty()) return {};
  std::string where;
  for (size_t i = 0; i < terms.size(); ++i) where += (i ? " OR " : "") + terms[i];
  return AlterDelete(database, kind, where);
}

ClickHouseWriter::ClickHouseWriter(Options options)
    : JsonRowWriter(JsonRowFormatter::Style{true, true}), client_(std::move(options)) {}

ClickHouseWriter::~ClickHouseWriter() = default;

std::string ClickHouseWriter::CreateTableSql(const std::string& database, RecordKind kind) {
  const Schema& s = SchemaFor(kind);
  std::string sql = "CREATE TABLE IF NOT EXISTS " + ClickHouseIdentifier(database) + "." + ClickHouseIdentifier(s.name) + " (";
  for (size_t i = 0; i < s.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += ClickHouseIdentifier(s.columns[i].name) + " " + ClickHouseType(s.columns[i]);
  }
  sql += ") ENGINE = MergeTree()";
  if (!s.clickhouse_partition.empty()) sql += " PARTITION BY " + std::string(s.clickhouse_partition);
  sql += " ORDER BY " + std::string(s.clickhouse_order_by);
  return sql;
}

Status ClickHouseWriter::Open(const std::vector<RecordKind>& kinds) {
  status_ = client_.Open();
  if (!status_.ok()) return status_;
  open_ = true;
  const std::string& db = client_.options().database;
  status_ = client_.Query("CREATE DATABASE IF NOT EXISTS " + ClickHouseIdentifier(db));
  for (RecordKind k : kinds) {
    if (!status_.ok()) return status_;
    status_ = client_.Query(CreateTableSql(db, k));
    wanted_[static_cast<size_t>(k)] = status_.ok();
    // Room for a batch and the row that crosses the limit: no regrowth.
    batch_[static_cast<size_t>(k)] = ByteBuffer(client_.options().batch_bytes + (1 << 20));
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
  if (batch_[k].size() >= client_.options().batch_bytes) Send(cur_);
}

void ClickHouseWriter::Send(RecordKind kind) {
  size_t k = static_cast<size_t>(kind);
  ByteBuffer& body = batch_[k];
  if (!body.empty() && status_.ok()) {
    status_ = client_.Insert(SchemaFor(kind).name, body.data(), body.size());
    if (status_.ok())
      for (uint64_t i = 0; i < batch_rows_[k]; ++i) CountRow(kind);
  }
  body.clear();
  batch_rows_[k] = 0;
}

Status ClickHouseWriter::Finish() {
  if (!open_) return status_.ok() ? Status::IOError("ClickHouse writer not open") : status_;
  for (RecordKind k : kAllRecordKinds)
    if (Wants(k)) Send(k);
  return status_;
}

}  // namespace maillens::exporter
