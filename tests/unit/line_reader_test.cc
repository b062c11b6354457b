// line_reader_test.cc - LineReader over in-memory and trickling sources.
#include "lines/line_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "util/reporter.h"

namespace maillens {
namespace {

struct Result {
  std::vector<std::string> lines;
  std::vector<uint64_t> offsets;
  uint64_t skipped = 0;
  uint64_t count = 0;
  std::vector<RecordingReporter::Entry> reports;
};

Result ReadAllFrom(ByteSource* src, RecordingReporter* rep, LineReader::Options opt) {
  Result r;
  LineReader reader(src, rep, opt);
  std::string_view line;
  while (reader.Next(&line)) {
    r.lines.emplace_back(line);
    r.offsets.push_back(reader.line_offset());
  }
  // End of input is sticky.
  EXPECT_FALSE(reader.Next(&line));
  r.skipped = reader.skipped_long_lines();
  r.count = reader.lines();
  r.reports = rep->entries;
  return r;
}

Result ReadAll(const std::string& text, LineReader::Options opt = {}) {
  RecordingReporter rep;
  auto src = MemoryByteSource("mem", text.data(), text.size(), &rep);
  return ReadAllFrom(src.get(), &rep, opt);
}

// A source that hands out at most `chunk` bytes per Read, like a slow pipe.
class TrickleSource : public ByteSource {
 public:
  TrickleSource(std::string text, size_t chunk)
      : ByteSource("trickle", Compression::kNone), text_(std::move(text)), chunk_(chunk) {}
  size_t Read(char* buf, size_t cap) override {
    size_t n = std::min({cap, chunk_, text_.size() - pos_});
    std::memcpy(buf, text_.data() + pos_, n);
    pos_ += n;
    position_ += n;
    return n;
  }

 private:
  std::string text_;
  size_t chunk_;
  size_t pos_ = 0;
};

using Lines = std::vector<std::string>;

TEST(LineReader, EmptyInput) {
  Result r = ReadAll("");
  EXPECT_TRUE(r.lines.empty());
  EXPECT_EQ(r.count, 0u);
  EXPECT_TRUE(r.reports.empty());
}

TEST(LineReader, LastLineWithoutTerminator) {
  Result r = ReadAll("first\nsecond\nthird");
  EXPECT_EQ(r.lines, (Lines{"first", "second", "third"}));
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 6, 13}));
  EXPECT_EQ(r.count, 3u);
  EXPECT_TRUE(r.reports.empty());

  r = ReadAll("only");
  EXPECT_EQ(r.lines, (Lines{"only"}));
  r = ReadAll("x\n");
  EXPECT_EQ(r.lines, (Lines{"x"}));  // no phantom empty line after the final newline
}

TEST(LineReader, CrlfStripped) {
  Result r = ReadAll("a\r\nbb\r\n\r\nlast\r");
  EXPECT_EQ(r.lines, (Lines{"a", "bb", "", "last"}));
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 3, 7, 9}));
  // A CR that does not end the line is content.
  r = ReadAll("x\ry\n");
  EXPECT_EQ(r.lines, (Lines{"x\ry"}));
}

TEST(LineReader, EmptyLines) {
  Result r = ReadAll("\n\nabc\n\n\nd\n");
  EXPECT_EQ(r.lines, (Lines{"", "", "abc", "", "", "d"}));
  EXPECT_EQ(r.count, 6u);
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 1, 2, 6, 7, 8}));
}

TEST(LineReader, NulBytesKeptInsideLines) {
  const std::string text("ab\0cd\n\0\nend\0", 12);
  Result r = ReadAll(text);
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[0], std::string("ab\0cd", 5));
  EXPECT_EQ(r.lines[1], std::string("\0", 1));
  EXPECT_EQ(r.lines[2], std::string("end\0", 4));
}

TEST(LineReader, OverLongLineSkippedAndReported) {
  LineReader::Options opt;
  opt.max_line = 16;
  opt.buffer_size = 64;
  const std::string text = "short1\n" + std::string(40, 'x') + "\nshort2\nshort3";
  Result r = ReadAll(text, opt);
  EXPECT_EQ(r.lines, (Lines{"short1", "short2", "short3"}));
  EXPECT_EQ(r.skipped, 1u);
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].severity, Reporter::Severity::kNotice);
  EXPECT_EQ(r.reports[0].source, "mem");
  EXPECT_EQ(r.reports[0].offset, 7);  // where the over-long line starts
  // Offsets of the following lines are still stream offsets.
  EXPECT_EQ(r.offsets, (std::vector<uint64_t>{0, 48, 55}));
}

TEST(LineReader, OverLongLineLargerThanBuffer) {
  // The line does not fit in the buffer at all: it is dropped in pieces and
  // reported once.
  LineReader::Options opt;
  opt.max_line = 16;
  opt.buffer_size = 32;
  const std::string longline(1000, 'y');
  const std::string text = "abc\n" + longline + "\nafter\n" + longline + "\n" + longline + "\nend";
  Result r = ReadAll(text, opt);
  EXPECT_EQ(r.lines, (Lines{"abc", "after", "end"}));
  EXPECT_EQ(r.skipped, 3u);
  ASSERT_EQ(r.reports.size(), 3u);
  EXPECT_EQ(r.reports[0].offset, 4);
  EXPECT_EQ(r.reports[1].offset, 4 + 1001 + 6);
  EXPECT_EQ(r.reports[2].offset, 4 + 1001 + 6 + 1001);
  for (const auto& e : r.reports) EXPECT_EQ(e.severity, Reporter::Severity::kNotice);
  EXPECT_EQ(r.offsets[1], 4u + 1001u);
  EXPECT_EQ(r.offsets[2], 4u + 1001u + 6u + 1001u + 1001u);
}

TEST(LineReader, OverLongLastLineWithoutNewline) {
  LineReader::Options opt;
  opt.max_line = 16;
  opt.buffer_size = 32;
  Result r = ReadAll("ok\n" + std::string(100, 'z'), opt);
  EXPECT_EQ(r.lines, (Lines{"ok"}));
  EXPECT_EQ(r.skipped, 1u);
  ASSERT_EQ(r.reports.size(), 1u);
  EXPECT_EQ(r.reports[0].offset, 3);
}

TEST(LineReader, MaxLineBoundary) {
  LineReader::Options opt;
  opt.max_line = 16;
  opt.buffer_size = 32;
  const std::string exact(16, 'e');   // exactly max_line bytes: kept
  const std::string over(17, 'o');    // one more: skipped
  Result r = ReadAll(exact + "\n" + over + "\n" + exact, opt);
  EXPECT_EQ(r.lines, (Lines{exact, exact}));
  EXPECT_EQ(r.skipped, 1u);
}

TEST(LineReader, MaxLineExcludesCrlfTerminator) {
  // "Over-long lines (more than Options::max_line bytes)": the line handed
  // out excludes its terminator ("\n" and a "\r" before it), so a CRLF line
  // with exactly max_line bytes of content is not over-long.
  LineReader::Options opt;
  opt.max_line = 16;
  opt.buffer_size = 32;
  const std::string exact(16, 'c');
  Result r = ReadAll(exact + "\r\nnext\r\n", opt);
  EXPECT_EQ(r.lines, (Lines{exact, "next"}));
  EXPECT_EQ(r.skipped, 0u);
}

// Every way of cutting the stream into reads must give the same lines.
TEST(LineReader, SplitAtEveryBufferBoundary) {
  std::string t;
  t += "Nov 22 05:38:34\n";     // 15 bytes
  t += "a\r\n";
  t += "\n";
  t += "0123456789abcdef\n";    // exactly max_line
  t += "mid\n";
  t += std::string("x\0y\n", 4);  // a NUL inside a line
  t += std::string(40, 'L') + "\n";  // over-long: skipped for every buffer size
  t += "\r\n";
  t += "tail-after-long\n";
  t += "no newline end";
  const Lines expected = {"Nov 22 05:38:34", "a", "", "0123456789abcdef", "mid", std::string("x\0y", 3), "",
                          "tail-after-long", "no newline end"};
  Result reference;
  for (size_t bs = 16; bs <= 64; ++bs) {
    SCOPED_TRACE("buffer_size=" + std::to_string(bs));
    LineReader::Options opt;
    opt.max_line = 16;
    opt.buffer_size = bs;
    Result r = ReadAll(t, opt);
    EXPECT_EQ(r.lines, expected);
    EXPECT_EQ(r.skipped, 1u);
    ASSERT_EQ(r.reports.size(), 1u);
    if (bs == 16) {
      reference = r;
    } else {
      EXPECT_EQ(r.offsets, reference.offsets);
      EXPECT_EQ(r.reports[0].offset, reference.reports[0].offset);
    }
  }
  // The offset of the over-long line is where it starts.
  EXPECT_EQ(reference.reports[0].offset, static_cast<int64_t>(t.find('L')));
  EXPECT_EQ(reference.offsets[7], t.find("tail-after-long"));
}

// The same with a source that trickles 1..17 bytes per read.
TEST(LineReader, TricklingSource) {
  std::string t;
  Lines expected;
  for (int i = 0; i < 50; ++i) {
    std::string line = "line " + std::to_string(i) + std::string(i % 9, '.');
    expected.push_back(line);
    t += line + (i % 3 == 0 ? "\r\n" : "\n");
  }
  for (size_t chunk = 1; chunk <= 17; ++chunk) {
    SCOPED_TRACE("chunk=" + std::to_string(chunk));
    for (size_t bs : {16u, 33u, 4096u}) {
      SCOPED_TRACE("buffer_size=" + std::to_string(bs));
      RecordingReporter rep;
      TrickleSource src(t, chunk);
      LineReader::Options opt;
      opt.max_line = 16;
      opt.buffer_size = bs;
      Result r = ReadAllFrom(&src, &rep, opt);
      EXPECT_EQ(r.lines, expected);
      EXPECT_EQ(r.skipped, 0u);
      EXPECT_TRUE(r.reports.empty());
    }
  }
}

TEST(LineReader, DefaultOptionsLargeInput) {
  std::string t;
  for (int i = 0; i < 100000; ++i) t += "Nov 22 05:38:34 mx postfix/qmgr[1]: ABCDE" + std::to_string(i) + ": removed\n";
  Result r = ReadAll(t);
  ASSERT_EQ(r.lines.size(), 100000u);
  EXPECT_EQ(r.lines[0], "Nov 22 05:38:34 mx postfix/qmgr[1]: ABCDE0: removed");
  EXPECT_EQ(r.lines[99999], "Nov 22 05:38:34 mx postfix/qmgr[1]: ABCDE99999: removed");
  EXPECT_EQ(r.offsets[99999], t.rfind("Nov 22"));
  EXPECT_TRUE(r.reports.empty());
}

}  // namespace
}  // namespace maillens
