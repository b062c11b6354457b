// spool.cc - Spool: segment files, ledger, scan and repair (spool.h).
#include "ship/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace maillens::ship {

namespace {

constexpr char kMagic[4] = {'M', 'L', 'S', 'P'};
constexpr size_t kHeader = 32;
constexpr uint32_t kMaxPayload = 1u << 30;

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
void Store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

Status Errno(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

bool ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out->clear();
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
  ::close(fd);
  return n == 0;
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Parses the record at `pos` of `data`; false if it is torn or corrupt.
bool ParseRecord(std::string_view data, size_t pos, SpoolRecord* r, size_t* size) {
  if (data.size() - pos < kHeader || std::memcmp(data.data() + pos, kMagic, 4) != 0) return false;
  const char* h = data.data() + pos;
  uint32_t len = Load<uint32_t>(h + 4);
  if (len > kMaxPayload || data.size() - pos - kHeader < len) return false;
  std::string_view payload = data.substr(pos + kHeader, len);
  if (XXH3_64bits(payload.data(), payload.size()) != Load<uint64_t>(h + 24)) return false;
  if (r != nullptr) {
    r->seq = Load<uint64_t>(h + 8);
    r->kind = static_cast<uint8_t>(h[16]);
    r->flags = static_cast<uint8_t>(h[17]);
    r->rows = Load<uint32_t>(h + 20);
    r->payload.assign(payload);
  }
  *size = kHeader + len;
  return true;
}

}  // namespace

Spool::Spool(SpoolOptions options) : options_(std::move(options)) {}

Spool::~Spool() {
  if (write_fd_ >= 0) ::close(write_fd_);
}

std::string Spool::SegmentPath(uint64_t segment) const {
  char name[32];
  std::snprintf(name, sizeof name, "/%08llu.seg", static_cast<unsigned long long>(segment));
  return options_.dir + name;
}

Status Spool::Open(uint64_t committed_seq) {
  std::lock_guard<std::mutex> lock(mu_);
  if (::mkdir(options_.dir.c_str(), 0750) != 0 && errno != EEXIST) return Errno("spool " + options_.dir);
  std::vector<uint64_t> found;
  DIR* d = ::opendir(options_.dir.c_str());
  if (d == nullptr) return Errno("spool " + options_.dir);
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n.size() == 12 && n.substr(8) == ".seg") {
      uint64_t v = 0;
      bool digits = true;
      for (char c : n.substr(0, 8)) digits = digits && c >= '0' && c <= '9', v = v * 10 + static_cast<uint64_t>(c - '0');
      if (digits) found.push_back(v);
    }
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  uint64_t ledger_seg = found.empty() ? 0 : found.front(), ledger_off = 0;
  std::string text;
  if (ReadFile(options_.dir + "/ledger", &text)) {
    unsigned long long s = 0, o = 0;
    if (std::sscanf(text.c_str(), "%llu %llu", &s, &o) == 2) ledger_seg = s, ledger_off = o;
  }
  bool cut = false;
  for (uint64_t seg : found) {
    std::string path = SegmentPath(seg);
    if (seg < ledger_seg || cut) {  // acknowledged, or after a cut
      if (cut) {
        std::string data;
        if (ReadFile(path, &data))
          for (size_t pos = 0, size = 0; ParseRecord(data, pos, nullptr, &size); pos += size) ++stats_.cut_records;
      }
      ::unlink(path.c_str());
      continue;
    }
    std::string data;
    if (!ReadFile(path, &data)) return Errno("spool segment " + path);
    size_t pos = seg == ledger_seg ? std::min<size_t>(ledger_off, data.size()) : 0;
    size_t keep = data.size();
    SpoolRecord r;
    while (pos < data.size()) {
      size_t size = 0;
      if (!ParseRecord(data, pos, &r, &size)) {  // torn or corrupt: on to the next magic
        ++stats_.corrupt_records;
        size_t next = data.find(std::string_view(kMagic, 4), pos + 1);
        if (next == std::string::npos) {
          keep = pos;  // a torn tail: cut it so appends start clean
          break;
        }
        pos = next;
        continue;
      }
      if (r.seq > committed_seq) {  // never named by a checkpoint: its lines are read again
        keep = pos;
        cut = true;
        for (size_t p = pos, sz = 0; ParseRecord(data, p, nullptr, &sz); p += sz) ++stats_.cut_records;
        break;
      }
      entries_.push_back(Entry{seg, pos, size, r.rows});
      pos += size;
    }
    if (keep < data.size() && ::truncate(path.c_str(), static_cast<off_t>(keep)) != 0)
      return Errno("spool segment " + path);
    segments_[seg] = keep;
  }
  write_segment_ = segments_.empty() ? ledger_seg : segments_.rbegin()->first;
  write_offset_ = segments_.empty() ? 0 : segments_.rbegin()->second;
  return WriteLedger();
}

Status Spool::Append(const SpoolRecord& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (r.payload.size() > kMaxPayload) return Status::InvalidArgument("spool record too large");
  size_t size = kHeader + r.payload.size();
  if (write_offset_ > 0 && write_offset_ + size > options_.segment_bytes) {  // on to a new segment
    if (write_fd_ >= 0) ::close(write_fd_);
    write_fd_ = -1;
    ++write_segment_;
    write_offset_ = 0;
  }
  std::string path = SegmentPath(write_segment_);
  if (write_fd_ < 0) {
    write_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (write_fd_ < 0) return Errno("spool segment " + path);
    SyncDir(options_.dir);
  }
  char h[kHeader] = {};
  std::memcpy(h, kMagic, 4);
  Store<uint32_t>(h + 4, static_cast<uint32_t>(r.payload.size()));
  Store<uint64_t>(h + 8, r.seq);
  h[16] = static_cast<char>(r.kind);
  h[17] = static_cast<char>(r.flags);
  Store<uint32_t>(h + 20, r.rows);
  Store<uint64_t>(h + 24, XXH3_64bits(r.payload.data(), r.payload.size()));
  std::string buf(h, kHeader);
  buf += r.payload;
  for (size_t done = 0; done < buf.size();) {
    ssize_t n = ::write(write_fd_, buf.data() + done, buf.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status st = Errno("spool segment " + path);
      // Leave no half record behind: cut back to where it started.
      if (::ftruncate(write_fd_, static_cast<off_t>(write_offset_)) != 0) (void)0;
      return st;
    }
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(write_fd_) != 0) return Errno("spool segment " + path);
  entries_.push_back(Entry{write_segment_, write_offset_, size, r.rows});
  write_offset_ += size;
  segments_[write_segment_] = write_offset_;
  uint64_t total = 0;
  for (const auto& [seg, bytes] : segments_) total += bytes;
  while (total > options_.max_bytes && segments_.size() > 1) {
    total -= segments_.begin()->second;
    DropOldestSegment();
  }
  return Status::OK();
}

void Spool::DropOldestSegment() {
  uint64_t seg = segments_.begin()->first;
  while (!entries_.empty() && entries_.front().segment == seg) {
    stats_.dropped_rows += entries_.front().rows;
    ++stats_.dropped_records;
    entries_.pop_front();
  }
  ::unlink(SegmentPath(seg).c_str());
  segments_.erase(segments_.begin());
  (void)WriteLedger();
}

Status Spool::Front(std::optional<SpoolRecord>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  out->reset();
  if (entries_.empty()) return Status::OK();
  const Entry& e = entries_.front();
  std::string path = SegmentPath(e.segment);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("spool segment " + path);
  std::string data(e.size, '\0');
  ssize_t n = ::pread(fd, data.data(), e.size, static_cast<off_t>(e.offset));
  ::close(fd);
  SpoolRecord r;
  size_t size = 0;
  if (n != static_cast<ssize_t>(e.size) || !ParseRecord(data, 0, &r, &size)) {
    // Damaged since it was written: skip it, as Open() would.
    ++stats_.corrupt_records;
    entries_.pop_front();
    (void)WriteLedger();
    return Status::IOError("spool record in " + path + " unreadable; skipped");
  }
  *out = std::move(r);
  front_segment_ = e.segment, front_offset_ = e.offset;
  return Status::OK();
}

Status Spool::PopFront() {
  std::lock_guard<std::mutex> lock(mu_);
  // Dropped meanwhile (the spool was full): the front is another record now.
  if (entries_.empty() || entries_.front().segment != front_segment_ || entries_.front().offset != front_offset_)
    return Status::OK();
  entries_.pop_front();
  Status s = WriteLedger();
  uint64_t first = entries_.empty() ? write_segment_ : entries_.front().segment;
  DeleteSegmentsBefore(first);
  return s;
}

void Spool::DeleteSegmentsBefore(uint64_t segment) {
  while (!segments_.empty() && segments_.begin()->first < segment) {
    ::unlink(SegmentPath(segments_.begin()->first).c_str());
    segments_.erase(segments_.begin());
  }
}

Status Spool::WriteLedger() {
  uint64_t seg = entries_.empty() ? write_segment_ : entries_.front().segment;
  uint64_t off = entries_.empty() ? write_offset_ : entries_.front().offset;
  std::string tmp = options_.dir + "/ledger.tmp", path = options_.dir + "/ledger";
  std::string text = std::to_string(seg) + " " + std::to_string(off) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Errno("spool ledger " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fdatasync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Errno("spool ledger " + path);
  return Status::OK();
}

SpoolStats Spool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  SpoolStats s = stats_;
  s.records = entries_.size();
  s.bytes = 0;
  for (const auto& [seg, bytes] : segments_) s.bytes += bytes;
  return s;
}

}  // namespace maillens::ship
