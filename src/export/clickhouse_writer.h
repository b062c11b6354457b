// clickhouse_writer.h - records into a ClickHouse server over its HTTP
// interface.
//
// Open() creates the database and the tables of clickhouse_schema.h if they
// are missing (CREATE ... IF NOT EXISTS); an existing table must have the
// row_key column (tables of maillens before it are refused, with a message).
// Rows are encoded by RowBinaryRows (rowbinary.h: RowBinary with each row's
// row_key) into one buffer per table; each time a buffer reaches
// Options::batch_bytes, and at Finish(), it goes to one of two sender
// threads (each with its own connection: the server parses two INSERTs at
// once), which gzips it (ISA-L; Content-Encoding: gzip, which 18.16 takes,
// zstd it does not) and sends `INSERT INTO db.table (columns) FORMAT
// RowBinary`. The syntax is ClickHouse 18.16's (Debian 12), which newer
// servers accept too.
// Errors (server unreachable, a refused statement) carry the server's reply.
// ClickHouseClient is the connection it sends through; ForgetSql() and
// PruneSql() serve `maillens forget` and `prune` (doc/privacy.md).
// Thread safety: one thread at a time (the sender threads only touch the
// batches handed to them).
#ifndef MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
#define MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <string_view>
#include <vector>

#include "export/byte_buffer.h"
#include "export/row_writer.h"
#include "export/rowbinary.h"

namespace httplib {
class Client;
}

namespace maillens::exporter {

struct ClickHouseOptions {
  std::string url = "http://127.0.0.1:8123";  // scheme://host[:port]
  std::string database = "maillens";
  std::string user, password;               // HTTP basic auth when user is set
  size_t batch_bytes = 16 << 20;            // RowBinary bytes per INSERT (before compression)
  bool gzip = true;                         // compress INSERT bodies
  int timeout_seconds = 300;
};

// One server's HTTP interface, for the writer and for the statements of
// `forget --clickhouse` and `prune --clickhouse`.
class ClickHouseClient {
 public:
  explicit ClickHouseClient(ClickHouseOptions options);
  ~ClickHouseClient();
  const ClickHouseOptions& options() const { return options_; }

  // Checks the URL and the database name (InvalidArgument) and connects.
  Status Open();
  // Runs `sql` (the body of a POST to /); *reply gets the server's answer.
  // IOError, with the start of the server's reply, if it is refused.
  Status Query(const std::string& sql, std::string* reply = nullptr);
  // INSERT INTO database.`table` `columns` FORMAT `format`: `n` bytes of
  // rows, gzip-compressed by the caller when `gzipped`.
  Status Insert(std::string_view table, std::string_view columns, std::string_view format, const char* rows,
                size_t n, bool gzipped);
  // Which of the record kinds' tables exist in the database.
  Status ExistingTables(std::vector<RecordKind>* kinds);

 private:
  ClickHouseOptions options_;
  std::unique_ptr<httplib::Client> client_;
};

// `name` in backquotes, and `s` as a single-quoted string literal.
std::string ClickHouseIdentifier(std::string_view name);
std::string ClickHouseString(std::string_view s);

// ALTER TABLE database.table DELETE WHERE <the rows naming `person`>: an IP
// (client_addr, the address in client, in reason), an e-mail address (from,
// to, orig_to, sasl_user, case-insensitively, in VERP/SRS forms and in
// reason) or a user name (sasl_user). Empty if the table has no such column.
std::string ForgetSql(const std::string& database, RecordKind kind, std::string_view person);
// ALTER TABLE database.table DELETE WHERE the row is dated before `before`
// (epoch seconds): deliveries and rejects by time, messages by last_seen,
// connections by disconnect_time, else connect_time.
std::string PruneSql(const std::string& database, RecordKind kind, int64_t before);

class ClickHouseWriter : public RowBinaryRows {
 public:
  using Options = ClickHouseOptions;
  explicit ClickHouseWriter(Options options);
  ~ClickHouseWriter() override;

  // Connects, creates the database and the tables of `kinds`. InvalidArgument
  // for a bad URL or database name or a table without row_key; IOError if
  // the server refuses or is unreachable.
  Status Open(const std::vector<RecordKind>& kinds);
  Status Finish() override;

  // Batches sent and their bytes before and after compression.
  uint64_t batches() const { return batches_; }
  uint64_t raw_bytes() const { return raw_bytes_; }
  uint64_t sent_bytes() const { return sent_bytes_; }

 protected:
  void OnBatchFull(RecordKind kind) override { Send(kind); }

 private:
  // Hands the rows buffered for `kind` to the sender threads (waiting while
  // kSenders batches are still out).
  void Send(RecordKind kind);
  // A sender thread: compresses and INSERTs one batch at a time, so that
  // parsing the log and the server's inserts overlap (two at once: the
  // server parses each INSERT on a core of its own).
  void SendLoop();
  // Waits for the batches out and ends the sender threads.
  void StopSender();
  static constexpr size_t kSenders = 2;

  ClickHouseClient client_;
  bool open_ = false;
  std::string columns_[4];  // INSERT column lists
  uint64_t batches_ = 0, raw_bytes_ = 0, sent_bytes_ = 0;  // (under mu_; read after Finish())
  Status status_;
  // Batches waiting for a sender and being sent, under mu_. The senders'
  // first error is sticky: the next Send() or Finish() takes it into status_.
  struct Job {
    RecordKind kind;
    uint64_t rows;
    ByteBuffer body;
  };
  std::mutex mu_;
  std::condition_variable ready_, idle_;
  std::deque<Job> queue_;
  size_t busy_ = 0;
  bool stopping_ = false;
  Status sent_status_;
  std::vector<ByteBuffer> free_;  // sent batches' buffers, reused for the next ones
  std::vector<std::thread> senders_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
