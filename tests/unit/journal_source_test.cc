// journal_source_test.cc - FormatJournalLine (dates, missing fields, bytes
// that would split or shift a line) and JournalSource on real journal files
// written by systemd-journal-remote from the Journal Export Format: unit
// matches, entries without MESSAGE, resuming from a saved cursor, reading
// from the end, entries in files that appear after the first Poll.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "follow/journal_source.h"
#include "syslog/header.h"

namespace maillens {
namespace {

std::string Format(const JournalEntry& f) {
  std::string out;
  FormatJournalLine(f, &out);
  return out;
}

TEST(FormatJournalLine, AllFields) {
  JournalEntry f;
  f.realtime_usec = 1763812800123456;  // 2025-11-22T12:00:00.123456Z
  f.hostname = "mx";
  f.identifier = "postfix/smtpd";
  f.pid = "4242";
  f.message = "connect from unknown[192.0.2.1]";
  EXPECT_EQ(Format(f), "2025-11-22T12:00:00.123456+00:00 mx postfix/smtpd[4242]: connect from unknown[192.0.2.1]");
}

TEST(FormatJournalLine, Dates) {
  JournalEntry f;
  f.message = "x";
  f.realtime_usec = 0;
  EXPECT_EQ(Format(f).substr(0, 32), "1970-01-01T00:00:00.000000+00:00");
  f.realtime_usec = 1709251199000001;  // leap day, last second
  EXPECT_EQ(Format(f).substr(0, 32), "2024-02-29T23:59:59.000001+00:00");
  f.realtime_usec = 1735689600000000;  // new year
  EXPECT_EQ(Format(f).substr(0, 32), "2025-01-01T00:00:00.000000+00:00");
  f.realtime_usec = 951782400999999;  // 2000-02-29 (a leap century)
  EXPECT_EQ(Format(f).substr(0, 32), "2000-02-29T00:00:00.999999+00:00");
}

TEST(FormatJournalLine, MissingFields) {
  JournalEntry f;
  f.realtime_usec = 1763812800000000;
  f.message = "hello";
  EXPECT_EQ(Format(f), "2025-11-22T12:00:00.000000+00:00 localhost unknown: hello");
  f.pid = "12a";  // not a pid: left out
  EXPECT_EQ(Format(f), "2025-11-22T12:00:00.000000+00:00 localhost unknown: hello");
  f.message = "";
  EXPECT_EQ(Format(f), "2025-11-22T12:00:00.000000+00:00 localhost unknown: ");
}

TEST(FormatJournalLine, ControlBytesCannotSplitOrShiftTheLine) {
  JournalEntry f;
  f.realtime_usec = 1763812800000000;
  f.hostname = std::string_view("m x\n", 4);
  f.identifier = "post fix[1]: x";
  f.pid = "7";
  const char msg[] = "a\nb\rc\0d\te";
  f.message = std::string_view(msg, sizeof msg - 1);
  std::string line = Format(f);
  EXPECT_EQ(line, std::string("2025-11-22T12:00:00.000000+00:00 m_x_ post_fix_1]__x[7]: a b c d\te"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\0'), std::string::npos);
}

TEST(FormatJournalLine, ReusesTheBuffer) {
  JournalEntry f;
  f.message = "a longer message than the next one";
  std::string out;
  FormatJournalLine(f, &out);
  const char* data = out.data();
  f.message = "short";
  FormatJournalLine(f, &out);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.substr(out.size() - 7), ": short");
}

TEST(JournalLine, OneEntryIsOneParsableLine) {
  JournalEntry e;
  e.realtime_usec = 1795325915123456ULL;  // 2026-11-22T05:38:35.123456Z
  e.hostname = "mx";
  e.identifier = "postfix/smtpd";
  e.pid = "28046";
  static constexpr char kMessage[] = "connect from a[192.0.2.1]\nNov 22 mx postfix/smtpd[1]: fake\r\0x";
  e.message = std::string_view(kMessage, sizeof kMessage - 1);  // with the NUL inside
  std::string line;
  FormatJournalLine(e, &line);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_EQ(line.substr(0, 62),
            "2026-11-22T05:38:35.123456+00:00 mx postfix/smtpd[28046]: conn");
  SyslogHeader h;
  HeaderParser parser({});
  ASSERT_TRUE(parser.Parse(line, &h));
  EXPECT_EQ(h.program, "postfix/smtpd");
  EXPECT_EQ(h.daemon, "smtpd");
  // Missing fields: no [pid], placeholders for host and identifier.
  line.clear();
  FormatJournalLine(JournalEntry{0, "", "", "", "hello"}, &line);
  EXPECT_EQ(line, "1970-01-01T00:00:00.000000+00:00 localhost unknown: hello");
}

// Journal files written by systemd-journal-remote (skipped when it is missing).
class JournalSourceTest : public ::testing::Test {
 protected:
  static constexpr const char* kRemote = "/lib/systemd/systemd-journal-remote";

  void SetUp() override {
    if (access(kRemote, X_OK) != 0) GTEST_SKIP() << kRemote << " is missing (package systemd-journal-remote)";
    char tmpl[] = "/tmp/maillens-journal-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  // One export-format entry; `unit` and `message` may be empty (field left out).
  std::string Entry(const std::string& unit, const std::string& message) {
    ++n_;
    std::string e = "__REALTIME_TIMESTAMP=" + std::to_string(1763812800000000 + n_ * 1000000) + "\n" +
                    "__MONOTONIC_TIMESTAMP=" + std::to_string(n_ * 1000000) + "\n" +
                    "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=mx\n" +
                    "SYSLOG_IDENTIFIER=postfix/smtpd\n_PID=" + std::to_string(100 + n_) + "\n";  // no SYSLOG_PID: _PID shown
    if (!unit.empty()) e += "_SYSTEMD_UNIT=" + unit + "\n";
    if (!message.empty()) e += "MESSAGE=" + message + "\n";
    return e + "\n";
  }

  // Writes the entries {unit, message}, in order, into DIR/NAME.journal.
  void Write(const std::string& name, std::initializer_list<std::pair<std::string, std::string>> list) {
    std::string entries;
    for (const auto& [unit, message] : list) entries += Entry(unit, message);
    std::string cmd = std::string(kRemote) + " -o " + dir_ + "/" + name + ".journal - 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "w");
    ASSERT_NE(p, nullptr);
    fwrite(entries.data(), 1, entries.size(), p);
    ASSERT_EQ(pclose(p), 0);
  }

  std::vector<std::string> PollAll(JournalSource* s) {
    std::vector<std::string> out;
    s->Poll([&out](std::string_view l) { out.emplace_back(l); });
    return out;
  }

  // The message part of each line.
  static std::vector<std::string> Messages(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const std::string& l : lines) out.push_back(l.substr(l.find("]: ") + 3));
    return out;
  }

  JournalOptions Options(bool from_start) {
    JournalOptions o;
    o.directory = dir_;
    o.units = {"postfix@-.service", "dovecot.service"};
    o.from_start = from_start;
    return o;
  }

  std::string dir_;
  int n_ = 0;
};

TEST_F(JournalSourceTest, MatchesUnitsAndSkipsEntriesWithoutMessage) {
  Write("a", {{"postfix@-.service", "one"},
              {"cron.service", "not mail"},
              {"dovecot.service", "two"},
              {"postfix@-.service", ""},
              {"", "no unit"},
              {"postfix@-.service", "three"}});
  JournalSource s(Options(true));
  ASSERT_TRUE(s.Open().ok());
  std::vector<std::string> lines = PollAll(&s);
  EXPECT_EQ(Messages(lines), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(lines[0], "2025-11-22T12:00:01.000000+00:00 mx postfix/smtpd[101]: one");
  EXPECT_EQ(s.lines(), 3u);
  EXPECT_TRUE(PollAll(&s).empty());
}

TEST_F(JournalSourceTest, ResumesAfterTheSavedEntryAndSeesNewFiles) {
  Write("a", {{"postfix@-.service", "1"}, {"postfix@-.service", "2"}, {"postfix@-.service", "3"}});
  std::string state;
  {
    JournalSource s(Options(true));
    ASSERT_TRUE(s.Open().ok());
    std::vector<std::string> got;
    // A budget of one byte: one line per Poll.
    s.Poll([&got](std::string_view l) { got.emplace_back(l); }, 1);
    s.Poll([&got](std::string_view l) { got.emplace_back(l); }, 1);
    EXPECT_EQ(Messages(got), (std::vector<std::string>{"1", "2"}));
    state = s.SaveState();
  }
  JournalSource s(Options(false));  // from the end, but the state wins
  ASSERT_TRUE(s.Open().ok());
  ASSERT_TRUE(s.LoadState(state));
  EXPECT_EQ(Messages(PollAll(&s)), (std::vector<std::string>{"3"}));
  // A file that appears after the first Poll (journald's rotation).
  Write("b", {{"postfix@-.service", "4"}, {"cron.service", "x"}, {"dovecot.service", "5"}});
  EXPECT_EQ(Messages(PollAll(&s)), (std::vector<std::string>{"4", "5"}));
  EXPECT_EQ(s.lines(), 3u);
  // The state after the last entry resumes with nothing to repeat.
  JournalSource again(Options(true));
  ASSERT_TRUE(again.Open().ok());
  ASSERT_TRUE(again.LoadState(s.SaveState()));
  EXPECT_TRUE(PollAll(&again).empty());
}

TEST_F(JournalSourceTest, FromTheEndReadsOnlyNewEntries) {
  Write("a", {{"postfix@-.service", "old1"}, {"postfix@-.service", "old2"}});
  JournalSource s(Options(false));
  ASSERT_TRUE(s.Open().ok());
  EXPECT_TRUE(PollAll(&s).empty());
  std::string state = s.SaveState();  // already says where the end was
  Write("b", {{"postfix@-.service", "new"}});
  EXPECT_EQ(Messages(PollAll(&s)), (std::vector<std::string>{"new"}));
  JournalSource restarted(Options(false));
  ASSERT_TRUE(restarted.Open().ok());
  ASSERT_TRUE(restarted.LoadState(state));
  EXPECT_EQ(Messages(PollAll(&restarted)), (std::vector<std::string>{"new"}));
}

TEST_F(JournalSourceTest, RejectsForeignStateAndMissingDirectory) {
  Write("a", {{"postfix@-.service", "1"}});
  JournalSource s(Options(true));
  ASSERT_TRUE(s.Open().ok());
  EXPECT_FALSE(s.LoadState("maillens-follow 1\n"));
  EXPECT_EQ(Messages(PollAll(&s)), (std::vector<std::string>{"1"}));
  JournalOptions o = Options(true);
  o.directory = dir_ + "/missing";
  JournalSource missing(o);
  EXPECT_FALSE(missing.Open().ok());
  EXPECT_EQ(missing.Poll([](std::string_view) {}), 0u);
}

}  // namespace
}  // namespace maillens
