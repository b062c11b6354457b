// ship_spool_test.cc - the shipper's on-disk spool (ship/spool.h): order,
// acknowledgement, torn and corrupt records, uncommitted batches, size limit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "ship/spool.h"

namespace maillens::ship {
namespace {

std::string TempDir(const char* name) {
  std::string d = ::testing::TempDir() + "/maillens_spool_" + std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(d);
  return d;
}

SpoolRecord Rec(uint64_t seq, const std::string& payload, uint32_t rows = 1) {
  SpoolRecord r;
  r.seq = seq;
  r.kind = 1;
  r.rows = rows;
  r.payload = payload;
  return r;
}

std::string FrontPayload(Spool* s) {
  std::optional<SpoolRecord> r;
  EXPECT_TRUE(s->Front(&r).ok());
  return r ? r->payload : "<none>";
}

// Front() then PopFront(): what the sender does with each batch.
void Ack(Spool* s) {
  std::optional<SpoolRecord> r;
  ASSERT_TRUE(s->Front(&r).ok());
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(s->PopFront().ok());
}

TEST(Spool, KeepsOrderAcrossRestartsAndForgetsWhatIsAcknowledged) {
  SpoolOptions o;
  o.dir = TempDir("order");
  o.segment_bytes = 100;  // a few records per segment
  {
    Spool s(o);
    ASSERT_TRUE(s.Open(0).ok());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(s.Append(Rec(1, "batch-" + std::to_string(i) + std::string(20, 'x'))).ok());
    EXPECT_EQ(s.stats().records, 6u);
    EXPECT_EQ(FrontPayload(&s).substr(0, 7), "batch-0");
    ASSERT_TRUE(s.PopFront().ok());
    Ack(&s);
  }
  Spool s(o);
  ASSERT_TRUE(s.Open(1).ok());
  EXPECT_EQ(s.stats().records, 4u);
  EXPECT_EQ(FrontPayload(&s).substr(0, 7), "batch-2");
  while (s.stats().records > 0) Ack(&s);
  std::optional<SpoolRecord> none;
  ASSERT_TRUE(s.Front(&none).ok());
  EXPECT_FALSE(none.has_value());
  // Fully acknowledged segments are gone: only the one being written is left.
  int segs = 0;
  for (const auto& e : std::filesystem::directory_iterator(o.dir)) segs += e.path().extension() == ".seg";
  EXPECT_EQ(segs, 1);
}

TEST(Spool, SkipsTornAndCorruptRecordsAndCutsUncommittedOnes) {
  SpoolOptions o;
  o.dir = TempDir("corrupt");
  {
    Spool s(o);
    ASSERT_TRUE(s.Open(0).ok());
    ASSERT_TRUE(s.Append(Rec(1, "first")).ok());
    ASSERT_TRUE(s.Append(Rec(1, "second-will-be-damaged")).ok());
    ASSERT_TRUE(s.Append(Rec(2, "third")).ok());
    ASSERT_TRUE(s.Append(Rec(3, "uncommitted")).ok());
  }
  std::string seg = o.dir + "/00000000.seg";
  {  // flip a payload byte of the second record (32-byte header + "first")
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(32 + 5 + 32 + 3);
    f.put('#');
  }
  {  // and a torn record at the end (power loss mid-append)
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f << "MLSP\x40";
  }
  Spool s(o);
  ASSERT_TRUE(s.Open(2).ok());  // the checkpoint names seq 2: "uncommitted" is cut
  SpoolStats st = s.stats();
  EXPECT_EQ(st.records, 2u);
  EXPECT_EQ(st.corrupt_records, 1u);
  EXPECT_EQ(st.cut_records, 1u);
  EXPECT_EQ(FrontPayload(&s), "first");
  ASSERT_TRUE(s.PopFront().ok());
  ASSERT_TRUE(s.PopFront().ok());  // a second acknowledgement of the same record takes nothing else
  EXPECT_EQ(FrontPayload(&s), "third");
  ASSERT_TRUE(s.PopFront().ok());
  EXPECT_EQ(s.stats().records, 0u);
  // Appends after the repair are readable after the next restart.
  ASSERT_TRUE(s.Append(Rec(3, "fourth")).ok());
  Spool again(o);
  ASSERT_TRUE(again.Open(3).ok());
  EXPECT_EQ(again.stats().records, 1u);
  EXPECT_EQ(FrontPayload(&again), "fourth");
  EXPECT_EQ(again.stats().corrupt_records, 0u);
}

TEST(Spool, DropsTheOldestSegmentWhenFull) {
  SpoolOptions o;
  o.dir = TempDir("full");
  o.segment_bytes = 200;
  o.max_bytes = 500;
  Spool s(o);
  ASSERT_TRUE(s.Open(0).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.Append(Rec(1, std::to_string(i) + std::string(60, 'y'), 10)).ok());
  SpoolStats st = s.stats();
  EXPECT_LE(st.bytes, 500u);
  EXPECT_GT(st.dropped_records, 0u);
  EXPECT_EQ(st.dropped_rows, 10 * st.dropped_records);
  EXPECT_EQ(st.records + st.dropped_records, 20u);
  // The oldest went: what is left is the newest, in order.
  EXPECT_EQ(FrontPayload(&s).substr(0, 2), std::to_string(st.dropped_records).substr(0, 2));
}

}  // namespace
}  // namespace maillens::ship
