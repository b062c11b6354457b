// checkpoint.cc - atomic checkpoint files of named sections.
#include "serve/checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "guard/ban_engine.h"

namespace maillens {

namespace {

constexpr std::string_view kMagic = "maillens-checkpoint 1\n";

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status WriteCheckpoint(const std::string& path, const CheckpointSections& sections) {
  std::string data(kMagic);
  for (const auto& [name, blob] : sections) {
    data += name;
    data += ' ';
    data += std::to_string(blob.size());
    data += '\n';
    data += blob;
    data += '\n';
  }
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError(tmp + ": " + std::strerror(errno));
  bool ok = WriteAll(fd, data) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) err = errno;
    unlink(tmp.c_str());
    return Status::IOError(path + ": " + std::strerror(err));
  }
  size_t sl = path.rfind('/');
  std::string dir = sl == std::string::npos ? "." : path.substr(0, sl == 0 ? 1 : sl);
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return Status::OK();
}

Status ReadCheckpoint(const std::string& path, CheckpointSections* sections) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path);
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  close(fd);
  std::string_view s(data);
  if (s.substr(0, kMagic.size()) != kMagic) return Status::Corruption(path + ": not a maillens checkpoint");
  s.remove_prefix(kMagic.size());
  sections->clear();
  while (!s.empty()) {
    size_t nl = s.find('\n');
    size_t sp = s.find(' ');
    if (nl == std::string_view::npos || sp == std::string_view::npos || sp > nl)
      return Status::Corruption(path + ": bad section header");
    size_t len = 0;
    auto r = std::from_chars(s.data() + sp + 1, s.data() + nl, len);
    if (r.ec != std::errc() || r.ptr != s.data() + nl || s.size() < nl + 1 + len + 1 || s[nl + 1 + len] != '\n')
      return Status::Corruption(path + ": bad section length");
    (*sections)[std::string(s.substr(0, sp))] = std::string(s.substr(nl + 1, len));
    s.remove_prefix(nl + 1 + len + 1);
  }
  return Status::OK();
}

Status PruneCheckpoint(const std::string& path, int64_t before, bool write, size_t* removed) {
  *removed = 0;
  CheckpointSections sections;
  Status s = ReadCheckpoint(path, &sections);
  if (!s.ok()) return s;
  auto it = sections.find("guard");
  if (it == sections.end()) return Status::OK();
  guard::BanEngine engine{guard::BanPolicy{}};
  s = engine.Load(it->second);
  if (!s.ok()) return s;
  *removed = engine.Prune(before);
  if (!write || *removed == 0) return Status::OK();
  it->second = engine.Save();
  return WriteCheckpoint(path, sections);
}

}  // namespace maillens
