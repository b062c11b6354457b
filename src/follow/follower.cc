// follower.cc - Follower: tail -F with exact positions (see follower.h).
#include "follow/follower.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include "io/input_set.h"

namespace maillens {

struct Follower::File {
  std::string path;  // the name followed
  int fd = -1;
  uint64_t dev = 0, ino = 0;
  uint64_t offset = 0;  // bytes consumed from fd (complete lines + partial)
  std::string partial;  // bytes after the last newline
  bool skipping = false;  // inside an over-long line (dropped up to its newline)
  uint64_t skip_start = 0;
  uint64_t first_hash = 0;  // FNV-1a of the file's first line, once complete
  bool have_first = false;
  bool suspect = false;  // a read saw another first line: truncated under us
  // A saved position to resume from (LoadState), used by the first Poll().
  uint64_t saved_dev = 0, saved_ino = 0, saved_offset = 0, saved_hash = 0;
  bool saved_have_first = false;

  // The offset just after the last complete line handed out.
  uint64_t committed() const { return skipping ? skip_start : offset - partial.size(); }
};

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Hash of the first line of the file open as `fd` (false: no complete line yet).
bool FirstLineHash(int fd, uint64_t* hash) {
  char buf[4096];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  const char* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
  if (nl == nullptr) {
    if (n < static_cast<ssize_t>(sizeof buf)) return false;
    nl = buf + n;  // a first line longer than 4 KiB: its first 4 KiB identify it
  }
  *hash = Fnv1a(std::string_view(buf, static_cast<size_t>(nl - buf)));
  return true;
}

// The offset just after the last newline before `size` (0 if none in the
// last 64 KiB): where --from-end starts, so a line being written is whole.
uint64_t LineStartBefore(int fd, uint64_t size) {
  char buf[1 << 16];
  uint64_t from = size > sizeof buf ? size - sizeof buf : 0;
  ssize_t n = pread(fd, buf, static_cast<size_t>(size - from), static_cast<off_t>(from));
  for (ssize_t i = n - 1; i >= 0; --i)
    if (buf[i] == '\n') return from + static_cast<uint64_t>(i) + 1;
  return size > sizeof buf ? size : 0;
}

bool HasGlob(const std::string& p) { return p.find_first_of("*?[") != std::string::npos; }

// Percent-encodes tabs, newlines and '%' (paths in the saved state).
std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '\t' || c == '\n') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int v = 0;
    if (s[i] == '%' && i + 2 < s.size() &&
        std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16).ec == std::errc()) {
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Rotated siblings of `path`: NAME.N, NAME-DATE, NAME.old ... (not compressed).
std::vector<std::string> Siblings(const std::string& path) {
  std::vector<std::string> out;
  size_t sl = path.rfind('/');
  std::string dir = sl == std::string::npos ? "." : path.substr(0, sl == 0 ? 1 : sl);
  std::string base = sl == std::string::npos ? path : path.substr(sl + 1);
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (struct dirent* e = readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() <= base.size() || name.substr(0, base.size()) != base) continue;
    char sep = name[base.size()];
    if (sep != '.' && sep != '-' && sep != '_') continue;
    bool compressed = false;
    for (std::string_view ext : {".gz", ".bz2", ".xz", ".zst"})
      compressed |= name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext;
    if (!compressed) out.push_back(dir + "/" + std::string(name));
  }
  closedir(d);
  // Oldest first, as a rotated set is read (io/input_set.h).
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return RotationKeyOf(a).rank < RotationKeyOf(b).rank;
  });
  return out;
}

}  // namespace

Follower::Follower(std::vector<std::string> patterns, FollowOptions options, Reporter* reporter)
    : patterns_(std::move(patterns)), options_(options), reporter_(reporter), buf_(options.read_size) {}

Follower::~Follower() {
  for (auto& f : files_)
    if (f->fd >= 0) close(f->fd);
}

size_t Follower::Drain(File* f, const LineFn& fn, size_t budget, size_t* lines) {
  size_t total = 0;
  while (f->fd >= 0 && total < budget) {
    ssize_t n = pread(f->fd, buf_.data(), buf_.size(), static_cast<off_t>(f->offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // Truncated and refilled under us (copytruncate racing this read)? Then
    // these bytes are not the continuation of what we read: drop them; the
    // rotation check takes the continuation from the copy.
    uint64_t h = 0;
    if (f->have_first && (!FirstLineHash(f->fd, &h) || h != f->first_hash)) {
      f->suspect = true;
      break;
    }
    const char* p = buf_.data();
    const char* end = p + n;
    uint64_t base = f->offset;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      const char* stop = nl ? nl : end;
      if (f->skipping) {
        if (nl) f->skipping = false;
      } else if (f->partial.size() + static_cast<size_t>(stop - p) > options_.max_line) {
        if (reporter_)
          reporter_->Report(Reporter::Severity::kNotice, f->path,
                            static_cast<int64_t>(base + (p - buf_.data()) - f->partial.size()),
                            "line longer than the limit skipped");
        f->skip_start = base + static_cast<uint64_t>(p - buf_.data()) - f->partial.size();
        f->partial.clear();
        f->skipping = nl == nullptr;
      } else if (nl) {
        std::string_view line;
        if (f->partial.empty()) {
          line = std::string_view(p, static_cast<size_t>(nl - p));
        } else {
          f->partial.append(p, nl);
          line = f->partial;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        fn(line);
        ++*lines;
        f->partial.clear();
      } else {
        f->partial.append(p, end);
      }
      p = nl ? nl + 1 : end;
    }
    f->offset += static_cast<uint64_t>(n);
    bytes_ += static_cast<uint64_t>(n);
    total += static_cast<size_t>(n);
  }
  if (!f->have_first && f->fd >= 0 && f->offset > 0) f->have_first = FirstLineHash(f->fd, &f->first_hash);
  return total;
}

// Hands out a rotated-away file's last line when it had no newline: nothing
// will ever be appended to it.
static void FlushPartial(Follower::File* f, const Follower::LineFn& fn, size_t* lines) {
  if (!f->skipping && !f->partial.empty()) {
    fn(f->partial);
    ++*lines;
  }
  f->partial.clear();
  f->skipping = false;
}

// Opens `path` for following; fills dev/ino. False if it cannot be opened.
static bool OpenFile(Follower::File* f) {
  int fd = open(f->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return false;
  }
  if (f->fd >= 0) close(f->fd);
  f->fd = fd;
  f->dev = st.st_dev;
  f->ino = st.st_ino;
  f->offset = 0;
  f->partial.clear();
  f->skipping = false;
  f->have_first = false;
  return true;
}

void Follower::ReadRest(const std::string& other, uint64_t offset, const LineFn& fn, size_t* lines) {
  File tmp;
  tmp.path = other;
  if (!OpenFile(&tmp)) return;
  tmp.offset = offset;
  Drain(&tmp, fn, SIZE_MAX, lines);
  FlushPartial(&tmp, fn, lines);
  close(tmp.fd);
  if (reporter_)
    reporter_->Report(Reporter::Severity::kNotice, other, static_cast<int64_t>(offset),
                      "read the rest of the rotated file");
}

void Follower::CatchUp(File* f, const LineFn& fn, size_t* lines) {
  const uint64_t from = f->committed();
  const std::vector<std::string> sibs = Siblings(f->path);
  // Where our position lives now: the file itself renamed (same inode and
  // first line), or its copy (copytruncate: same first line). A sibling
  // with our inode but another first line is our file truncated and
  // refilled before it was renamed: newer content, not our position.
  int k = -1;
  bool k_same_inode = false;
  for (size_t i = 0; i < sibs.size(); ++i) {
    File probe;
    probe.path = sibs[i];
    if (!OpenFile(&probe)) continue;
    uint64_t h = 0;
    struct stat st;
    bool size_ok = fstat(probe.fd, &st) == 0 && static_cast<uint64_t>(st.st_size) >= from;
    bool same_inode = probe.ino == f->ino && probe.dev == f->dev;
    bool match = size_ok && (f->have_first ? FirstLineHash(probe.fd, &h) && h == f->first_hash : same_inode);
    close(probe.fd);
    if (match && (k < 0 || (same_inode && !k_same_inode))) {
      k = static_cast<int>(i);
      k_same_inode = same_inode;
    }
  }
  if (k >= 0) {
    // Our file from our position, then every newer rotation in full.
    ReadRest(sibs[static_cast<size_t>(k)], from, fn, lines);
    for (size_t i = static_cast<size_t>(k) + 1; i < sibs.size(); ++i) ReadRest(sibs[i], 0, fn, lines);
  } else if (from > 0 && reporter_) {
    reporter_->Report(Reporter::Severity::kPartial, f->path, static_cast<int64_t>(from),
                      "rotated away and not found among its siblings (compressed or deleted?): its unread lines are lost");
  }
  ++rotations_;
  if (!OpenFile(f)) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    f->offset = 0;
    f->partial.clear();
    f->have_first = false;
  }
}

size_t Follower::CheckRotation(File* f, const LineFn& fn, size_t* lines) {
  size_t before = *lines;
  struct stat st;
  bool exists = stat(f->path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  if (f->fd < 0) {
    if (exists && OpenFile(f)) {  // appeared: read it from its start
      if (reporter_) reporter_->Report(Reporter::Severity::kNotice, f->path, 0, "following (file appeared)");
    }
    return *lines - before;
  }
  bool rotated = exists && (st.st_ino != f->ino || st.st_dev != f->dev);
  bool truncated = false;
  if (rotated) {
    // Renamed away and replaced: finish the old file through our descriptor.
    Drain(f, fn, SIZE_MAX, lines);
    FlushPartial(f, fn, lines);
    if (reporter_) reporter_->Report(Reporter::Severity::kNotice, f->path, 0, "rotated (renamed)");
  } else {
    struct stat cur;
    if (fstat(f->fd, &cur) != 0) return 0;
    truncated = static_cast<uint64_t>(cur.st_size) < f->offset || f->suspect;
    if (!truncated && f->have_first) {
      uint64_t h = 0;
      truncated = !FirstLineHash(f->fd, &h) || h != f->first_hash;
    }
    f->suspect = false;
    if (truncated && reporter_) reporter_->Report(Reporter::Severity::kNotice, f->path, 0, "truncated (copytruncate)");
  }
  if (rotated || truncated) CatchUp(f, fn, lines);
  return *lines - before;
}

void Follower::Discover(bool at_start) {
  last_discover_ms_ = NowMs();
  for (const std::string& pat : patterns_) {
    std::vector<std::string> paths;
    if (HasGlob(pat)) {
      glob_t g;
      if (glob(pat.c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) paths.emplace_back(g.gl_pathv[i]);
      globfree(&g);
    } else {
      paths.push_back(pat);
    }
    for (const std::string& p : paths) {
      bool known = false;
      for (const auto& f : files_) known |= f->path == p;
      if (known) continue;
      auto f = std::make_unique<File>();
      f->path = p;
      if (OpenFile(f.get())) {
        // A glob matching a rotated copy of a followed file must not read it again.
        bool dup = false;
        uint64_t h = 0;
        bool hashed = FirstLineHash(f->fd, &h);
        for (const auto& o : files_)
          dup |= (o->fd >= 0 && o->ino == f->ino && o->dev == f->dev) || (hashed && o->have_first && o->first_hash == h);
        if (dup && HasGlob(pat)) {
          close(f->fd);
          continue;
        }
        if (at_start && !options_.from_start) {
          struct stat st;
          if (fstat(f->fd, &st) == 0) f->offset = LineStartBefore(f->fd, static_cast<uint64_t>(st.st_size));
          f->have_first = hashed;
          f->first_hash = h;
        }
      } else if (!HasGlob(pat) && reporter_) {
        // There but closed to us is not "not there yet".
        struct stat st;
        bool there = stat(p.c_str(), &st) == 0;
        if (there && S_ISDIR(st.st_mode)) {
          reporter_->Report(Reporter::Severity::kFailed, p, -1, "is a directory (follow the log files in it)");
        } else if (there && !S_ISREG(st.st_mode)) {
          reporter_->Report(Reporter::Severity::kFailed, p, -1, "not a regular file; not followed");
        } else if (there || errno == EACCES) {
          struct group* g = there ? getgrgid(st.st_gid) : nullptr;
          std::string why = "permission denied; retrying (";
          why += g && (st.st_mode & S_IRGRP) ? "join group " + std::string(g->gr_name) + ", " : "";
          reporter_->Report(Reporter::Severity::kFailed, p, -1, why + "or run as root)");
        } else {
          reporter_->Report(Reporter::Severity::kNotice, p, -1, "not there yet; waiting for it");
        }
      }
      files_.push_back(std::move(f));
    }
  }
}

size_t Follower::Poll(const LineFn& fn, size_t max_bytes) {
  size_t lines = 0;
  if (!started_) {
    started_ = true;
    // Files with a saved position: resume them exactly.
    std::vector<std::unique_ptr<File>> restored;
    restored.swap(files_);
    for (auto& r : restored) {
      File* f = r.get();
      bool opened = OpenFile(f);
      uint64_t h = 0;
      struct stat st;
      bool same = opened && f->dev == f->saved_dev && f->ino == f->saved_ino && fstat(f->fd, &st) == 0 &&
                  static_cast<uint64_t>(st.st_size) >= f->saved_offset &&
                  (!f->saved_have_first || (FirstLineHash(f->fd, &h) && h == f->saved_hash));
      if (!same && !opened) f->fd = -1;
      // Where we were; if the file moved on meanwhile, catch up through its rotations.
      f->dev = f->saved_dev;
      f->ino = f->saved_ino;
      f->offset = f->saved_offset;
      f->partial.clear();
      f->first_hash = f->saved_hash;
      f->have_first = f->saved_have_first;
      if (!same) CatchUp(f, fn, &lines);
      files_.push_back(std::move(r));
    }
    // Without a saved state this is the start (--from-end applies); with
    // one, files not in it are new since then and read from their start.
    Discover(files_.empty());
  } else if (NowMs() - last_discover_ms_ >= 1000) {
    Discover(false);
  }
  size_t budget = max_bytes;
  for (auto& f : files_) {
    CheckRotation(f.get(), fn, &lines);
    size_t used = Drain(f.get(), fn, budget, &lines);
    budget = used >= budget ? 0 : budget - used;
  }
  lines_ += lines;
  return lines;
}

std::string Follower::SaveState() const {
  std::string out = "maillens-follow 1\n";
  for (const auto& f : files_) {
    if (f->fd < 0) continue;
    out += "F\t" + Escape(f->path) + "\t" + std::to_string(f->dev) + "\t" + std::to_string(f->ino) + "\t" +
           std::to_string(f->committed()) + "\t" + std::to_string(f->first_hash) + "\t" +
           (f->have_first ? "1" : "0") + "\n";
  }
  return out;
}

bool Follower::LoadState(std::string_view state) {
  constexpr std::string_view kMagic = "maillens-follow 1\n";
  if (state.substr(0, kMagic.size()) != kMagic || started_) return false;
  state.remove_prefix(kMagic.size());
  std::vector<std::unique_ptr<File>> files;
  while (!state.empty()) {
    size_t nl = state.find('\n');
    std::string_view line = state.substr(0, nl);
    state.remove_prefix(nl == std::string_view::npos ? state.size() : nl + 1);
    std::vector<std::string_view> f;
    size_t start = 0;
    while (true) {
      size_t t = line.find('\t', start);
      f.push_back(line.substr(start, t == std::string_view::npos ? std::string_view::npos : t - start));
      if (t == std::string_view::npos) break;
      start = t + 1;
    }
    auto num = [](std::string_view s, uint64_t* v) {
      auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
      return r.ec == std::errc() && r.ptr == s.data() + s.size();
    };
    auto file = std::make_unique<File>();
    if (f.size() != 7 || f[0] != "F" || !num(f[2], &file->saved_dev) || !num(f[3], &file->saved_ino) ||
        !num(f[4], &file->saved_offset) || !num(f[5], &file->saved_hash) || (f[6] != "0" && f[6] != "1"))
      return false;
    file->path = Unescape(f[1]);
    file->saved_have_first = f[6] == "1";
    files.push_back(std::move(file));
  }
  files_ = std::move(files);
  return true;
}

std::vector<std::pair<std::string, uint64_t>> Follower::Positions() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& f : files_) out.emplace_back(f->path, f->committed());
  return out;
}

}  // namespace maillens
