// shipper.h - `serve --ship`: export records to ClickHouse as the log grows,
// at least once, deduplicated by row_key (export/clickhouse_schema.h).
//
// The Shipper is a LiveSink: it runs the export record builders (records.h)
// on serve's events into RowBinary batches (export/rowbinary.h). Batches go
// to the on-disk spool (spool.h), gzip-compressed, when they are full and at
// every checkpoint (BeforeCheckpoint), tagged with the number of the
// checkpoint that will cover their lines; SaveState() is that number. A
// sender thread takes the spool's oldest batch, INSERTs it (waiting for
// Distributed tables' shards) and only then removes it from the spool.
//   - serve killed: the checkpoint's offsets are re-read; batches of a later
//     checkpoint number (their checkpoint was never written) are cut from the
//     spool at start, so every line's rows are spooled once; a batch sent
//     but not yet removed is sent again, and row_key merges its copy.
//   - ClickHouse down: serve keeps following and serving; batches wait in
//     the spool (bounded: Options::spool.max_bytes, oldest dropped and
//     counted), retried with exponential backoff and jitter (0.5 s .. 30 s).
// What is not carried across a restart: the builders' messages and sessions
// in flight (as for the assembler: their rows come from the later lines).
// Metrics: maillens_ship_* (WriteMetrics).
// Thread safety: the LiveSink methods on serve's follow thread; the sender
// thread touches only the spool and its own counters (atomics).
#ifndef MAILLENS_SHIP_SHIPPER_H_
#define MAILLENS_SHIP_SHIPPER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "assemble/assembler.h"
#include "export/clickhouse_writer.h"
#include "export/records.h"
#include "export/rowbinary.h"
#include "pipeline/live_sink.h"
#include "ship/spool.h"

namespace maillens::ship {

struct ShipOptions {
  exporter::ClickHouseOptions clickhouse;  // url, database, user, password, batch_bytes, gzip
  SpoolOptions spool;
};

// "clickhouse://HOST[:PORT][/DATABASE]" (default port 8123, database
// maillens) or "http(s)://HOST[:PORT]" into o->url and o->database. False
// with *error for anything else.
bool ParseShipUrl(std::string_view text, exporter::ClickHouseOptions* o, std::string* error);

class Shipper : public LiveSink, public Assembler::Listener {
 public:
  explicit Shipper(ShipOptions options);
  ~Shipper() override;

  // LiveSink / EventSink.
  void OnEvent(const Event& ev, const Message* m) override;
  void OnMessageReleased(const Message& m) override;
  std::string_view Name() const override { return "ship"; }
  void BeforeCheckpoint() override;
  std::string SaveState() const override { return std::to_string(seq_); }
  bool LoadState(std::string_view state) override;
  void WriteMetrics(std::string* out) const override;
  void Tick(int64_t now) override;

  // Opens the spool (cutting batches of uncommitted checkpoints) and starts
  // the sender; serve calls it once the checkpoint is loaded (Tick() does
  // it otherwise). IOError if the spool cannot be used.
  Status Start();
  // Waits until the spool is empty or `timeout_ms` passed (for tests and a
  // clean shutdown); true when empty.
  bool Drain(int timeout_ms);

 private:
  class Rows : public exporter::RowBinaryRows {
   public:
    Rows(Shipper* owner, size_t batch_bytes) : RowBinaryRows(batch_bytes), owner_(owner) {}

   protected:
    void OnBatchFull(exporter::RecordKind kind) override { owner_->SpoolBatch(kind); }

   private:
    Shipper* owner_;
  };
  // The rows of `kind` into the spool, for checkpoint seq_ + 1.
  void SpoolBatch(exporter::RecordKind kind);
  void SendLoop();
  // Creates the tables (once per connection that worked).
  Status EnsureTables();

  ShipOptions options_;
  Rows rows_;
  exporter::MessageRecords messages_;
  exporter::DeliveryRecords deliveries_;
  exporter::RejectRecords rejects_;
  exporter::ConnectionRecords connections_;
  ship::Spool spool_;
  exporter::ClickHouseClient client_;
  std::string columns_[4];
  uint64_t seq_ = 0;  // the last checkpoint's number
  bool started_ = false;
  std::string gz_;  // scratch (follow thread)
  Status spool_status_;

  std::thread sender_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool tables_ok_ = false;  // sender thread
  std::atomic<uint64_t> rows_sent_[4] = {0, 0, 0, 0};
  std::atomic<uint64_t> batches_sent_{0}, errors_{0}, spool_errors_{0};
  std::atomic<int64_t> last_ack_{0};
  std::atomic<bool> up_{false};
};

}  // namespace maillens::ship

#endif  // MAILLENS_SHIP_SHIPPER_H_
