// follow_test.cc - the Follower on real files: appends, partial lines,
// rename rotation, copytruncate, late files, globs, restarts from a saved
// state across rotations.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "follow/follower.h"

namespace maillens {
namespace {

class FollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/maillens-follow-XXXXXX";
    dir_ = mkdtemp(tmpl);
    log_ = dir_ + "/mail.log";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  void Append(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << text;
  }
  // Polls until nothing new comes (a few rounds: rotation checks are per call).
  std::vector<std::string> PollAll(Follower* fo) {
    std::vector<std::string> got;
    for (int i = 0; i < 3; ++i) fo->Poll([&got](std::string_view l) { got.emplace_back(l); });
    return got;
  }
  void Rename(const std::string& from, const std::string& to) { ASSERT_EQ(std::rename(from.c_str(), to.c_str()), 0); }
  void CopyTruncate(const std::string& path, const std::string& copy) {
    ASSERT_EQ(std::system(("cp " + path + " " + copy + " && : > " + path).c_str()), 0);
  }

  std::string dir_, log_;
};

using Lines = std::vector<std::string>;

TEST_F(FollowTest, PartialLinesWaitForTheirNewline) {
  Append(log_, "one\ntw");
  FollowOptions o;
  o.from_start = true;
  Follower fo({log_}, o, nullptr);
  EXPECT_EQ(PollAll(&fo), Lines({"one"}));
  Append(log_, "o\r\nthree\n");
  EXPECT_EQ(PollAll(&fo), Lines({"two", "three"}));
  EXPECT_EQ(fo.lines(), 3u);
}

TEST_F(FollowTest, FromEndSkipsWhatWasThere) {
  Append(log_, "old\nolder\n");
  Follower fo({log_}, FollowOptions(), nullptr);
  EXPECT_TRUE(PollAll(&fo).empty());
  Append(log_, "new\n");
  EXPECT_EQ(PollAll(&fo), Lines({"new"}));
}

TEST_F(FollowTest, RenameRotationReadsTheOldFileToItsEnd) {
  Append(log_, "a\n");
  FollowOptions o;
  o.from_start = true;
  Follower fo({log_}, o, nullptr);
  EXPECT_EQ(PollAll(&fo), Lines({"a"}));
  Append(log_, "b\nc-without-newline");
  Rename(log_, log_ + ".1");
  Append(log_, "d\n");
  EXPECT_EQ(PollAll(&fo), Lines({"b", "c-without-newline", "d"}));
  EXPECT_EQ(fo.rotations(), 1u);
}

TEST_F(FollowTest, CopyTruncateTakesTheUnreadLinesFromTheCopy) {
  Append(log_, "first line\nx\n");
  FollowOptions o;
  o.from_start = true;
  Follower fo({log_}, o, nullptr);
  EXPECT_EQ(PollAll(&fo), Lines({"first line", "x"}));
  Append(log_, "y\nz\n");  // written before the copy, not yet read
  CopyTruncate(log_, log_ + ".1");
  Append(log_, "after\n");
  EXPECT_EQ(PollAll(&fo), Lines({"y", "z", "after"}));
}

TEST_F(FollowTest, TruncatedAndRefilledPastTheOffsetIsSeenByItsFirstLine) {
  Append(log_, "first\n");
  FollowOptions o;
  o.from_start = true;
  Follower fo({log_}, o, nullptr);
  EXPECT_EQ(PollAll(&fo), Lines({"first"}));
  CopyTruncate(log_, log_ + ".1");
  Append(log_, "another first line, longer than the old offset\n");
  EXPECT_EQ(PollAll(&fo), Lines({"another first line, longer than the old offset"}));
}

TEST_F(FollowTest, LateFilesAndGlobsWithoutRereadingRotations) {
  FollowOptions o;
  Follower fo({log_, dir_ + "/*.log"}, o, nullptr);
  EXPECT_TRUE(PollAll(&fo).empty());
  Append(log_, "late\n");
  Append(dir_ + "/other.log", "other\n");
  sleep(1);  // globs are re-expanded once a second
  Lines got = PollAll(&fo);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, Lines({"late", "other"}));
}

TEST_F(FollowTest, RestartResumesExactlyAcrossRotations) {
  FollowOptions o;
  o.from_start = true;
  Append(log_, "1\n2\n");
  std::string state;
  {
    Follower fo({log_}, o, nullptr);
    EXPECT_EQ(PollAll(&fo), Lines({"1", "2"}));
    Append(log_, "3-partial");
    EXPECT_TRUE(PollAll(&fo).empty());
    state = fo.SaveState();
  }
  // Down: the line completes, more lines, a rename rotation, then more.
  Append(log_, "\n4\n");
  Rename(log_, log_ + ".1");
  Append(log_, "5\n");
  {
    Follower fo({log_}, o, nullptr);
    ASSERT_TRUE(fo.LoadState(state));
    EXPECT_EQ(PollAll(&fo), Lines({"3-partial", "4", "5"}));
    state = fo.SaveState();
  }
  // Down again: copytruncate.
  Append(log_, "6\n");
  CopyTruncate(log_, log_ + ".0");
  Append(log_, "7\n");
  {
    Follower fo({log_}, o, nullptr);
    ASSERT_TRUE(fo.LoadState(state));
    EXPECT_EQ(PollAll(&fo), Lines({"6", "7"}));
    state = fo.SaveState();
  }
  // Down with nothing new: nothing repeated.
  {
    Follower fo({log_}, o, nullptr);
    ASSERT_TRUE(fo.LoadState(state));
    EXPECT_TRUE(PollAll(&fo).empty());
  }
  Follower bad({log_}, o, nullptr);
  EXPECT_FALSE(bad.LoadState("junk"));
  EXPECT_FALSE(bad.LoadState("maillens-follow 1\nF\tx\t1\n"));
}

TEST_F(FollowTest, OverLongLinesAreSkipped) {
  FollowOptions o;
  o.from_start = true;
  o.max_line = 16;
  o.read_size = 8;
  Append(log_, "short\n" + std::string(100, 'x') + "\nafter\n");
  Follower fo({log_}, o, nullptr);
  EXPECT_EQ(PollAll(&fo), Lines({"short", "after"}));
}

}  // namespace
}  // namespace maillens
