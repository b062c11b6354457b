// sqlite_writer.cc - SqliteWriter.
#include "export/sqlite_writer.h"

#include <sqlite3.h>

#include <cstdio>

#include "util/text_escape.h"

namespace maillens::exporter {

namespace {

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kTime: return "TEXT";
    case ColumnType::kText: return "TEXT";
    case ColumnType::kInt: return "INTEGER";
    case ColumnType::kReal: return "REAL";
    case ColumnType::kBool: return "INTEGER";
  }
  return "TEXT";
}

// A double-quoted SQL identifier ("from" and "to" are keywords).
std::string Quoted(std::string_view name) {
  std::string s;
  s.reserve(name.size() + 2);
  s.push_back('\"');
  s.append(name);
  s.push_back('\"');
  return s;
}

}  // namespace

SqliteWriter::~SqliteWriter() {
  for (sqlite3_stmt*& s : stmts_) {
    if (s) sqlite3_finalize(s);
    s = nullptr;
  }
  if (db_) {
    sqlite3_close(db_);
    std::remove(tmp_path_.c_str());  // not finished: no partial database left behind
  }
}

void SqliteWriter::Fail(const std::string& what) {
  if (!status_.ok()) return;
  std::string msg = path_ + ": " + what;
  if (db_) msg += std::string(": ") + sqlite3_errmsg(db_);
  status_ = Status::IOError(msg);
}

bool SqliteWriter::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return true;
  if (status_.ok()) status_ = Status::IOError(path_ + ": " + (err ? err : "error") + " (" + sql.substr(0, 60) + ")");
  sqlite3_free(err);
  return false;
}

Status SqliteWriter::Open(const std::string& path, std::initializer_list<RecordKind> kinds) {
  return Open(path, std::vector<RecordKind>(kinds));
}

Status SqliteWriter::Open(const std::string& path, const std::vector<RecordKind>& kinds) {
  path_ = path;
  tmp_path_ = path + ".tmp";
  kinds_ = kinds;
  std::remove(tmp_path_.c_str());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(tmp_path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    Fail("cannot create " + tmp_path_);
    return status_;
  }
  // One thread, a new file built in one go: no mutexes (NOMUTEX above), no
  // journal, no syncs.
  if (!Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536; BEGIN")) return status_;
  for (RecordKind k : kinds) {
    const Schema& s = SchemaFor(k);
    std::string create = "CREATE TABLE " + Quoted(s.name) + " (";
    std::string insert = "INSERT INTO " + Quoted(s.name) + " VALUES (";
    for (size_t i = 0; i < s.columns.size(); ++i) {
      const Column& c = s.columns[i];
      if (i > 0) create += ", ", insert += ", ";
      create += Quoted(c.name) + " " + SqlType(c.type) + (c.nullable ? "" : " NOT NULL");
      insert += "?";
    }
    create += ")";
    insert += ")";
    if (!Exec(create)) return status_;
    if (sqlite3_prepare_v2(db_, insert.c_str(), -1, &stmts_[static_cast<size_t>(k)], nullptr) != SQLITE_OK) {
      Fail("cannot prepare the insert into " + std::string(s.name));
      return status_;
    }
  }
  return Status::OK();
}

void SqliteWriter::BeginRow(RecordKind kind) {
  cur_kind_ = kind;
  cur_ = stmts_[static_cast<size_t>(kind)];
  param_ = 0;
}

void SqliteWriter::Null() { sqlite3_bind_null(cur_, ++param_); }

void SqliteWriter::Text(std::string_view v) {
  if (IsAscii(v)) {
    // The view outlives the row: EndRow() steps before the builder returns.
    sqlite3_bind_text(cur_, ++param_, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
    return;
  }
  scratch_.clear();
  AppendValidUtf8(&scratch_, v);
  sqlite3_bind_text(cur_, ++param_, scratch_.data(), static_cast<int>(scratch_.size()), SQLITE_TRANSIENT);
}

void SqliteWriter::Int(int64_t v) { sqlite3_bind_int64(cur_, ++param_, v); }

void SqliteWriter::Real(std::string_view text, double value) { sqlite3_bind_double(cur_, ++param_, value); }

void SqliteWriter::Time(const Timestamp& t) {
  time_.clear();
  AppendIsoTime(&time_, t);
  sqlite3_bind_text(cur_, ++param_, time_.data(), static_cast<int>(time_.size()), SQLITE_TRANSIENT);
}

void SqliteWriter::EndRow() {
  if (status_.ok()) {
    if (sqlite3_step(cur_) != SQLITE_DONE) {
      Fail("insert into " + std::string(SchemaFor(cur_kind_).name));
    } else {
      CountRow(cur_kind_);
    }
  }
  sqlite3_reset(cur_);
}

Status SqliteWriter::Finish() {
  if (db_ == nullptr) return status_.ok() ? Status::IOError(path_ + ": not open") : status_;
  if (status_.ok()) {
    for (RecordKind k : kinds_) {
      const Schema& s = SchemaFor(k);
      for (const Column& c : s.columns) {
        if (!c.indexed) continue;
        std::string idx = "idx_" + std::string(s.name) + "_" + std::string(c.name);
        if (!Exec("CREATE INDEX " + Quoted(idx) + " ON " + Quoted(s.name) + " (" + Quoted(c.name) + ")")) break;
      }
    }
  }
  if (status_.ok()) Exec("COMMIT");
  for (sqlite3_stmt*& st : stmts_) {
    if (st) sqlite3_finalize(st);
    st = nullptr;
  }
  if (sqlite3_close(db_) != SQLITE_OK && status_.ok()) status_ = Status::IOError(path_ + ": close failed");
  db_ = nullptr;
  if (status_.ok() && std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
    status_ = Status::IOError(path_ + ": cannot rename " + tmp_path_ + " into place");
  if (!status_.ok()) std::remove(tmp_path_.c_str());
  return status_;
}

}  // namespace maillens::exporter
