// byte_source_test.cc - OpenByteSource: plain and compressed files, errors.
//
// The compressed inputs are made by the real command-line tools (gzip,
// bzip2, xz, zstd) in a fresh temporary directory.
#include "io/byte_source.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "util/reporter.h"

namespace maillens {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Drains a source with a given read size.
std::string Drain(ByteSource* src, size_t chunk = 4096) {
  std::string out;
  std::vector<char> buf(chunk);
  for (;;) {
    size_t n = src->Read(buf.data(), buf.size());
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  // The end is sticky.
  EXPECT_EQ(src->Read(buf.data(), buf.size()), 0u);
  return out;
}

// The temporary directory with the test files, made once (on first use) and
// removed at exit.
class Files {
 public:
  Files() {
    char tmpl[] = "/tmp/maillens_byte_source_XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    // ~900 KB of log-like text with enough variety that the compressed files
    // are larger than one 256 KiB read of the raw input.
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 9000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      char line[160];
      std::snprintf(line, sizeof line,
                    "Nov 22 05:%02d:%02d mx postfix/smtp[%d]: %010llX: to=<u%llx@example.test>, status=sent (%llu)\n",
                    i / 60 % 60, i % 60, 1000 + i % 97, static_cast<unsigned long long>(x & 0xFFFFFFFFFFull),
                    static_cast<unsigned long long>(x >> 40), static_cast<unsigned long long>(x % 1000003));
      text_ += line;
    }
    WriteFile(Path("plain.log"), text_);
    size_t half = text_.find('\n', text_.size() / 2) + 1;
    WriteFile(Path("part1"), text_.substr(0, half));
    WriteFile(Path("part2"), text_.substr(half));
    Run("gzip -c -n part1 > two_members.gz && gzip -c -n part2 >> two_members.gz");
    Run("gzip -c -n plain.log > one_member.gz");
    Run("bzip2 -c plain.log > plain.log.bz2");
    // bzip2 emits nothing before the end of a block (900 kB with -9): the
    // truncation test uses 100 kB blocks so that whole blocks precede the cut.
    Run("bzip2 -1 -c plain.log > small_blocks.bz2");
    Run("xz -c plain.log > plain.log.xz");
    Run("zstd -q -c plain.log > plain.log.zst");
    // Sniffing, not the file name, decides the format.
    Run("cp two_members.gz misleading.txt");
    Run(": > empty.log");
  }
  ~Files() {
    if (!dir_.empty()) {
      std::string cmd = "rm -rf '" + dir_ + "'";
      (void)std::system(cmd.c_str());
    }
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  void Run(const std::string& cmd) const {
    std::string full = "cd '" + dir_ + "' && " + cmd;
    EXPECT_EQ(std::system(full.c_str()), 0) << full;
  }
  const std::string& dir() const { return dir_; }
  const std::string& text() const { return text_; }

 private:
  std::string dir_;
  std::string text_;
};

Files& F() {
  static Files files;
  return files;
}

// Opens and drains `name`, expecting success.
std::string Decode(const std::string& name, Compression expected, RecordingReporter* rep, size_t chunk = 4096) {
  std::unique_ptr<ByteSource> src;
  Status st = OpenByteSource(F().Path(name), rep, &src);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (!src) return {};
  EXPECT_EQ(src->compression(), expected) << CompressionName(src->compression());
  EXPECT_EQ(src->name(), F().Path(name));
  std::string out = Drain(src.get(), chunk);
  EXPECT_EQ(src->position(), out.size());
  return out;
}

TEST(ByteSource, Plain) {
  RecordingReporter rep;
  EXPECT_EQ(Decode("plain.log", Compression::kNone, &rep), F().text());
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, GzipTwoConcatenatedMembers) {
  RecordingReporter rep;
  std::string out = Decode("two_members.gz", Compression::kGzip, &rep);
  EXPECT_EQ(out.size(), F().text().size());
  EXPECT_TRUE(out == F().text()) << "decoded gzip differs from the original";
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, GzipSingleMemberSmallReads) {
  RecordingReporter rep;
  std::string out = Decode("one_member.gz", Compression::kGzip, &rep, 7);
  EXPECT_TRUE(out == F().text()) << "decoded gzip differs from the original";
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, Bzip2) {
  RecordingReporter rep;
  std::string out = Decode("plain.log.bz2", Compression::kBzip2, &rep);
  EXPECT_TRUE(out == F().text()) << "decoded bzip2 differs from the original";
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, Xz) {
  RecordingReporter rep;
  std::string out = Decode("plain.log.xz", Compression::kXz, &rep);
  EXPECT_TRUE(out == F().text()) << "decoded xz differs from the original";
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, Zstd) {
  RecordingReporter rep;
  std::string out = Decode("plain.log.zst", Compression::kZstd, &rep);
  EXPECT_TRUE(out == F().text()) << "decoded zstd differs from the original";
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, SniffsContentNotName) {
  RecordingReporter rep;
  std::string out = Decode("misleading.txt", Compression::kGzip, &rep);
  EXPECT_TRUE(out == F().text());
  EXPECT_TRUE(rep.entries.empty());
}

// Truncates `name` at half its size into `cut_name`, decodes it, and checks
// that the result is a proper prefix of the text with one kPartial report at
// the position reached.
void CheckTruncated(const std::string& full, const std::string& cut, Compression c,
                    const std::string& text) {
  std::string data = ReadFile(full);
  ASSERT_GT(data.size(), 1000u);
  WriteFile(cut, data.substr(0, data.size() / 2));
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  ASSERT_TRUE(OpenByteSource(cut, &rep, &src).ok());
  EXPECT_EQ(src->compression(), c);
  std::string out = Drain(src.get());
  EXPECT_LT(out.size(), text.size());
  EXPECT_GT(out.size(), 0u);
  EXPECT_TRUE(text.compare(0, out.size(), out) == 0) << "decoded bytes are not a prefix of the original";
  ASSERT_EQ(rep.entries.size(), 1u);
  EXPECT_EQ(rep.entries[0].severity, Reporter::Severity::kPartial);
  EXPECT_EQ(rep.entries[0].source, cut);
  EXPECT_EQ(rep.entries[0].offset, static_cast<int64_t>(out.size()));
  EXPECT_FALSE(rep.entries[0].what.empty());
}

TEST(ByteSource, TruncatedGzip) {
  CheckTruncated(F().Path("one_member.gz"), F().Path("cut.gz"), Compression::kGzip, F().text());
}

TEST(ByteSource, TruncatedGzipSecondMember) {
  // Cut inside the second member: the whole first member must survive.
  std::string data = ReadFile(F().Path("two_members.gz"));
  std::string part1 = ReadFile(F().Path("part1"));
  std::string first_member_only;
  {
    // Size of the first member = size of "gzip -c -n part1".
    F().Run("gzip -c -n part1 > m1.gz");
    first_member_only = ReadFile(F().Path("m1.gz"));
  }
  ASSERT_GT(data.size(), first_member_only.size() + 100);
  WriteFile(F().Path("cut2.gz"), data.substr(0, first_member_only.size() + (data.size() - first_member_only.size()) / 2));
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  ASSERT_TRUE(OpenByteSource(F().Path("cut2.gz"), &rep, &src).ok());
  std::string out = Drain(src.get());
  EXPECT_GE(out.size(), part1.size());
  EXPECT_LT(out.size(), F().text().size());
  EXPECT_TRUE(F().text().compare(0, out.size(), out) == 0);
  ASSERT_EQ(rep.entries.size(), 1u);
  EXPECT_EQ(rep.entries[0].severity, Reporter::Severity::kPartial);
}

TEST(ByteSource, TruncatedBzip2) {
  CheckTruncated(F().Path("small_blocks.bz2"), F().Path("cut.bz2"), Compression::kBzip2, F().text());
}

TEST(ByteSource, TruncatedXz) {
  CheckTruncated(F().Path("plain.log.xz"), F().Path("cut.xz"), Compression::kXz, F().text());
}

TEST(ByteSource, TruncatedZstd) {
  CheckTruncated(F().Path("plain.log.zst"), F().Path("cut.zst"), Compression::kZstd, F().text());
}

TEST(ByteSource, CorruptGzipReported) {
  std::string data = ReadFile(F().Path("one_member.gz"));
  // Flip bytes in the middle of the deflate stream.
  for (size_t i = data.size() / 2; i < data.size() / 2 + 64; ++i) data[i] = static_cast<char>(data[i] ^ 0x5A);
  WriteFile(F().Path("corrupt.gz"), data);
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  ASSERT_TRUE(OpenByteSource(F().Path("corrupt.gz"), &rep, &src).ok());
  Drain(src.get());  // corrupt input may decode to anything, but must be reported once
  ASSERT_EQ(rep.entries.size(), 1u);
  EXPECT_EQ(rep.entries[0].severity, Reporter::Severity::kPartial);
}

TEST(ByteSource, MissingPathIsNotFound) {
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  Status st = OpenByteSource(F().Path("does-not-exist.log"), &rep, &src);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_NE(st.message().find("does-not-exist.log"), std::string_view::npos) << st.ToString();
  EXPECT_EQ(src, nullptr);
}

TEST(ByteSource, DirectoryIsAnError) {
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  Status st = OpenByteSource(F().dir(), &rep, &src);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(src, nullptr);
}

TEST(ByteSource, EmptyFileGivesZeroBytes) {
  RecordingReporter rep;
  std::unique_ptr<ByteSource> src;
  ASSERT_TRUE(OpenByteSource(F().Path("empty.log"), &rep, &src).ok());
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->compression(), Compression::kNone);
  char buf[64];
  EXPECT_EQ(src->Read(buf, sizeof buf), 0u);
  EXPECT_EQ(src->position(), 0u);
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, MemorySourceSniffsToo) {
  std::string gz = ReadFile(F().Path("two_members.gz"));
  RecordingReporter rep;
  auto src = MemoryByteSource("mem.gz", gz.data(), gz.size(), &rep);
  EXPECT_EQ(src->compression(), Compression::kGzip);
  EXPECT_EQ(src->name(), "mem.gz");
  std::string out = Drain(src.get(), 1000);
  EXPECT_TRUE(out == F().text());
  EXPECT_TRUE(rep.entries.empty());
}

TEST(ByteSource, SniffCompression) {
  const unsigned char gz[] = {0x1f, 0x8b, 0x08};
  const unsigned char bz[] = {'B', 'Z', 'h', '9'};
  const unsigned char xz[] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
  const unsigned char zst[] = {0x28, 0xB5, 0x2F, 0xFD};
  const unsigned char txt[] = {'N', 'o', 'v', ' '};
  EXPECT_EQ(SniffCompression(gz, sizeof gz), Compression::kGzip);
  EXPECT_EQ(SniffCompression(bz, sizeof bz), Compression::kBzip2);
  EXPECT_EQ(SniffCompression(xz, sizeof xz), Compression::kXz);
  EXPECT_EQ(SniffCompression(zst, sizeof zst), Compression::kZstd);
  EXPECT_EQ(SniffCompression(txt, sizeof txt), Compression::kNone);
  EXPECT_EQ(SniffCompression(gz, 1), Compression::kNone);  // too short to tell
  EXPECT_EQ(SniffCompression(xz, 5), Compression::kNone);
  EXPECT_EQ(SniffCompression(nullptr, 0), Compression::kNone);
  EXPECT_STREQ(CompressionName(Compression::kGzip), "gzip");
  EXPECT_STREQ(CompressionName(Compression::kZstd), "zstd");
}

TEST(ByteSource, TinyMemoryInputs) {
  // Inputs shorter than any magic number are plain text.
  for (const std::string s : {"", "a", "\x1f", "BZ", "Nov"}) {
    RecordingReporter rep;
    auto src = MemoryByteSource("m", s.data(), s.size(), &rep);
    EXPECT_EQ(src->compression(), Compression::kNone);
    EXPECT_EQ(Drain(src.get()), s);
    EXPECT_TRUE(rep.entries.empty());
  }
}

}  // namespace
}  // namespace maillens
