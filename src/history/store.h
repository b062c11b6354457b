// store.h - the history store: Bucketer Deltas (series.h) added up in one
// SQLite file, for serve's /api/history, `maillens history` and whoever
// reads the series later.
//
// Tables (doc/history.md):
//   minutes(minute PRIMARY KEY, received, delivered, ..., auth_failures,
//           queue_size)                 totals per minute; queue_size NULL
//                                       when no queue snapshot was taken
//   hours(hour, dim, key, received, ..., PRIMARY KEY(hour, dim, key))
//                                       counts per key (series.h's Dims by
//                                       DimName) and dim 'total' key '' (the
//                                       hour's totals, which outlive minutes)
//   undo(kind, t, dim, key, counts...)  the rows the last Apply() added
//   meta(key PRIMARY KEY, value)        "seq", "import:<id>" records, ...
// WAL, synchronous=NORMAL.
//
// Checkpoint consistency (serve): Apply(delta, seq) adds a Delta and sets
// meta.seq = seq in ONE transaction, keeping what it added in `undo`; serve
// then writes its checkpoint with that seq. Reconcile(checkpoint_seq) at
// start: when the store is one ahead (killed between the two writes) the
// last Apply is subtracted again (Undo), so the re-read lines count once.
//
// Thread safety: one thread at a time per HistoryStore; several stores may
// open the same file (SQLite's locking; WAL lets readers run beside the
// writer). Rows are returned by value.
#ifndef MAILLENS_HISTORY_STORE_H_
#define MAILLENS_HISTORY_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "history/series.h"
#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace maillens::history {

struct Retention {
  int64_t minutes_days = 14;
  int64_t hours_days = 400;
};

// One step of a series: its start, the totals, the queue size (the largest
// sample in the step; -1 when none).
struct Point {
  int64_t t = 0;
  Counts counts;
  int64_t queue_size = -1;
};

class HistoryStore {
 public:
  HistoryStore() = default;
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // Opens (creating when missing) the store at `path`.
  Status Open(const std::string& path);
  const std::string& path() const { return path_; }
  // How long a write waits for another writer's lock (default 5000 ms).
  void SetBusyTimeout(int ms);

  // Adds `d` to the stored rows in one transaction. With `undoable`, the
  // rows it adds replace the undo table and meta.seq becomes `seq` (serve);
  // without (import), undo and seq are left alone. `meta` pairs are written
  // in the same transaction (import's input records).
  Status Apply(const Delta& d, uint64_t seq, bool undoable = true,
               const std::vector<std::pair<std::string, std::string>>& meta = {});
  // One transaction over several Deltas (import: each added while the rest
  // of the log is still being read): Begin(), Add()..., Commit(meta). Not
  // undoable, seq untouched; a failed Add or Commit rolls back everything.
  Status Begin();
  Status Add(const Delta& d);
  Status Commit(const std::vector<std::pair<std::string, std::string>>& meta);
  void Rollback();

  // meta.seq (0 for a new store).
  Status Seq(uint64_t* seq);
  // Subtracts the undo rows and sets meta.seq one back, in one transaction;
  // rows left all zero (and without a queue size) are deleted. Nothing to
  // undo: OK, nothing changes.
  Status Undo();
  // What serve does at start with its checkpoint's seq: equal -> nothing;
  // store one ahead -> Undo(); else *note says what does not fit (the store
  // is kept as it is). *seq receives the store's seq afterwards.
  Status Reconcile(uint64_t checkpoint_seq, uint64_t* seq, std::string* note);

  // Sets minutes.queue_size of `minute` (creating the row when missing).
  Status SetQueueSize(int64_t minute, int64_t size);
  // Deletes at most `batch` rows older than the retention at `now`
  // (minutes first, then hours); *more: some may be left.
  Status Prune(int64_t now, const Retention& r, int batch, bool* more);

  // The series over [from, until): step 60 reads minutes, 3600 or a multiple
  // reads the hours' totals (queue size from minutes). Only steps with rows.
  Status Series(int64_t from, int64_t until, int64_t step, std::vector<Point>* out);
  // The keys of `dim` with the most `measure` over [from, until).
  Status Top(Dim dim, Measure measure, int64_t from, int64_t until, int limit,
             std::vector<std::pair<std::string, uint64_t>>* out);

  // The hours the store holds rows for: [*first, *last + 3600); false
  // when it holds none.
  bool Extent(int64_t* first, int64_t* last);

  // meta; Get returns false when the key is missing.
  bool GetMeta(std::string_view key, std::string* value);
  Status SetMeta(std::string_view key, std::string_view value);

 private:
  Status Exec(const char* sql);
  Status Fail(const char* what);
  sqlite3_stmt* Prepare(const std::string& sql);
  Status AddDelta(const Delta& d, bool undoable);
  Status Upsert(int kind, int64_t t, std::string_view dim, std::string_view key, const Counts& c, bool undoable);

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* minute_up_ = nullptr;
  sqlite3_stmt* hour_up_ = nullptr;
  sqlite3_stmt* undo_ins_ = nullptr;
};

}  // namespace maillens::history

#endif  // MAILLENS_HISTORY_STORE_H_
