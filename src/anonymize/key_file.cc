// key_file.cc - reading and creating the anonymisation key (see key_file.h).
#include "anonymize/key_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace maillens::anonymize {

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Status LoadOrCreateKey(const std::string& path, std::array<uint8_t, 32>* key, bool* created) {
  *created = false;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (RAND_bytes(key->data(), static_cast<int>(key->size())) != 1)
      return Status::IOError("no random bytes for a new key");
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IOError("cannot create key file " + path + ": " + std::strerror(errno));
    static const char kHex[] = "0123456789abcdef";
    char text[65];
    for (size_t i = 0; i < 32; ++i) {
      text[2 * i] = kHex[(*key)[i] >> 4];
      text[2 * i + 1] = kHex[(*key)[i] & 15];
    }
    text[64] = '\n';
    bool ok = write(fd, text, sizeof text) == static_cast<ssize_t>(sizeof text) && fsync(fd) == 0;
    close(fd);
    explicit_bzero(text, sizeof text);
    if (!ok) {
      unlink(path.c_str());
      return Status::IOError("cannot write key file " + path);
    }
    *created = true;
    return Status::OK();
  }
  if (fd < 0) return Status::IOError("cannot open key file " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return Status::InvalidArgument("key file " + path + " is readable by others (chmod 600 it)");
  }
  char text[80];
  ssize_t n = read(fd, text, sizeof text);
  close(fd);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) --n;
  bool ok = n == 64;
  for (size_t i = 0; ok && i < 32; ++i) {
    int hi = HexValue(text[2 * i]), lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) ok = false;
    else (*key)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  explicit_bzero(text, sizeof text);
  if (!ok) return Status::InvalidArgument("key file " + path + " does not hold 64 hexadecimal digits");
  return Status::OK();
}

}  // namespace maillens::anonymize
