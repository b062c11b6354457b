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
// ClickHouseClient is the connection it sends through; ForgetSql() and
// PruneSql() serve `maillens forget` and `prune` (doc/privacy.md).
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
#define MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "export/json_row.h"
#include "export/row_writer.h"

namespace httplib {
class Client;
}

namespace maillens::exporter {

struct ClickHouseOptions {
  std::string url = "http://127.0.0.1:8123";  // scheme://host[:port]
  std::string database = "maillens";
  std::string user, password;               // HTTP basic auth when user is set
  size_t batch_bytes = 16 << 20;            // JSON bytes per INSERT
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
  // INSERT INTO database.`table` FORMAT JSONEachRow, `n` bytes of rows.
  Status Insert(std::string_view table, const char* rows, size_t n);
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

class ClickHouseWriter : public JsonRowWriter {
 public:
  using Options = ClickHouseOptions;
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
  // Sends the rows buffered for `kind`.
  void Send(RecordKind kind);

  ClickHouseClient client_;
  bool open_ = false;
  bool wanted_[4] = {false, false, false, false};
  ByteBuffer batch_[4];
  uint64_t batch_rows_[4] = {0, 0, 0, 0};
  RecordKind cur_ = RecordKind::kMessages;
  Status status_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_CLICKHOUSE_WRITER_H_
