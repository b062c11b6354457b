// input_runner_test.cc - DescribeInputFailure (the fix named with each input
// that cannot be opened) and ClosestName (the "did you mean" of the CLI).
#include "cli/input_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace maillens::cli {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ml_input_runner_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(DescribeInputFailure, MissingVarLogOnJournalSystemNamesJournal) {
  TempDir journal;  // stands for /run/systemd/journal
  std::string got = DescribeInputFailure("/var/log/mail.log", "/var/log/mail.log: no such file", journal.path().c_str());
  EXPECT_NE(got.find("no such file"), std::string::npos) << got;
  EXPECT_NE(got.find("maillens serve --journal"), std::string::npos) << got;
  EXPECT_NE(got.find("journalctl"), std::string::npos) << got;
}

TEST(DescribeInputFailure, MissingFileWithoutJournalIsJustMissing) {
  EXPECT_EQ(DescribeInputFailure("/var/log/mail.log", "/var/log/mail.log: no such file", "/nonexistent/journal"),
            "no such file");
  TempDir journal;
  // Not a system log path: no journal hint (a typo in a path of one's own).
  EXPECT_EQ(DescribeInputFailure("/home/a/mail.log", "/home/a/mail.log: no such file", journal.path().c_str()),
            "no such file");
}

TEST(DescribeInputFailure, DirectorySuggestsItsFiles) {
  std::string got = DescribeInputFailure("/var/log", "/var/log: is a directory", "/nonexistent");
  EXPECT_EQ(got, "is a directory (give the log files in it, e.g. /var/log/mail.log*)");
}

TEST(ClosestName, Typos) {
  std::vector<std::string> cmds = {"report", "reputation", "qshape", "trace", "export", "metrics", "watch"};
  EXPECT_EQ(ClosestName("repot", cmds), "report");
  EXPECT_EQ(ClosestName("reputaton", cmds), "reputation");
  EXPECT_EQ(ClosestName("qshap", cmds), "qshape");
  EXPECT_EQ(ClosestName("xyzzy", cmds), "");
  EXPECT_EQ(ClosestName("a", cmds), "");
  EXPECT_EQ(ClosestName("--formt", {"--format", "--output"}), "--format");
}

TEST(EditDistance, Basics) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("abc", ""), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace maillens::cli
