// line_reader.cc - LineReader.
#include "lines/line_reader.h"

#include <cstring>
#include <string>

namespace maillens {

LineReader::LineReader(ByteSource* source, Reporter* reporter)
    : LineReader(source, reporter, Options()) {}

LineReader::LineReader(ByteSource* source, Reporter* reporter, Options options)
    : source_(source), reporter_(reporter), options_(options) {
  if (options_.max_line < 16) options_.max_line = 16;
  // The buffer must hold a whole maximal line plus room to read into.
  buf_.resize(std::max(options_.buffer_size, options_.max_line * 2));
}

bool LineReader::Fill() {
  if (eof_) return false;
  if (pos_ > 0) {  // roll the partial line to the front
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    buf_base_ += pos_;
    pos_ = 0;
  }
  size_t n = source_->Read(buf_.data() + end_, buf_.size() - end_);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

bool LineReader::Next(std::string_view* line) {
  for (;;) {
    const char* start = buf_.data() + pos_;
    size_t avail = end_ - pos_;
    const char* nl = avail ? static_cast<const char*>(std::memchr(start, '\n', avail)) : nullptr;
    if (nl != nullptr) {
      size_t len = static_cast<size_t>(nl - start);
      uint64_t offset = buf_base_ + pos_;
      pos_ += len + 1;
      if (skipping_) {  // the tail of an over-long line
        skipping_ = false;
        continue;
      }
      if (len > 0 && start[len - 1] == '\r') --len;
      if (len > options_.max_line) {
        ++skipped_;
        reporter_->Report(Reporter::Severity::kNotice, source_->name(), static_cast<int64_t>(offset),
                          "line of " + std::to_string(len) + " bytes skipped (longer than " +
                              std::to_string(options_.max_line) + ")");
        continue;
      }
      line_offset_ = offset;
      ++lines_;
      *line = std::string_view(start, len);
      return true;
    }
    // No newline in the buffer.
    if (avail > options_.max_line + 1) {  // +1: room for a '\r' before the '\n'

      // Over-long line: report once, drop what we have, skip to its newline.
      if (!skipping_) {
        ++skipped_;
        reporter_->Report(Reporter::Severity::kNotice, source_->name(),
                          static_cast<int64_t>(buf_base_ + pos_),
                          "line longer than " + std::to_string(options_.max_line) + " bytes skipped");
      }
      skipping_ = true;
      buf_base_ += end_;
      pos_ = end_ = 0;
    }
    if (!Fill()) {
      if (end_ > pos_ && !skipping_) {  // last line without a newline
        size_t len = end_ - pos_;
        const char* s = buf_.data() + pos_;
        line_offset_ = buf_base_ + pos_;
        pos_ = end_;
        if (len > 0 && s[len - 1] == '\r') --len;
        ++lines_;
        *line = std::string_view(s, len);
        return true;
      }
      return false;
    }
  }
}

}  // namespace maillens
