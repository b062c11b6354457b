// export_writers_test.cc - the export value formats: ISO times with offsets,
// JSON lines, CSV (RFC 4180, formula neutralising, UTF-8), SQLite, and the
// helpers under them (ByteBuffer, WriteJsonString, AppendValidUtf8).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "export/byte_buffer.h"
#include "export/clickhouse_writer.h"
#include "export/json_row.h"
#include "export/output_file.h"
#include "export/row_writer.h"
#include "export/sqlite_writer.h"
#include "export/text_writers.h"
#include "util/json_writer.h"
#include "util/text_escape.h"

namespace maillens::exporter {
namespace {

std::string Iso(int64_t epoch, int32_t offset, int32_t usec = 0) {
  std::string s;
  AppendIsoTime(&s, Timestamp{epoch, offset, usec});
  return s;
}

TEST(ExportTime, IsoWithOffset) {
  EXPECT_EQ(Iso(0, 0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(Iso(1795330815, 0), "2026-11-22T07:00:15+00:00");
  EXPECT_EQ(Iso(1795330815, 3600), "2026-11-22T08:00:15+01:00");
  EXPECT_EQ(Iso(1795330815, -5 * 3600 - 1800), "2026-11-22T01:30:15-05:30");
  EXPECT_EQ(Iso(1795330815, 0, 185246), "2026-11-22T07:00:15.185246+00:00");
  EXPECT_EQ(Iso(1795330815, 0, 7), "2026-11-22T07:00:15.000007+00:00");
  EXPECT_EQ(Iso(951782400, 0), "2000-02-29T00:00:00+00:00");  // leap day
  EXPECT_EQ(Iso(1709251199, 0), "2024-02-29T23:59:59+00:00");
  EXPECT_EQ(Iso(-1, 0), "1969-12-31T23:59:59+00:00");
}

TEST(ExportTime, TimestampOfHeader) {
  SyslogHeader h;
  h.year = 2026, h.month = 11, h.day = 22, h.hour = 8, h.minute = 0, h.second = 15;
  h.date = DaysFromCivil(2026, 11, 22);
  h.epoch = 1795330815;  // 07:00:15 UTC: the line was written at +01:00
  h.usec = 12;
  Timestamp t = TimestampOf(h);
  EXPECT_EQ(t.offset, 3600);
  EXPECT_EQ(t.usec, 12);
  std::string s;
  AppendIsoTime(&s, t);
  EXPECT_EQ(s, "2026-11-22T08:00:15.000012+01:00");
}

TEST(ExportValues, PlainDecimal) {
  for (const char* ok : {"0", "12", "0.5", "1.25", "3413"}) EXPECT_TRUE(IsPlainDecimal(ok)) << ok;
  for (const char* bad : {"", ".5", "5.", "1e5", "-1", "1.2.3", "0x1", " 1", "1 "})
    EXPECT_FALSE(IsPlainDecimal(bad)) << bad;
}

TEST(ExportValues, ByteBufferGrows) {
  ByteBuffer b(4);
  std::string want;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    b.Append(piece);
    want += piece;
  }
  char* p = b.Reserve(3);
  p[0] = 'x', p[1] = 'y';
  b.Commit(p + 2);
  want += "xy";
  EXPECT_EQ(b.view(), want);
  b.clear();
  EXPECT_TRUE(b.empty());
}

// WriteJsonString against a byte-at-a-time reference, on strings long enough
// for the 16-byte path, with the special byte at every position.
std::string ReferenceJson(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
  }
  return out + "\"";
}

TEST(ExportValues, JsonStringAllPaths) {
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x7f", "\xff", "\xc3\xa9", "\xe4\xb8\xad",
                                  "\xf0\x9f\x98\x80",
                                  "\xed\xa0\x80" /* surrogate */, "\xc0\xaf" /* overlong */};
  for (const std::string& sp : specials) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string s(40, 'a');
      s.insert(pos, sp);
      std::string got;
      AppendJsonString(&got, s);
      ASSERT_EQ(got, ReferenceJson(s)) << "special at " << pos;
      std::string big = s + std::string(100, 'b') + s;  // the resize path
      got.clear();
      AppendJsonString(&got, big);
      ASSERT_EQ(got, ReferenceJson(big));
    }
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 90, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 26);
    std::string got;
    AppendJsonString(&got, s);
    ASSERT_EQ(got, ReferenceJson(s));
  }
}

TEST(ExportValues, ValidUtf8) {
  std::string out;
  AppendValidUtf8(&out, "ok \xc3\xa9 bad \xff\xfe end \xe4\xb8");
  EXPECT_EQ(out, "ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(IsAscii("plain ascii, long enough for words"));
  EXPECT_FALSE(IsAscii("plain ascii, long enough for \x80 words"));
  EXPECT_FALSE(IsAscii("\xc3\xa9"));
  EXPECT_TRUE(IsAscii(""));
}

TEST(ExportValues, CsvCellAppends) {
  std::string out = "x,";
  AppendCsvCell(&out, "=1+2");
  out += ',';
  AppendCsvCell(&out, "a\"b,c");
  out += ',';
  AppendCsvCell(&out, "-\"q\"");
  EXPECT_EQ(out, "x,'=1+2,\"a\"\"b,c\",\"'-\"\"q\"\"\"");
}

// Writes one deliveries-shaped row of every value type through `w`.
void WriteRow(RowWriter* w, std::string_view to) {
  w->BeginRow(RecordKind::kDeliveries);
  w->Time(Timestamp{1795330815, 3600, 0});
  w->Text("mx");
  w->Text("4FC2DA8A4A9");
  w->Text("<id@x>");
  w->Null();  // from
  w->Text(to);
  w->Text("");
  w->Text("mx.example.net[192.0.2.1]:25");
  w->Real("0.5", 0.5);
  w->Real("", 0.25);
  w->Real("0", 0);
  w->Null();
  w->Null();
  w->Text("2.0.0");
  w->Text("sent");
  w->Text("250 ok");
  w->Int(-1);
  w->Text("");
  w->Text("");
  w->Text("smtp");
  w->Text("");
  w->Bool(false);  // sender_known (from is null)
  w->Text("x");     // recipient_domain
  w->EndRow();
}

std::string TempPath(const char* name) {
  return ::testing::TempDir() + "/maillens_export_" + std::to_string(::getpid()) + "_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(ExportWriters, JsonLines) {
  std::string path = TempPath("rows.jsonl");
  OutputFile f;
  ASSERT_TRUE(f.Open(path).ok());
  JsonlWriter w(RecordKind::kDeliveries, &f);
  EXPECT_TRUE(w.Wants(RecordKind::kDeliveries));
  EXPECT_FALSE(w.Wants(RecordKind::kMessages));
  WriteRow(&w, "a\"b\x01\xff@x");
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_EQ(w.rows(RecordKind::kDeliveries), 1u);
  EXPECT_EQ(ReadFile(path),
            "{\"time\":\"2026-11-22T08:00:15+01:00\",\"host\":\"mx\",\"queue_id\":\"4FC2DA8A4A9\","
            "\"message_id\":\"<id@x>\",\"from\":null,\"to\":\"a\\\"b\\u0001\\ufffd@x\",\"orig_to\":\"\","
            "\"relay\":\"mx.example.net[192.0.2.1]:25\",\"delay\":0.5,\"delay_before_qmgr\":0.25,"
            "\"delay_in_qmgr\":0,\"delay_conn\":null,\"delay_xmit\":null,\"dsn\":\"2.0.0\",\"status\":\"sent\","
            "\"reason\":\"250 ok\",\"size\":-1,\"client\":\"\",\"sasl_user\":\"\",\"daemon\":\"smtp\","
            "\"next_queue_id\":\"\",\"sender_known\":false,\"recipient_domain\":\"x\"}\n");
  std::remove(path.c_str());
}

TEST(ExportWriters, Csv) {
  std::string path = TempPath("rows.csv");
  OutputFile f;
  ASSERT_TRUE(f.Open(path).ok());
  CsvWriter w(RecordKind::kDeliveries, &f);
  WriteRow(&w, "=cmd|' /C calc'!A0");
  WriteRow(&w, "a,b \"q\" \xff");
  ASSERT_TRUE(w.Finish().ok());
  std::string got = ReadFile(path);
  std::string header = got.substr(0, got.find("\r\n"));
  EXPECT_EQ(header.rfind("time,host,queue_id,message_id,from,to,orig_to,relay,delay,", 0), 0u) << header;
  EXPECT_NE(got.find("\r\n2026-11-22T08:00:15+01:00,mx,4FC2DA8A4A9,<id@x>,,'=cmd|' /C calc'!A0,,"
                     "mx.example.net[192.0.2.1]:25,0.5,0.25,0,,,2.0.0,sent,250 ok,-1,,,smtp,,0,x\r\n"),
            std::string::npos)
      << got;
  EXPECT_NE(got.find(",\"a,b \"\"q\"\" \xef\xbf\xbd\","), std::string::npos) << got;
  std::remove(path.c_str());
}

TEST(ExportWriters, OutputFileErrors) {
  OutputFile f;
  Status st = f.Open("/nonexistent-dir/x.csv");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/nonexistent-dir/x.csv"), std::string_view::npos);
  OutputFile full;
  if (full.Open("/dev/full").ok()) {  // writes fail with ENOSPC
    full.buffer().Append("x");
    EXPECT_FALSE(full.Close().ok());
  }
}

TEST(ExportWriters, Sqlite) {
  std::string path = TempPath("rows.db");
  {
    SqliteWriter w;
    ASSERT_TRUE(w.Open(path, {RecordKind::kDeliveries}).ok());
    EXPECT_FALSE(w.Wants(RecordKind::kMessages));
    WriteRow(&w, "bob@x");
    WriteRow(&w, "bad\xff");
    ASSERT_TRUE(w.Finish().ok());
    EXPECT_EQ(w.rows(RecordKind::kDeliveries), 2u);
  }
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0) << "temporary file left";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT time, \"from\", \"to\", delay, size FROM deliveries ORDER BY rowid", -1,
                               &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "2026-11-22T08:00:15+01:00");
  EXPECT_EQ(sqlite3_column_type(st, 1), SQLITE_NULL);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)), "bob@x");
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 3), 0.5);
  EXPECT_EQ(sqlite3_column_int64(st, 4), -1);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)), "bad\xef\xbf\xbd");
  EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = "
                                   "'idx_deliveries_to'", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::remove(path.c_str());
}

TEST(ExportWriters, SqliteUnfinishedLeavesNoFile) {
  std::string path = TempPath("partial.db");
  {
    SqliteWriter w;
    ASSERT_TRUE(w.Open(path, {RecordKind::kDeliveries}).ok());
    WriteRow(&w, "bob@x");
  }  // destroyed without Finish()
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  EXPECT_NE(access((path + ".tmp").c_str(), F_OK), 0);
  SqliteWriter bad;
  EXPECT_FALSE(bad.Open("/nonexistent-dir/x.db", {RecordKind::kDeliveries}).ok());
}

}  // namespace
}  // namespace maillens::exporter

namespace maillens::exporter {
namespace {

// Reads RowBinary values back (little-endian, LEB128 lengths).
struct RowBinaryReader {
  std::string_view b;
  size_t pos = 0;
  template <typename T>
  T Fixed() {
    T v;
    std::memcpy(&v, b.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string String() {
    uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t c = static_cast<uint8_t>(b[pos++]);
      n |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) break;
    }
    std::string s(b.substr(pos, n));
    pos += n;
    return s;
  }
};

TEST(ExportWriters, ClickHouseRowBinary) {
  ClickHouseWriter w(ClickHouseOptions{});
  WriteRow(&w, "a\"b\x01\xff@x");
  RowBinaryReader r{w.buffered(RecordKind::kDeliveries)};
  EXPECT_EQ(r.Fixed<uint32_t>(), 1795330815u);  // time: 2026-11-22T08:00:15+01:00
  EXPECT_EQ(r.Fixed<uint32_t>(), 0u);           // time_us
  EXPECT_EQ(r.Fixed<int32_t>(), 3600);          // time_offset
  EXPECT_EQ(r.String(), "mx");
  EXPECT_EQ(r.String(), "4FC2DA8A4A9");
  EXPECT_EQ(r.String(), "<id@x>");
  EXPECT_EQ(r.Fixed<uint8_t>(), 1u);  // from: null
  EXPECT_EQ(r.String(), "a\"b\x01\xef\xbf\xbd@x");  // valid UTF-8, as every format has it
  EXPECT_EQ(r.String(), "");
  EXPECT_EQ(r.String(), "mx.example.net[192.0.2.1]:25");
  EXPECT_EQ(r.Fixed<uint8_t>(), 0u);  // delay: not null
  EXPECT_EQ(r.Fixed<double>(), 0.5);
  r.pos = r.b.size() - 8;
  uint64_t key1 = r.Fixed<uint64_t>();
  // The same row again: a distinct record, a distinct key; a second writer
  // given the same rows gives the same keys (a resend dedupes).
  WriteRow(&w, "a\"b\x01\xff@x");
  std::string_view both = w.buffered(RecordKind::kDeliveries);
  ASSERT_EQ(both.size(), 2 * r.b.size());
  uint64_t key2;
  std::memcpy(&key2, both.data() + both.size() - 8, 8);
  EXPECT_NE(key1, key2);
  EXPECT_EQ(both.substr(0, r.b.size() - 8), both.substr(r.b.size(), r.b.size() - 8));
  ClickHouseWriter again(ClickHouseOptions{});
  WriteRow(&again, "a\"b\x01\xff@x");
  WriteRow(&again, "a\"b\x01\xff@x");
  EXPECT_EQ(again.buffered(RecordKind::kDeliveries), both);
}

}  // namespace
}  // namespace maillens::exporter
