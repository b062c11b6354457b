// store.cc - HistoryStore: Deltas into SQLite (store.h).
#include "history/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace maillens::history {

namespace {

constexpr int kMinute = 0, kHour = 1;
constexpr const char* kTotalDim = "total";

// "received, delivered, ..." with `prefix` before each name and `suffix` after.
std::string Columns(const char* prefix = "", const char* suffix = "") {
  std::string s;
  for (int i = 0; i < kMeasureCount; ++i) {
    if (i) s += ", ";
    s += prefix;
    s += MeasureName(static_cast<Measure>(i));
    s += suffix;
  }
  return s;
}

std::string Placeholders(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

// "received = received + excluded.received, ..."
std::string AddExcluded() {
  std::string s;
  for (int i = 0; i < kMeasureCount; ++i) {
    const char* m = MeasureName(static_cast<Measure>(i));
    if (i) s += ", ";
    s += std::string(m) + " = " + m + " + excluded." + m;
  }
  return s;
}

// "received = 0 AND delivered = 0 ..."
std::string AllZero() {
  std::string s;
  for (int i = 0; i < kMeasureCount; ++i) {
    if (i) s += " AND ";
    s += std::string(MeasureName(static_cast<Measure>(i))) + " = 0";
  }
  return s;
}

// Finalizes a statement at the end of a scope.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s) sqlite3_finalize(s);
  }
};

void BindCounts(sqlite3_stmt* s, int first, const Counts& c, int sign) {
  for (int i = 0; i < kMeasureCount; ++i) sqlite3_bind_int64(s, first + i, sign * static_cast<int64_t>(c.n[i]));
}

void ReadCounts(sqlite3_stmt* s, int first, Counts* c) {
  for (int i = 0; i < kMeasureCount; ++i) c->n[i] = static_cast<uint64_t>(sqlite3_column_int64(s, first + i));
}

int64_t Floor(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

}  // namespace

HistoryStore::~HistoryStore() {
  for (sqlite3_stmt* s : {minute_up_, hour_up_, undo_ins_})
    if (s) sqlite3_finalize(s);
  if (db_) sqlite3_close(db_);
}

Status HistoryStore::Fail(const char* what) {
  return Status::IOError(path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "cannot open"));
}

Status HistoryStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
  std::string msg = path_ + ": " + (err ? err : "error") + " (" + std::string(sql).substr(0, 60) + ")";
  sqlite3_free(err);
  return Status::IOError(msg);
}

sqlite3_stmt* HistoryStore::Prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return nullptr;
  return s;
}

Status HistoryStore::Open(const std::string& path) {
  path_ = path;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK)
    return Fail("open");
  sqlite3_busy_timeout(db_, 5000);
  std::string counts = Columns("", " INTEGER NOT NULL DEFAULT 0");
  std::string schema = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                       "CREATE TABLE IF NOT EXISTS minutes(minute INTEGER PRIMARY KEY, " + counts +
                       ", queue_size INTEGER);"
                       "CREATE TABLE IF NOT EXISTS hours(hour INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, " +
                       counts + ", PRIMARY KEY(hour, dim, key)) WITHOUT ROWID;"
                       "CREATE TABLE IF NOT EXISTS undo(kind INTEGER NOT NULL, t INTEGER NOT NULL, dim TEXT NOT NULL, "
                       "key TEXT NOT NULL, " + counts + ");"
                       "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
                       "INSERT OR IGNORE INTO meta VALUES('schema', '1'), ('seq', '0');";
  if (Status s = Exec(schema.c_str()); !s.ok()) return s;
  std::string cols = Columns();
  minute_up_ = Prepare("INSERT INTO minutes(minute, " + cols + ") VALUES(" + Placeholders(1 + kMeasureCount) +
                       ") ON CONFLICT(minute) DO UPDATE SET " + AddExcluded());
  hour_up_ = Prepare("INSERT INTO hours(hour, dim, key, " + cols + ") VALUES(" + Placeholders(3 + kMeasureCount) +
                     ") ON CONFLICT(hour, dim, key) DO UPDATE SET " + AddExcluded());
  undo_ins_ = Prepare("INSERT INTO undo(kind, t, dim, key, " + cols + ") VALUES(" + Placeholders(4 + kMeasureCount) + ")");
  if (!minute_up_ || !hour_up_ || !undo_ins_) return Fail("prepare");
  return Status::OK();
}

void HistoryStore::SetBusyTimeout(int ms) {
  if (db_) sqlite3_busy_timeout(db_, ms);
}

Status HistoryStore::Upsert(int kind, int64_t t, std::string_view dim, std::string_view key, const Counts& c,
                            bool undoable) {
  sqlite3_stmt* s = kind == kMinute ? minute_up_ : hour_up_;
  sqlite3_reset(s);
  sqlite3_bind_int64(s, 1, t);
  int next = 2;
  if (kind == kHour) {
    sqlite3_bind_text(s, 2, dim.data(), static_cast<int>(dim.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 3, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    next = 4;
  }
  BindCounts(s, next, c, 1);
  if (sqlite3_step(s) != SQLITE_DONE) return Fail("upsert");
  if (!undoable) return Status::OK();
  sqlite3_reset(undo_ins_);
  sqlite3_bind_int(undo_ins_, 1, kind);
  sqlite3_bind_int64(undo_ins_, 2, t);
  sqlite3_bind_text(undo_ins_, 3, dim.data(), static_cast<int>(dim.size()), SQLITE_STATIC);
  sqlite3_bind_text(undo_ins_, 4, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  BindCounts(undo_ins_, 5, c, 1);
  if (sqlite3_step(undo_ins_) != SQLITE_DONE) return Fail("undo record");
  return Status::OK();
}

Status HistoryStore::AddDelta(const Delta& d, bool undoable) {
  // The hours' totals, from the minutes (they outlive the minutes table).
  std::map<int64_t, Counts> totals;
  for (const auto& [t, c] : d.minutes) {
    totals[Floor(t, 3600)] += c;
    if (Status s = Upsert(kMinute, t, "", "", c, undoable); !s.ok()) return s;
  }
  for (const auto& [t, c] : totals)
    if (Status s = Upsert(kHour, t, kTotalDim, "", c, undoable); !s.ok()) return s;
  for (const auto& [t, h] : d.hours)
    for (int dim = 0; dim < kDimCount; ++dim)
      for (const auto& [key, c] : h[dim])
        if (Status s = Upsert(kHour, t, DimName(static_cast<Dim>(dim)), key, c, undoable); !s.ok()) return s;
  return Status::OK();
}

Status HistoryStore::Begin() { return Exec("BEGIN IMMEDIATE"); }

Status HistoryStore::Add(const Delta& d) {
  Status s = AddDelta(d, false);
  if (!s.ok()) Rollback();
  return s;
}

Status HistoryStore::Commit(const std::vector<std::pair<std::string, std::string>>& meta) {
  Status s;
  for (const auto& [k, v] : meta)
    if (s.ok()) s = SetMeta(k, v);
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) Rollback();
  return s;
}

void HistoryStore::Rollback() { (void)Exec("ROLLBACK"); }

Status HistoryStore::Apply(const Delta& d, uint64_t seq, bool undoable,
                           const std::vector<std::pair<std::string, std::string>>& meta) {
  if (Status s = Begin(); !s.ok()) return s;
  Status s = undoable ? Exec("DELETE FROM undo") : Status::OK();
  if (s.ok()) s = AddDelta(d, undoable);
  if (s.ok() && undoable) s = SetMeta("seq", std::to_string(seq));
  if (!s.ok()) {
    Rollback();
    return s;
  }
  return Commit(meta);
}

Status HistoryStore::Seq(uint64_t* seq) {
  std::string v;
  *seq = GetMeta("seq", &v) ? std::strtoull(v.c_str(), nullptr, 10) : 0;
  return Status::OK();
}

Status HistoryStore::Undo() {
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Stmt count;
  count.s = Prepare("SELECT COUNT(*) FROM undo");
  Status s = count.s && sqlite3_step(count.s) == SQLITE_ROW ? Status::OK() : Fail("read undo");
  if (s.ok() && sqlite3_column_int64(count.s, 0) > 0) {
    // Only rows that are there are updated: one pruned meanwhile is not
    // brought back with negative counts.
    auto sub = [](const char* table) {
      std::string out;
      for (int i = 0; i < kMeasureCount; ++i) {
        const char* m = MeasureName(static_cast<Measure>(i));
        out += std::string(i ? ", " : "") + m + " = " + table + "." + m + " - u." + m;
      }
      return out;
    };
    std::string zero = AllZero();
    s = Exec(("UPDATE minutes SET " + sub("minutes") + " FROM undo AS u WHERE u.kind = 0 AND minutes.minute = u.t;"
              "UPDATE hours SET " + sub("hours") + " FROM undo AS u WHERE u.kind = 1 AND hours.hour = u.t "
              "AND hours.dim = u.dim AND hours.key = u.key;"
              "DELETE FROM minutes WHERE minute IN (SELECT t FROM undo WHERE kind = 0) AND queue_size IS NULL AND " +
              zero + ";"
              "DELETE FROM hours WHERE (hour, dim, key) IN (SELECT t, dim, key FROM undo WHERE kind = 1) AND " + zero +
              "; DELETE FROM undo;")
                 .c_str());
    uint64_t seq = 0;
    if (s.ok()) s = Seq(&seq);
    if (s.ok() && seq > 0) s = SetMeta("seq", std::to_string(seq - 1));
  }
  if (!s.ok()) {
    Rollback();
    return s;
  }
  return Exec("COMMIT");
}

Status HistoryStore::Reconcile(uint64_t checkpoint_seq, uint64_t* seq, std::string* note) {
  note->clear();
  if (Status s = Seq(seq); !s.ok()) return s;
  if (*seq == checkpoint_seq) return Status::OK();
  if (*seq == checkpoint_seq + 1) {
    if (Status s = Undo(); !s.ok()) return s;
    return Seq(seq);
  }
  *note = "the history store is at transaction " + std::to_string(*seq) + ", the checkpoint at " +
          std::to_string(checkpoint_seq) +
          " (another store or checkpoint?): kept as it is, minutes since the checkpoint may be counted twice or missing";
  return Status::OK();
}

Status HistoryStore::SetQueueSize(int64_t minute, int64_t size) {
  Stmt st;
  st.s = Prepare("INSERT INTO minutes(minute, queue_size) VALUES(?, ?) "
                 "ON CONFLICT(minute) DO UPDATE SET queue_size = excluded.queue_size");
  if (!st.s) return Fail("prepare");
  sqlite3_bind_int64(st.s, 1, minute);
  sqlite3_bind_int64(st.s, 2, size);
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::OK() : Fail("queue size");
}

Status HistoryStore::Prune(int64_t now, const Retention& r, int batch, bool* more) {
  *more = false;
  struct Target {
    const char* sql;
    int64_t before;
  } targets[] = {
      {"DELETE FROM minutes WHERE minute IN (SELECT minute FROM minutes WHERE minute < ?1 LIMIT ?2)",
       now - r.minutes_days * 86400},
      {"DELETE FROM hours WHERE (hour, dim, key) IN (SELECT hour, dim, key FROM hours WHERE hour < ?1 LIMIT ?2)",
       now - r.hours_days * 86400},
  };
  for (const Target& t : targets) {
    Stmt st;
    st.s = Prepare(t.sql);
    if (!st.s) return Fail("prepare");
    sqlite3_bind_int64(st.s, 1, t.before);
    sqlite3_bind_int(st.s, 2, batch);
    if (sqlite3_step(st.s) != SQLITE_DONE) return Fail("prune");
    int n = sqlite3_changes(db_);
    if (n >= batch) {
      *more = true;
      return Status::OK();  // one batch per call
    }
    batch -= n;
  }
  return Status::OK();
}

Status HistoryStore::Series(int64_t from, int64_t until, int64_t step, std::vector<Point>* out) {
  out->clear();
  if (step < 60 || step % 60 != 0) return Status::InvalidArgument("step must be a multiple of 60 seconds");
  bool from_hours = step % 3600 == 0;
  if (step == 60) {  // the rows as they are: no grouping (14 days: 20,160 rows)
    Stmt st;
    st.s = Prepare("SELECT minute, " + Columns() + ", queue_size FROM minutes WHERE minute >= ?1 AND minute < ?2 "
                   "ORDER BY minute");
    if (!st.s) return Fail("prepare");
    sqlite3_bind_int64(st.s, 1, from);
    sqlite3_bind_int64(st.s, 2, until);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      Point& p = out->emplace_back();
      p.t = sqlite3_column_int64(st.s, 0);
      ReadCounts(st.s, 1, &p.counts);
      if (sqlite3_column_type(st.s, 1 + kMeasureCount) != SQLITE_NULL)
        p.queue_size = sqlite3_column_int64(st.s, 1 + kMeasureCount);
    }
    return rc == SQLITE_DONE ? Status::OK() : Fail("series");
  }
  std::map<int64_t, Point> points;
  std::string sums = Columns("SUM(", ")");
  std::string counts_sql =
      from_hours ? "WITH RECURSIVE h(x) AS (SELECT ?4 UNION ALL SELECT x + 3600 FROM h WHERE x + 3600 < ?5) "
                   "SELECT hour - ((hour % ?1) + ?1) % ?1 AS b, " + sums +
                       ", NULL FROM h JOIN hours ON hour = x AND dim = 'total' AND key = '' "
                       "WHERE hour >= ?2 AND hour < ?3 GROUP BY b ORDER BY b"
                 : "SELECT minute - ((minute % ?1) + ?1) % ?1 AS b, " + sums +
                       ", MAX(queue_size) FROM minutes WHERE minute >= ?2 AND minute < ?3 GROUP BY b ORDER BY b";
  std::vector<std::string> queries = {counts_sql};
  if (from_hours)
    queries.push_back("SELECT minute - ((minute % ?1) + ?1) % ?1 AS b, " + Columns("0 * ") +
                      ", MAX(queue_size) FROM minutes WHERE minute >= ?2 AND minute < ?3 AND queue_size IS NOT NULL "
                      "GROUP BY b ORDER BY b");
  for (const std::string& q : queries) {
    Stmt st;
    st.s = Prepare(q);
    if (!st.s) return Fail("prepare");
    sqlite3_bind_int64(st.s, 1, step);
    sqlite3_bind_int64(st.s, 2, from);
    sqlite3_bind_int64(st.s, 3, until);
    if (from_hours) {  // the hours held in the range, one primary-key seek each (as in Top)
      int64_t first = 0, last = 0;
      if (!Extent(&first, &last)) return Status::OK();
      sqlite3_bind_int64(st.s, 4, std::max(first, Floor(from, 3600)));
      sqlite3_bind_int64(st.s, 5, std::min(until, last + 3600));
    }
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
      int64_t b = sqlite3_column_int64(st.s, 0);
      Point& p = points[b];
      p.t = b;
      Counts c;
      ReadCounts(st.s, 1, &c);
      p.counts += c;
      if (sqlite3_column_type(st.s, 1 + kMeasureCount) != SQLITE_NULL)
        p.queue_size = std::max<int64_t>(p.queue_size, sqlite3_column_int64(st.s, 1 + kMeasureCount));
    }
    if (rc != SQLITE_DONE) return Fail("series");
  }
  out->reserve(points.size());
  for (auto& [t, p] : points) out->push_back(p);
  return Status::OK();
}

Status HistoryStore::Top(Dim dim, Measure measure, int64_t from, int64_t until, int limit,
                         std::vector<std::pair<std::string, uint64_t>>* out) {
  out->clear();
  int64_t first = 0, last = 0;
  if (!Extent(&first, &last)) return Status::OK();
  from = std::max(from, first);  // the hours held, not every hour since 1970
  until = std::min(until, last + 3600);
  std::string m = MeasureName(measure);
  Stmt st;
  // One primary-key seek per (hour, dim) of the range: no index on dim
  // needed (it would double the cost of every Apply).
  st.s = Prepare("WITH RECURSIVE h(x) AS (SELECT ?2 UNION ALL SELECT x + 3600 FROM h WHERE x + 3600 < ?3) "
                 "SELECT key, SUM(" + m + ") AS n FROM h JOIN hours ON hours.hour = h.x AND hours.dim = ?1 "
                 "GROUP BY key HAVING n > 0 ORDER BY n DESC, key LIMIT ?4");
  if (!st.s) return Fail("prepare");
  sqlite3_bind_text(st.s, 1, DimName(dim), -1, SQLITE_STATIC);
  sqlite3_bind_int64(st.s, 2, Floor(from, 3600) + (from % 3600 != 0 ? 3600 : 0));  // hours starting in the range
  sqlite3_bind_int64(st.s, 3, until);
  sqlite3_bind_int(st.s, 4, limit);
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    const unsigned char* k = sqlite3_column_text(st.s, 0);
    out->emplace_back(std::string(k ? reinterpret_cast<const char*>(k) : "",
                                  static_cast<size_t>(sqlite3_column_bytes(st.s, 0))),
                      static_cast<uint64_t>(sqlite3_column_int64(st.s, 1)));
  }
  return rc == SQLITE_DONE ? Status::OK() : Fail("top");
}

bool HistoryStore::Extent(int64_t* first, int64_t* last) {
  Stmt st;
  // Two primary-key lookups (a WHERE would make it a scan).
  st.s = Prepare("SELECT (SELECT MIN(hour) FROM hours), (SELECT MAX(hour) FROM hours)");
  if (!st.s || sqlite3_step(st.s) != SQLITE_ROW || sqlite3_column_type(st.s, 0) == SQLITE_NULL) return false;
  *first = sqlite3_column_int64(st.s, 0);
  *last = sqlite3_column_int64(st.s, 1);
  return true;
}

bool HistoryStore::GetMeta(std::string_view key, std::string* value) {
  Stmt st;
  st.s = Prepare("SELECT value FROM meta WHERE key = ?");
  if (!st.s) return false;
  sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  if (sqlite3_step(st.s) != SQLITE_ROW) return false;
  const unsigned char* v = sqlite3_column_text(st.s, 0);
  value->assign(v ? reinterpret_cast<const char*>(v) : "", static_cast<size_t>(sqlite3_column_bytes(st.s, 0)));
  return true;
}

Status HistoryStore::SetMeta(std::string_view key, std::string_view value) {
  Stmt st;
  st.s = Prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!st.s) return Fail("prepare");
  sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(st.s, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  return sqlite3_step(st.s) == SQLITE_DONE ? Status::OK() : Fail("meta");
}

}  // namespace maillens::history
