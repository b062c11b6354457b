// clickhouse_writer.cc - ClickHouseWriter (cpp-httplib client).
#include "export/clickhouse_writer.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <isa-l/igzip_lib.h>
#include <xxhash.h>

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

namespace {

// Little-endian fixed-width and LEB128 values of RowBinary.
template <typename T>
void PutFixed(ByteBuffer* out, T v) {
  static_assert(std::endian::native == std::endian::little);
  char* p = out->Reserve(sizeof v);
  std::memcpy(p, &v, sizeof v);
  out->Commit(p + sizeof v);
}

void PutString(ByteBuffer* out, std::string_view v) {
  char* p = out->Reserve(10 + v.size());
  uint64_t n = v.size();
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    *p++ = static_cast<char>(n ? b | 0x80 : b);
  } while (n);
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  out->Commit(p + v.size());
}

// Compresses `in` into *out as one gzip member (ISA-L, level 1).
bool Gzip(std::string_view in, std::string* out) {
  isal_zstream z;
  isal_deflate_init(&z);
  auto level_buf = std::make_unique<uint8_t[]>(ISAL_DEF_LVL1_DEFAULT);
  z.level = 1;
  z.level_buf = level_buf.get();
  z.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  z.gzip_flag = IGZIP_GZIP;
  z.end_of_stream = 1;
  z.flush = NO_FLUSH;
  z.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uint32_t>(in.size());
  out->resize(in.size() + in.size() / 8 + 4096);
  size_t done = 0;
  while (true) {
    z.next_out = reinterpret_cast<uint8_t*>(out->data()) + done;
    z.avail_out = static_cast<uint32_t>(out->size() - done);
    if (isal_deflate(&z) != COMP_OK) return false;
    done = out->size() - z.avail_out;
    if (z.internal_state.state == ZSTATE_END) break;
    out->resize(out->size() * 2);
  }
  out->resize(done);
  return true;
}

}  // namespace

ClickHouseWriter::ClickHouseWriter(Options options) : client_(std::move(options)) {}

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
    wanted_[static_cast<size_t>(k)] = true;
    columns_[static_cast<size_t>(k)] = ClickHouseColumnList(k);
    // Room for a batch and the row that crosses the limit: no regrowth.
    batch_[static_cast<size_t>(k)] = ByteBuffer(client_.options().batch_bytes + (1 << 20));
  }
  return status_;
}

void ClickHouseWriter::BeginRow(RecordKind kind) {
  cur_ = kind;
  const Schema& s = SchemaFor(kind);
  cols_ = s.columns.data();
  ncols_ = s.columns.size();
  col_ = 0;
  row_time_ = -1;
  row_start_ = batch_[static_cast<size_t>(kind)].size();
}

const Column& ClickHouseWriter::Next(bool null) {
  const Column& c = cols_[col_ < ncols_ ? col_ : ncols_ - 1];
  ++col_;
  if (c.nullable) PutFixed<uint8_t>(&batch_[static_cast<size_t>(cur_)], null ? 1 : 0);
  return c;
}

void ClickHouseWriter::Null() {
  const Column& c = Next(true);
  if (c.type == ColumnType::kTime) {  // NAME_us and NAME_offset are not nullable
    PutFixed<uint32_t>(&batch_[static_cast<size_t>(cur_)], 0);
    PutFixed<int32_t>(&batch_[static_cast<size_t>(cur_)], 0);
  }
}

void ClickHouseWriter::Text(std::string_view v) {
  Next(false);
  if (!IsAscii(v)) {
    utf8_.clear();
    AppendValidUtf8(&utf8_, v);
    v = utf8_;
  }
  PutString(&batch_[static_cast<size_t>(cur_)], v);
}

void ClickHouseWriter::Int(int64_t v) {
  Next(false);
  PutFixed<int64_t>(&batch_[static_cast<size_t>(cur_)], v);
}

void ClickHouseWriter::Real(std::string_view, double value) {
  Next(false);
  PutFixed<double>(&batch_[static_cast<size_t>(cur_)], value);
}

void ClickHouseWriter::Bool(bool v) {
  Next(false);
  PutFixed<uint8_t>(&batch_[static_cast<size_t>(cur_)], v ? 1 : 0);
}

void ClickHouseWriter::Time(const Timestamp& t) {
  Next(false);
  ByteBuffer* out = &batch_[static_cast<size_t>(cur_)];
  // DateTime is UInt32 seconds: instants outside 1970..2106 are clamped.
  int64_t e = t.epoch < 0 ? 0 : (t.epoch > 0xffffffffLL ? 0xffffffffLL : t.epoch);
  if (row_time_ < 0) row_time_ = e;
  PutFixed<uint32_t>(out, static_cast<uint32_t>(e));
  PutFixed<uint32_t>(out, static_cast<uint32_t>(t.usec < 0 ? 0 : t.usec));
  PutFixed<int32_t>(out, t.offset);
}

void ClickHouseWriter::EndRow() {
  size_t k = static_cast<size_t>(cur_);
  ByteBuffer& b = batch_[k];
  uint64_t key = XXH3_64bits_withSeed(b.data() + row_start_, b.size() - row_start_, k);
  int64_t t = row_time_ < 0 ? 0 : row_time_;
  Seen& seen = seen_[key];
  if (seen.copies > 0) {
    uint64_t mixed[2] = {key, seen.copies};
    key = XXH3_64bits(mixed, sizeof mixed);
  }
  ++seen.copies;
  seen.time = std::max(seen.time, t);
  if (t > newest_) newest_ = t;
  if (newest_ - last_prune_ >= 60) {  // forget rows more than two minutes older than the newest
    last_prune_ = newest_;
    absl::erase_if(seen_, [this](const auto& e) { return e.second.time < newest_ - 120; });
  }
  PutFixed<uint64_t>(&b, key);
  ++batch_rows_[k];
  if (b.size() >= client_.options().batch_bytes) Send(cur_);
}

void ClickHouseWriter::Send(RecordKind kind) {
  size_t k = static_cast<size_t>(kind);
  ByteBuffer& body = batch_[k];
  if (!body.empty() && status_.ok()) {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return !job_.has_value(); });  // one batch in flight at most
    if (!sent_status_.ok()) {
      status_ = sent_status_;
    } else {
      if (!sender_.joinable()) sender_ = std::thread([this] { SendLoop(); });
      job_.emplace(Job{kind, batch_rows_[k], std::move(body)});
      body = std::move(spare_);  // the buffer the sender finished with (or a new one)
      spare_ = ByteBuffer(1);
      ready_.notify_one();
    }
  }
  body.clear();
  batch_rows_[k] = 0;
}

void ClickHouseWriter::SendLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ready_.wait(lock, [this] { return job_.has_value() || stopping_; });
    if (!job_.has_value()) return;
    Job& job = *job_;
    lock.unlock();
    Status st;
    const char* data = job.body.data();
    size_t n = job.body.size();
    bool gz = client_.options().gzip && Gzip(job.body.view(), &gz_);
    if (gz) data = gz_.data(), n = gz_.size();
    st = client_.Insert(SchemaFor(job.kind).name, columns_[static_cast<size_t>(job.kind)], "RowBinary", data, n, gz);
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
    if (spare_.size() == 0 && job.body.data() != nullptr) spare_ = std::move(job.body);
    job_.reset();
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
    idle_.wait(lock, [this] { return !job_.has_value(); });
    stopping_ = true;
    ready_.notify_one();
  }
  if (sender_.joinable()) sender_.join();
}

}  // namespace maillens::exporter
