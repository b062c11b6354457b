// output_file.cc - OutputFile.
#include "export/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace maillens::exporter {

OutputFile::~OutputFile() {
  if (own_fd_ && fd_ >= 0) ::close(fd_);
}

Status OutputFile::Open(const std::string& path) {
  path_ = path.empty() || path == "-" ? std::string("stdout") : path;
  if (path.empty() || path == "-") {
    fd_ = STDOUT_FILENO;
    own_fd_ = false;
    return Status::OK();
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) return status_ = Status::IOError(path + ": " + std::strerror(errno));
  own_fd_ = true;
  return Status::OK();
}

bool OutputFile::Flush() {
  if (!status_.ok() || fd_ < 0) {
    buf_.clear();
    return status_.ok();
  }
  const char* p = buf_.data();
  size_t left = buf_.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      status_ = Status::IOError(path_ + ": " + std::strerror(errno));
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  buf_.clear();
  return status_.ok();
}

Status OutputFile::Close() {
  Flush();
  if (own_fd_ && fd_ >= 0) {
    if (::close(fd_) != 0 && status_.ok()) status_ = Status::IOError(path_ + ": " + std::strerror(errno));
  }
  fd_ = -1;
  own_fd_ = false;
  return status_;
}

}  // namespace maillens::exporter
