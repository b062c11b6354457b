// byte_buffer.h - a growable byte buffer that formatters write into directly.
//
// Unlike std::string, room can be reserved and then filled through a raw
// pointer (Reserve() then Commit()), so a formatter checks the capacity once
// per value, not once per byte, and nothing is zero-filled first. Memory is
// kept by clear(): a writer reuses one buffer for the whole run.
// Thread safety: one thread at a time.
#ifndef MAILLENS_EXPORT_BYTE_BUFFER_H_
#define MAILLENS_EXPORT_BYTE_BUFFER_H_

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace maillens::exporter {

class ByteBuffer {
 public:
  explicit ByteBuffer(size_t capacity = 1 << 16) : data_(new char[capacity]), cap_(capacity) {}

  // A pointer to at least n writable bytes after the content; valid until
  // the next Reserve() or Append(). Commit(end) then adds [data()+size(), end).
  char* Reserve(size_t n) {
    if (cap_ - size_ < n) Grow(n);
    return data_.get() + size_;
  }
  void Commit(char* end) { size_ = static_cast<size_t>(end - data_.get()); }

  void Append(std::string_view s) {
    if (s.empty()) return;  // (s.data() may be null)
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    size_ += s.size();
  }
  void Push(char c) {
    *Reserve(1) = c;
    ++size_;
  }
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  void Grow(size_t n) {
    size_t cap = cap_ * 2;
    while (cap - size_ < n) cap *= 2;
    std::unique_ptr<char[]> d(new char[cap]);
    std::memcpy(d.get(), data_.get(), size_);
    data_ = std::move(d);
    cap_ = cap;
  }

  std::unique_ptr<char[]> data_;
  size_t cap_;
  size_t size_ = 0;  // bytes in use; size_ <= cap_
};

}  // namespace maillens::exporter

#endif  // MAILLENS_EXPORT_BYTE_BUFFER_H_
