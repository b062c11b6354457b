// shipper.cc - Shipper: records -> spool -> ClickHouse (shipper.h).
#include "ship/shipper.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "export/clickhouse_schema.h"
#include "metrics/histogram.h"

namespace maillens::ship {

using exporter::RecordKind;

bool ParseShipUrl(std::string_view text, exporter::ClickHouseOptions* o, std::string* error) {
  if (text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0) {
    o->url = std::string(text);
    return true;
  }
  constexpr std::string_view kScheme = "clickhouse://";
  if (text.rfind(kScheme, 0) != 0) {
    *error = "want clickhouse://HOST[:PORT][/DATABASE] or http://HOST:PORT: " + std::string(text);
    return false;
  }
  std::string_view rest = text.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (slash != std::string_view::npos && slash + 1 < rest.size()) o->database = std::string(rest.substr(slash + 1));
  if (hostport.empty()) {
    *error = "no host in " + std::string(text);
    return false;
  }
  bool has_port = hostport.back() != ']' && hostport.find(':') != std::string_view::npos;
  o->url = "http://" + std::string(hostport) + (has_port ? "" : ":8123");
  return true;
}

Shipper::Shipper(ShipOptions options)
    : options_(std::move(options)),
      rows_(this, options_.clickhouse.batch_bytes),
      messages_(&rows_),
      deliveries_(&rows_),
      rejects_(&rows_),
      connections_(&rows_),
      spool_(options_.spool),
      client_(options_.clickhouse) {
  for (RecordKind k : exporter::kAllRecordKinds) {
    rows_.Want(k);
    columns_[static_cast<size_t>(k)] = exporter::ClickHouseColumnList(k);
  }
}

Shipper::~Shipper() {
  // serve is stopping (its last checkpoint has spooled the last rows): a
  // few seconds to send them now rather than at the next start.
  if (sender_.joinable()) Drain(3000);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

bool Shipper::LoadState(std::string_view state) {
  uint64_t v = 0;
  if (state.empty()) return false;
  for (char c : state) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  seq_ = v;
  return true;
}

Status Shipper::Start() {
  if (started_) return Status::OK();
  started_ = true;
  Status s = spool_.Open(seq_);
  if (s.ok()) s = client_.Open();
  if (!s.ok()) {
    std::fprintf(stderr, "maillens serve: --ship: %s; records are not shipped (maillens_ship_spool_errors_total)\n",
                 std::string(s.message()).c_str());
    return spool_status_ = s;
  }
  sender_ = std::thread([this] { SendLoop(); });
  return Status::OK();
}

void Shipper::OnEvent(const Event& ev, const Message* m) {
  messages_.OnEvent(ev, m);
  deliveries_.OnEvent(ev, m);
  rejects_.OnEvent(ev, m);
  connections_.OnEvent(ev, m);
}

void Shipper::OnMessageReleased(const Message& m) { messages_.OnMessageReleased(m); }

void Shipper::SpoolBatch(RecordKind kind) {
  if (rows_.batch_rows(kind) == 0) return;
  if (!started_) (void)Start();
  SpoolRecord r;
  r.seq = seq_ + 1;  // the checkpoint that will name these lines
  r.kind = static_cast<uint8_t>(kind);
  r.rows = static_cast<uint32_t>(rows_.batch_rows(kind));
  if (options_.clickhouse.gzip && exporter::GzipBytes(rows_.buffered(kind), &gz_)) {
    r.flags = Spool::kGzip;
    r.payload.swap(gz_);
  } else {
    r.payload.assign(rows_.buffered(kind));
  }
  Status s = spool_status_.ok() ? spool_.Append(r) : spool_status_;
  if (!s.ok()) ++spool_errors_;  // the rows are lost: counted, serve goes on
  if (r.flags == Spool::kGzip) gz_.swap(r.payload);
  rows_.ClearBatch(kind);
  wake_.notify_one();
}

void Shipper::BeforeCheckpoint() {
  if (!started_) (void)Start();
  // Messages released by now are rows; sessions still open are not (yet).
  for (RecordKind k : exporter::kAllRecordKinds) SpoolBatch(k);
  ++seq_;
}

void Shipper::Tick(int64_t now) {
  (void)now;
  if (!started_) (void)Start();
}

Status Shipper::EnsureTables() {
  if (tables_ok_) return Status::OK();
  exporter::ClickHouseSchemaOptions so;
  so.database = options_.clickhouse.database;
  std::vector<RecordKind> kinds(std::begin(exporter::kAllRecordKinds), std::end(exporter::kAllRecordKinds));
  for (const std::string& sql : exporter::ClickHouseSchemaSql(so, kinds)) {
    Status s = client_.Query(sql);
    if (!s.ok()) return s;
  }
  tables_ok_ = true;
  return Status::OK();
}

void Shipper::SendLoop() {
  std::mt19937_64 rng(std::random_device{}());
  double backoff = 0.5;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::optional<SpoolRecord> r;
    Status s = spool_.Front(&r);
    if (s.ok() && r) {
      s = EnsureTables();
      if (s.ok()) {
        RecordKind kind = static_cast<RecordKind>(r->kind);
        s = client_.Insert(exporter::SchemaFor(kind).name, columns_[r->kind & 3], "RowBinary", r->payload.data(),
                           r->payload.size(), (r->flags & Spool::kGzip) != 0);
        if (s.ok()) {
          (void)spool_.PopFront();
          rows_sent_[r->kind & 3] += r->rows;
          ++batches_sent_;
          last_ack_ = static_cast<int64_t>(std::time(nullptr));
          if (!up_ && errors_ > 0) std::fprintf(stderr, "maillens serve: --ship: ClickHouse accepts batches again\n");
          up_ = true;
          backoff = 0.5;
          lock.lock();
          continue;
        }
        tables_ok_ = false;  // (the server may have been replaced)
      }
    }
    lock.lock();
    if (!s.ok()) {  // wait with jitter, then try again
      if (errors_ == 0 || up_)  // said once per outage, not per retry
        std::fprintf(stderr, "maillens serve: --ship: %s; batches wait in the spool and are retried\n",
                     std::string(s.message()).c_str());
      ++errors_;
      up_ = false;
      double wait = backoff * std::uniform_real_distribution<double>(0.5, 1.5)(rng);
      backoff = std::min(backoff * 2, 30.0);
      wake_.wait_for(lock, std::chrono::duration<double>(wait), [this] { return stopping_; });
    } else {  // nothing to send
      wake_.wait_for(lock, std::chrono::seconds(1));
    }
  }
}

bool Shipper::Drain(int timeout_ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (spool_.stats().records > 0) {
    if (std::chrono::steady_clock::now() >= end) return false;
    wake_.notify_one();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

void Shipper::WriteMetrics(std::string* out) const {
  SpoolStats st = spool_.stats();
  AppendMetricFamily(out, "maillens_ship_up", "gauge", "1 when the last INSERT into ClickHouse worked.", up_ ? 1 : 0);
  AppendMetricHeader(out, "maillens_ship_rows_total", "counter", "Rows ClickHouse acknowledged, by table.");
  for (RecordKind k : exporter::kAllRecordKinds) {
    out->append("maillens_ship_rows_total{table=\"").append(exporter::SchemaFor(k).name).append("\"} ");
    AppendNumber(out, static_cast<double>(rows_sent_[static_cast<size_t>(k)].load()));
    out->push_back('\n');
  }
  AppendMetricFamily(out, "maillens_ship_batches_total", "counter", "Batches ClickHouse acknowledged.",
                     static_cast<double>(batches_sent_.load()));
  AppendMetricFamily(out, "maillens_ship_errors_total", "counter", "INSERTs that failed (retried later).",
                     static_cast<double>(errors_.load()));
  AppendMetricFamily(out, "maillens_ship_last_ack_timestamp_seconds", "gauge",
                     "When ClickHouse last acknowledged a batch (epoch seconds, 0: never).",
                     static_cast<double>(last_ack_.load()));
  AppendMetricFamily(out, "maillens_ship_spool_bytes", "gauge", "Bytes in the spool's segment files.",
                     static_cast<double>(st.bytes));
  AppendMetricFamily(out, "maillens_ship_spool_batches", "gauge", "Batches waiting in the spool.",
                     static_cast<double>(st.records));
  AppendMetricFamily(out, "maillens_ship_spool_dropped_rows_total", "counter",
                     "Rows dropped because the spool was full (oldest first).", static_cast<double>(st.dropped_rows));
  AppendMetricFamily(out, "maillens_ship_spool_corrupt_records_total", "counter",
                     "Spool records skipped as torn or corrupt.", static_cast<double>(st.corrupt_records));
  AppendMetricFamily(out, "maillens_ship_spool_errors_total", "counter",
                     "Batches that could not be written to the spool (lost).", static_cast<double>(spool_errors_.load()));
}

}  // namespace maillens::ship
