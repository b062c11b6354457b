// history_store_test.cc - the history store: Apply adds up, Undo restores
// exactly, Reconcile follows the checkpoint's seq, Prune removes old rows
// only, Series/Top read them back (history/store.h).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "history/store.h"

namespace maillens::history {
namespace {

constexpr int64_t kT0 = 1795341600;  // 2026-11-22 10:00:00 UTC

std::string TempPath(const char* name) {
  std::string p = ::testing::TempDir() + "/maillens_history_" + std::to_string(::getpid()) + "_" + name;
  for (const char* ext : {"", "-wal", "-shm"}) ::unlink((p + ext).c_str());
  return p;
}

// Every row of minutes and hours, as text, in key order.
std::vector<std::string> Dump(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> rows;
  for (const char* q : {"SELECT * FROM minutes ORDER BY minute", "SELECT * FROM hours ORDER BY hour, dim, key"}) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, q, -1, &s, nullptr), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string r;
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        const unsigned char* t = sqlite3_column_text(s, i);
        r += (t ? reinterpret_cast<const char*>(t) : "NULL");
        r += '|';
      }
      rows.push_back(r);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return rows;
}

Delta Sample(int64_t t, uint64_t n, const std::string& domain) {
  Delta d;
  d.minutes[t][Measure::kDelivered] = n;
  d.minutes[t][Measure::kBounced] = 1;
  d.hours[t - t % 3600][static_cast<int>(Dim::kRcptDomain)][domain][Measure::kDelivered] = n;
  d.hours[t - t % 3600][static_cast<int>(Dim::kRcptDomain)][domain][Measure::kBounced] = 1;
  return d;
}

TEST(HistoryStore, ApplyAddsUp) {
  std::string path = TempPath("add");
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 3, "example.org"), 1).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 4, "example.org"), 2).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0 + 60, 5, "example.com"), 3).ok());
  uint64_t seq = 0;
  ASSERT_TRUE(st.Seq(&seq).ok());
  EXPECT_EQ(seq, 3u);
  std::vector<Point> pts;
  ASSERT_TRUE(st.Series(kT0, kT0 + 3600, 60, &pts).ok());
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].t, kT0);
  EXPECT_EQ(pts[0].counts[Measure::kDelivered], 7u);
  EXPECT_EQ(pts[0].counts[Measure::kBounced], 2u);
  EXPECT_EQ(pts[1].counts[Measure::kDelivered], 5u);
  EXPECT_EQ(pts[0].queue_size, -1);
  // Hour step: the hour's totals row.
  ASSERT_TRUE(st.Series(kT0, kT0 + 86400, 3600, &pts).ok());
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].counts[Measure::kDelivered], 12u);
  EXPECT_EQ(pts[0].counts[Measure::kBounced], 3u);
  std::vector<std::pair<std::string, uint64_t>> top;
  ASSERT_TRUE(st.Top(Dim::kRcptDomain, Measure::kDelivered, kT0, kT0 + 3600, 10, &top).ok());
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], std::make_pair(std::string("example.org"), uint64_t{7}));
  EXPECT_EQ(top[1], std::make_pair(std::string("example.com"), uint64_t{5}));
  ASSERT_TRUE(st.Top(Dim::kRcptDomain, Measure::kDelivered, kT0, kT0 + 3600, 1, &top).ok());
  EXPECT_EQ(top.size(), 1u);
  // Queue size: the largest sample of the step, at minute and hour steps.
  ASSERT_TRUE(st.SetQueueSize(kT0 + 120, 9).ok());
  ASSERT_TRUE(st.SetQueueSize(kT0 + 60, 4).ok());
  ASSERT_TRUE(st.Series(kT0, kT0 + 3600, 3600, &pts).ok());
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].queue_size, 9);
  ASSERT_TRUE(st.Series(kT0, kT0 + 3600, 60, &pts).ok());
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_EQ(pts[1].queue_size, 4);
}

TEST(HistoryStore, UndoRestoresExactly) {
  std::string path = TempPath("undo");
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 3, "example.org"), 1).ok());
  std::vector<std::string> before = Dump(path);
  // A second transaction touching an existing row and adding new ones.
  Delta d = Sample(kT0, 4, "example.org");
  d.Add(Sample(kT0 + 7200, 2, "new.example"));
  d.hours[kT0][static_cast<int>(Dim::kSaslUser)]["eve"][Measure::kAuthFailures] = 6;
  ASSERT_TRUE(st.Apply(d, 2).ok());
  EXPECT_NE(Dump(path), before);
  std::string note;
  uint64_t seq = 0;
  ASSERT_TRUE(st.Reconcile(1, &seq, &note).ok());  // the checkpoint says 1: undo 2
  EXPECT_EQ(note, "");
  EXPECT_EQ(seq, 1u);
  EXPECT_EQ(Dump(path), before);
  // Nothing left to undo: the same seq reconciles without a change.
  ASSERT_TRUE(st.Reconcile(1, &seq, &note).ok());
  EXPECT_EQ(Dump(path), before);
  // Too far apart: said, and kept.
  ASSERT_TRUE(st.Reconcile(7, &seq, &note).ok());
  EXPECT_NE(note, "");
  EXPECT_EQ(Dump(path), before);
}

TEST(HistoryStore, FirstStartKilledBeforeFirstCheckpoint) {
  // serve's first transaction, then a kill before any checkpoint file: the
  // checkpoint's seq counts as 0, and the transaction goes.
  std::string path = TempPath("first");
  {
    HistoryStore st;
    ASSERT_TRUE(st.Open(path).ok());
    ASSERT_TRUE(st.Apply(Sample(kT0, 3, "example.org"), 1).ok());
  }
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  uint64_t seq = 9;
  std::string note;
  Status rs = st.Reconcile(0, &seq, &note);
  ASSERT_TRUE(rs.ok()) << rs.message();
  EXPECT_EQ(seq, 0u);
  EXPECT_EQ(note, "");
  EXPECT_TRUE(Dump(path).empty());
}

TEST(HistoryStore, UndoDoesNotBringBackPrunedRows) {
  std::string path = TempPath("undo_pruned");
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 3, "example.org"), 1).ok());
  bool more = true;
  while (more) ASSERT_TRUE(st.Prune(kT0 + 30 * 86400, Retention{14, 14}, 100, &more).ok());
  ASSERT_TRUE(st.Undo().ok());
  EXPECT_TRUE(Dump(path).empty());  // no row with negative counts
  uint64_t seq = 9;
  ASSERT_TRUE(st.Seq(&seq).ok());
  EXPECT_EQ(seq, 0u);
}

TEST(HistoryStore, ImportIsNotUndoable) {
  std::string path = TempPath("import");
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 3, "example.org"), 1).ok());
  ASSERT_TRUE(st.Apply(Sample(kT0, 5, "example.org"), 0, false, {{"import:x", "y"}}).ok());
  std::string v;
  ASSERT_TRUE(st.GetMeta("import:x", &v));
  EXPECT_EQ(v, "y");
  uint64_t seq = 0;
  ASSERT_TRUE(st.Seq(&seq).ok());
  EXPECT_EQ(seq, 1u);  // serve's seq untouched
  std::vector<Point> pts;
  ASSERT_TRUE(st.Series(kT0, kT0 + 60, 60, &pts).ok());
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].counts[Measure::kDelivered], 8u);
}

TEST(HistoryStore, PruneRemovesOldRowsOnly) {
  std::string path = TempPath("prune");
  HistoryStore st;
  ASSERT_TRUE(st.Open(path).ok());
  Retention r{2, 5};  // minutes 2 days, hours 5 days
  int64_t now = kT0 + 10 * 86400;
  Delta d;
  for (int day = 0; day <= 10; ++day) d.Add(Sample(kT0 + day * 86400, 1 + day, "d" + std::to_string(day)));
  ASSERT_TRUE(st.Apply(d, 1).ok());
  bool more = true;
  int calls = 0;
  while (more) {
    ASSERT_TRUE(st.Prune(now, r, 3, &more).ok());
    ASSERT_LT(++calls, 100);
  }
  EXPECT_GT(calls, 2);  // small batches
  std::vector<Point> pts;
  ASSERT_TRUE(st.Series(0, now + 86400, 60, &pts).ok());
  ASSERT_EQ(pts.size(), 3u);  // days 8, 9, 10 (day 8 is exactly 2 days back)
  EXPECT_EQ(pts[0].t, kT0 + 8 * 86400);
  ASSERT_TRUE(st.Series(0, now + 86400, 3600, &pts).ok());
  ASSERT_EQ(pts.size(), 6u);  // days 5..10
  EXPECT_EQ(pts[0].t, kT0 + 5 * 86400);
  EXPECT_EQ(pts[0].counts[Measure::kDelivered], 6u);
  std::vector<std::pair<std::string, uint64_t>> top;
  ASSERT_TRUE(st.Top(Dim::kRcptDomain, Measure::kDelivered, 0, now + 86400, 100, &top).ok());
  EXPECT_EQ(top.size(), 6u);
}

}  // namespace
}  // namespace maillens::history
