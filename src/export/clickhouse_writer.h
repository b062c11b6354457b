// clickhouse_writer.h - records into a ClickHouse server over its HTTP
// interface.
//
// Open() creates the database and one MergeTree table per record kind if
// they are missing (CREATE ... IF NOT EXISTS; an existing table is used as
// it is). Rows are formatted as JSONEachRow (json_row.h, times as epoch
// seconds for DateTime columns, booleans as 1/0 for UInt8) into one buffer
// per table and sent as `INSERT INTO db.table FORMAT JSONEachRow` each time a
// buffer reaches Options::batch_bytes, and by Finish(). Column types: String,
// Int64, Float64, UInt8, DateTime; Nullable(...) for nullable columns. The
// syntax is ClickHouse 18.16's (Debian 12), which newer servers accept too.
// Errors (server unreachable, a refused statement) carry the server's reply.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
#define MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "export/json_row.h"
#include "export/row_writer.h"

namespace httplib {
class Client;
}

namespace maillens::exporter {

class ClickHouseWriter : public JsonRowWriter {
 public:
  struct Options {
    std::string url = "http://127.0.0.1:8123";  // scheme://host[:port]
    std::string database = "maillens";
    std::string user, password;               // HTTP basic auth when user is set
    size_t batch_bytes = 16 << 20;            // JSON bytes per INSERT
    int timeout_seconds = 300;
  };
  explicit ClickHouseWriter(Options options);
  ~ClickHouseWriter() override;

  // Connects, creates the database and the tables of `kinds`. InvalidArgument
  // for a bad URL or database name; IOError if the server refuses or is
  // unreachable.
  Status Open(const std::vector<RecordKind>& kinds);

  bool Wants(RecordKind kind) const override { return wanted_[static_cast<size_t>(kind)]; }
  void BeginRow(RecordKind kind) override;
  void EndRow() override;
  Status Finish() override;

  // The CREATE TABLE statement for `kind` in `database` (for tests and docs).
  static std::string CreateTableSql(const std::string& database, RecordKind kind);

 private:
  // Runs `sql` (body of a POST to /); false and status_ set on failure.
  bool Query(const std::string& sql);
  // Sends the rows buffered for `kind`.
  void Send(RecordKind kind);

  Options options_;
  std::unique_ptr<httplib::Client> client_;
  bool wanted_[4] = {false, false, false, false};
  ByteBuffer batch_[4];
  uint64_t batch_rows_[4] = {0, 0, 0, 0};
  RecordKind cur_ = RecordKind::kMessages;
  Status status_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
