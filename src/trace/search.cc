// search.cc - literal search for the lines of one message and its hops.
#include "trace/search.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include <absl/container/flat_hash_set.h>

#include "io/byte_source.h"
#include "postfix/fields.h"
#include "postfix/parser.h"
#include "syslog/stamp.h"

namespace maillens {
namespace {

constexpr size_t kMaxLine = 64 << 10;  // LineReader's default: longer lines are skipped

// One input, mapped read-only.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
  }
  // False unless `path` is a regular, uncompressed file that could be mapped.
  bool Open(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_ = ok ? static_cast<size_t>(st.st_size) : 0;
    if (ok && size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        ok = false;
        size_ = 0;
      } else {
        data_ = static_cast<const char*>(p);
        madvise(p, size_, MADV_SEQUENTIAL);
        ok = SniffCompression(reinterpret_cast<const unsigned char*>(data_), std::min<size_t>(size_, 16)) ==
             Compression::kNone;
      }
    }
    close(fd);
    return ok;
  }
  std::string_view text() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// The start of the line holding byte `pos`, and the end (its '\n' or EOF).
size_t LineStart(std::string_view t, size_t pos) {
  const void* nl = memrchr(t.data(), '\n', pos);
  return nl ? static_cast<size_t>(static_cast<const char*>(nl) - t.data()) + 1 : 0;
}
size_t LineEnd(std::string_view t, size_t pos) {
  const void* nl = std::memchr(t.data() + pos, '\n', t.size() - pos);
  return nl ? static_cast<size_t>(static_cast<const char*>(nl) - t.data()) : t.size();
}

// The line at `start` as LineReader gives it: without "\r\n"; empty view
// with *skip set for an over-long line (LineReader skips those).
std::string_view LineAt(std::string_view t, size_t start, bool* skip) {
  size_t end = LineEnd(t, start);
  size_t len = end - start;
  if (len > 0 && t[start + len - 1] == '\r') --len;
  *skip = len > kMaxLine;
  return t.substr(start, len);
}

struct Needle {
  std::string text;
  bool session = false;  // an smtpd process: its lines name no further IDs
};

class Closure {
 public:
  Closure(const ParserOptions& parser, QidSearchStats* stats) : parser_(parser), stats_(stats) {}

  void AddId(std::string_view id) {
    if (id.size() < 5 || !seen_.insert(std::string(id)).second) return;
    pending_.push_back({std::string(id), false});
  }
  void AddSession(int64_t pid) {
    std::string s = "smtpd[" + std::to_string(pid) + "]: ";
    if (seen_.insert(s).second) pending_.push_back({std::move(s), true});
  }
  bool overflow() const { return seen_.size() > kMaxSearchIds || total_lines_ > kMaxSearchLines; }
  bool done() const { return pending_.empty(); }

  // One pass: every pending literal over every file.
  void Round(const std::vector<std::string_view>& texts, std::vector<absl::flat_hash_set<size_t>>* found) {
    std::vector<Needle> batch(pending_.begin(), pending_.end());
    pending_.clear();
    ++stats_->rounds;
    stats_->ids += batch.size();
    for (size_t f = 0; f < texts.size() && !overflow(); ++f) {
      std::string_view t = texts[f];
      for (const Needle& n : batch) {
        stats_->bytes += t.size();
        size_t pos = 0;
        while (pos < t.size() && !overflow()) {
          const void* hit = memmem(t.data() + pos, t.size() - pos, n.text.data(), n.text.size());
          if (hit == nullptr) break;
          size_t at = static_cast<size_t>(static_cast<const char*>(hit) - t.data());
          size_t start = LineStart(t, at);
          pos = LineEnd(t, at) + 1;
          if (!(*found)[f].insert(start).second) continue;
          ++total_lines_;
          if (!n.session) Learn(t, start);
        }
      }
    }
  }

 private:
  // The IDs and the smtpd process a found line names.
  void Learn(std::string_view t, size_t start) {
    bool skip;
    std::string_view line = LineAt(t, start, &skip);
    SyslogHeader h;
    if (skip || !ParseStamp(line, &h)) return;
    Origin origin = ClassifyProgram(h, parser_);
    if (origin == Origin::kForeign) {
      // Only a filter's hand-off links messages among other programs' lines.
      FilterHandOff ho;
      if (ParseFilterHandOff(h, &ho)) {
        AddId(ho.filter_id);
        AddId(ho.queue_id);
      }
      return;
    }
    if (!ParseMailLine(h, origin, &ev_)) return;  // the Tracer reads such a line by its queue ID only
    // The line's own queue ID (a parent found by its child's ID), the one it
    // names (queued as, forwarded as, notices, orig_queue_id=, orig_id=,
    // proxy-accept), and a content filter's own ID.
    if (fields::IsQueueId(ev_.queue_id)) AddId(ev_.queue_id);
    AddId(ev_.child_queue_id);
    AddId(ev_.filter_id);
    if (ev_.daemon == Daemon::kSmtpd && h.pid >= 0) AddSession(h.pid);
  }

  const ParserOptions& parser_;
  QidSearchStats* stats_;
  absl::flat_hash_set<std::string> seen_;
  std::deque<Needle> pending_;
  size_t total_lines_ = 0;
  Event ev_;
};

}  // namespace

bool SearchQidLines(const std::vector<std::string>& files, std::string_view qid, const ParserOptions& parser,
                    Pipeline* pipeline, QidSearchStats* stats) {
  if (files.empty() || qid.empty()) return false;
  std::vector<MappedFile> maps(files.size());
  std::vector<std::string_view> texts;
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i] == "-" || !maps[i].Open(files[i])) {
      stats->gave_up = "stdin, or not a plain regular file";
      return false;
    }
    texts.push_back(maps[i].text());
  }
  std::vector<absl::flat_hash_set<size_t>> found(files.size());
  Closure closure(parser, stats);
  closure.AddId(qid);
  while (!closure.done() && !closure.overflow()) closure.Round(texts, &found);
  if (closure.overflow()) {
    stats->gave_up = "too many linked IDs or lines";
    return false;
  }
  // The lines found go to the pipeline; every line before the last of them
  // (across files) moves the year tracker, so years are those of a full read.
  size_t last_file = texts.size();
  for (size_t f = 0; f < texts.size(); ++f)
    if (!found[f].empty()) last_file = f;
  for (size_t f = 0; f < texts.size() && last_file < texts.size(); ++f) {
    std::string_view t = texts[f];
    std::vector<size_t> starts(found[f].begin(), found[f].end());
    std::sort(starts.begin(), starts.end());
    const size_t stop = f < last_file ? t.size() : (starts.empty() ? 0 : starts.back() + 1);
    size_t next = 0;  // index into starts
    std::string_view prev_stamp;
    for (size_t s = 0; s < stop;) {
      bool skip;
      std::string_view line = LineAt(t, s, &skip);
      const size_t after = LineEnd(t, s) + 1;
      if (next < starts.size() && starts[next] == s) {
        ++next;
        if (!skip) {
          pipeline->ProcessLine(line);
          prev_stamp = line.substr(0, 32);
          ++stats->lines;
        }
      } else if (!skip) {
        // A stamp is at most 32 bytes: the same first 32 bytes, the same
        // stamp, and the tracker would not move.
        std::string_view stamp = line.substr(0, 32);
        if (stamp != prev_stamp) pipeline->TrackYear(line);
        prev_stamp = stamp;
        ++stats->dated;
      }
      s = after;
    }
  }
  return true;
}

}  // namespace maillens
