// prune_test.cc - what `maillens prune` removes: BanEngine::Prune and
// PruneCheckpoint (guard's records older than a time; nothing else).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "guard/ban_engine.h"
#include "serve/checkpoint.h"

namespace maillens {
namespace {

// Before 1000: the ticket of .1, the ended ban of .3, and the ban counts of
// .1 and .3 (nothing else left of them). Kept: .2's recent ticket, .4's
// running (permanent) ban, .5's recently ended ban, their counts.
constexpr char kState[] =
    "guard-state 1\n"
    "T 192.0.2.1 100 200 3\n"
    "T 192.0.2.2 900 1500 2\n"
    "B 192.0.2.3 100 700 5 1\n"
    "A 192.0.2.4 100 -1 5 1\n"
    "B 192.0.2.5 1200 1300 5 2\n"
    "N 192.0.2.1 2\n"
    "N 192.0.2.3 1\n"
    "N 192.0.2.4 1\n"
    "N 192.0.2.5 2\n";

std::string Sorted(std::string s) {
  std::vector<std::string> lines;
  for (size_t p = 0; p < s.size();) {
    size_t nl = s.find('\n', p);
    lines.push_back(s.substr(p, nl - p));
    p = nl + 1;
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST(Prune, BanEngineForgetsOldTicketsEndedBansAndTheirCounts) {
  guard::BanEngine e{guard::BanPolicy{}};
  ASSERT_TRUE(e.Load(kState).ok());
  EXPECT_EQ(e.Prune(1000), 4u);
  EXPECT_EQ(Sorted(e.Save()), Sorted("guard-state 1\n"
                                     "T 192.0.2.2 900 1500 2\n"
                                     "A 192.0.2.4 100 -1 5 1\n"
                                     "B 192.0.2.5 1200 1300 5 2\n"
                                     "N 192.0.2.4 1\n"
                                     "N 192.0.2.5 2\n"));
  EXPECT_TRUE(e.IsBanned("192.0.2.4", 5000));  // the running ban still runs
  EXPECT_EQ(e.Prune(1000), 0u);
}

TEST(Prune, CheckpointLosesOnlyOldGuardRecords) {
  char path[] = "/tmp/prune_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  CheckpointSections in{{"follow", "positions"}, {"guard", kState}, {"sink:alerts", "windows"}, {"serve", "1 2 3"}};
  ASSERT_TRUE(WriteCheckpoint(path, in).ok());
  size_t removed = 0;
  ASSERT_TRUE(PruneCheckpoint(path, 1000, false, &removed).ok());  // a dry run
  EXPECT_EQ(removed, 4u);
  CheckpointSections out;
  ASSERT_TRUE(ReadCheckpoint(path, &out).ok());
  EXPECT_EQ(out, in);
  ASSERT_TRUE(PruneCheckpoint(path, 1000, true, &removed).ok());
  EXPECT_EQ(removed, 4u);
  ASSERT_TRUE(ReadCheckpoint(path, &out).ok());
  EXPECT_EQ(out.size(), in.size());
  EXPECT_EQ(out["follow"], "positions");
  EXPECT_EQ(out["sink:alerts"], "windows");
  EXPECT_EQ(out["serve"], "1 2 3");
  EXPECT_EQ(out["guard"].find("192.0.2.1"), std::string::npos);
  EXPECT_NE(out["guard"].find("A 192.0.2.4"), std::string::npos);
  ASSERT_TRUE(PruneCheckpoint(path, 1000, true, &removed).ok());
  EXPECT_EQ(removed, 0u);
  std::remove(path);
}

}  // namespace
}  // namespace maillens
