// clickhouse_writer.cc - ClickHouseWriter (cpp-httplib client).
#include "export/clickhouse_writer.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include "export/clickhouse_schema.h"
#include "util/text_escape.h"

namespace maillens::exporter {

namespace {

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

Status ClickHouseClient::Insert(std::string_view table, std::string_view columns, std::string_view format,
                                const char* rows, size_t n, bool gzipped) {
  std::string query = "INSERT INTO " + ClickHouseIdentifier(options_.database) + "." + ClickHouseIdentifier(table) +
                      " " + std::string(columns) + " FORMAT " + std::string(format);
  // Into a Distributed table, the reply waits until the rows are on their
  // shard: an acknowledged batch is stored (no effect on other tables).
  httplib::Params params{{"query", query}, {"insert_distributed_sync", "1"}};
  std::string path = httplib::append_query_params("/", params);
  httplib::Headers headers;
  if (gzipped) headers.emplace("Content-Encoding", "gzip");
  auto res = client_->Post(path, headers, rows, n, "application/octet-stream");
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
    : RowBinaryRows(options.batch_bytes), client_(std::move(options)) {}

ClickHouseWriter::~ClickHouseWriter() { StopSender(); }

Status ClickHouseWriter::Open(const std::vector<RecordKind>& kinds) {
  status_ = client_.Open();
  if (!status_.ok()) return status_;
  open_ = true;
  ClickHouseSchemaOptions so;
  so.database = client_.options().database;
  status_ = client_.Query(ClickHouseSchemaSql(so, {})[0]);
  for (RecordKind k : kinds) {
    if (!status_.ok()) return status_;
    for (const std::string& sql : ClickHouseTableSql(so, k)) {
      status_ = client_.Query(sql);
      if (!status_.ok()) return status_;
    }
    // A table made before row_key (or by someone else) cannot take the rows.
    std::string reply;
    status_ = client_.Query("SELECT count() FROM system.columns WHERE database = " + ClickHouseString(so.database) +
                                " AND table = " + ClickHouseString(SchemaFor(k).name) + " AND name = 'row_key'",
                            &reply);
    if (status_.ok() && reply != "1\n")
      status_ = Status::InvalidArgument("table " + so.database + "." + std::string(SchemaFor(k).name) +
                                        " has no row_key column (made by an older maillens?): drop or rename it, "
                                        "or export into another --database (doc/clickhouse.md)");
    if (!status_.ok()) return status_;
    Want(k);
    columns_[static_cast<size_t>(k)] = ClickHouseColumnList(k);
  }
  return status_;
}

void ClickHouseWriter::Send(RecordKind kind) {
  ByteBuffer& body = batch(kind);
  if (!body.empty() && status_.ok()) {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return queue_.size() + busy_ < kSenders; });  // at most kSenders batches out
    if (!sent_status_.ok()) {
      status_ = sent_status_;
    } else {
      while (senders_.size() < kSenders) senders_.emplace_back([this] { SendLoop(); });
      queue_.push_back(Job{kind, batch_rows(kind), std::move(body)});
      if (!free_.empty()) {  // a buffer a sender is done with
        body = std::move(free_.back());
        free_.pop_back();
      } else {
        body = ByteBuffer(client_.options().batch_bytes + (1 << 20));
      }
      ready_.notify_one();
    }
  }
  ClearBatch(kind);
}

void ClickHouseWriter::SendLoop() {
  // Each sender has its own connection (an HTTP client serves one request
  // at a time) and its own compression buffer.
  ClickHouseClient client(client_.options());
  Status open = client.Open();
  std::string gz;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ready_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;
    Job job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    const char* data = job.body.data();
    size_t n = job.body.size();
    bool gzipped = client_.options().gzip && GzipBytes(job.body.view(), &gz);
    if (gzipped) data = gz.data(), n = gz.size();
    Status st = open.ok() ? client.Insert(SchemaFor(job.kind).name, columns_[static_cast<size_t>(job.kind)],
                                          "RowBinary", data, n, gzipped)
                          : open;
    lock.lock();
    if (st.ok()) {
      for (uint64_t i = 0; i < job.rows; ++i) CountRow(job.kind);
      ++batches_;
      raw_bytes_ += job.body.size();
      sent_bytes_ += n;
    } else if (sent_status_.ok()) {
      sent_status_ = st;
    }
    job.body.clear();
    free_.push_back(std::move(job.body));
    --busy_;
    idle_.notify_all();
  }
}

Status ClickHouseWriter::Finish() {
  if (!open_) return status_.ok() ? Status::IOError("ClickHouse writer not open") : status_;
  for (RecordKind k : kAllRecordKinds)
    if (Wants(k)) Send(k);
  StopSender();
  if (status_.ok()) status_ = sent_status_;
  return status_;
}

void ClickHouseWriter::StopSender() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
    stopping_ = true;
    ready_.notify_all();
  }
  for (std::thread& t : senders_) t.join();
  senders_.clear();
}

}  // namespace maillens::exporter
