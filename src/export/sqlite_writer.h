// sqlite_writer.h - records into an SQLite database file.
//
// One table per record kind (named as the kind: messages, deliveries,
// rejects, connections), columns as in schema.h: TEXT for text and times
// (ISO 8601 with offset), INTEGER for integers and booleans (1/0), REAL for
// delays; NOT NULL where the schema says so. Rows go in through one prepared
// INSERT per table inside one transaction; the indexes (schema.h `indexed`:
// queue IDs, message IDs, addresses, times) are built once at the end.
//
// The database is built under "FILE.tmp" and renamed to FILE by Finish(), so
// FILE is replaced only by a complete database (an old FILE is overwritten).
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_SQLITE_WRITER_H_
#define MAILLENS_EXPORT_SQLITE_WRITER_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "export/row_writer.h"

struct sqlite3;
struct sqlite3_stmt;

namespace maillens::exporter {

class SqliteWriter : public RowWriter {
 public:
  SqliteWriter() = default;
  ~SqliteWriter() override;

  // Creates the database for `kinds` at path + ".tmp": the tables, the
  // statements, and the transaction. IOError if it cannot.
  Status Open(const std::string& path, std::initializer_list<RecordKind> kinds);
  Status Open(const std::string& path, const std::vector<RecordKind>& kinds);

  bool Wants(RecordKind kind) const override { return stmts_[static_cast<size_t>(kind)] != nullptr; }
  void BeginRow(RecordKind kind) override;
  void Null() override;
  void Text(std::string_view v) override;
  void Int(int64_t v) override;
  void Real(std::string_view text, double value) override;
  void Bool(bool v) override { Int(v ? 1 : 0); }
  void Time(const Timestamp& t) override;
  void EndRow() override;
  // Builds the indexes, commits, closes and renames the file into place.
  Status Finish() override;

 private:
  bool Exec(const std::string& sql);
  void Fail(const std::string& what);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmts_[4] = {nullptr, nullptr, nullptr, nullptr};
  std::vector<RecordKind> kinds_;
  std::string path_, tmp_path_;
  sqlite3_stmt* cur_ = nullptr;
  RecordKind cur_kind_ = RecordKind::kMessages;
  int param_ = 0;
  std::string scratch_, time_;  // copied by SQLite when bound (SQLITE_TRANSIENT)
  Status status_;
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_SQLITE_WRITER_H_
