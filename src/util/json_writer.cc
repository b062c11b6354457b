// json_writer.cc - JsonWriter and AppendJsonString.
#include "util/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/text_escape.h"

namespace maillens {

namespace {

// Bytes that a JSON string can take as they are: printable ASCII but '"' and
// '\\'. Everything else goes through the slow path.
struct PlainTable {
  bool plain[256] = {};
  constexpr PlainTable() {
    for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '"' && c != '\\';
  }
};
constexpr PlainTable kPlain;

}  // namespace

char* WriteJsonString(char* d, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  *d++ = '"';
  while (p < end) {
#if defined(__SSE2__)
    // 16 bytes at a time while they are plain: copied whole (dst has room,
    // at least 6 bytes per byte left), then the first special byte found.
    while (end - p >= 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
      // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
      __m128i special = _mm_or_si128(
          _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F))),
          _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
      int mask = _mm_movemask_epi8(special);
      if (mask == 0) {
        p += 16;
        d += 16;
        continue;
      }
      int k = __builtin_ctz(static_cast<unsigned>(mask));
      p += k;
      d += k;
      break;
    }
#endif
    while (p < end && kPlain.plain[static_cast<unsigned char>(*p)]) *d++ = *p++;
    if (p == end) break;
    unsigned char c = static_cast<unsigned char>(*p);
    const char* esc = nullptr;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\n': esc = "\\n"; break;
      case '\t': esc = "\\t"; break;
      case '\r': esc = "\\r"; break;
      default: break;
    }
    if (esc != nullptr) {
      *d++ = esc[0];
      *d++ = esc[1];
      ++p;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      std::memcpy(d, u, 6);
      d += 6;
      ++p;
      continue;
    }
    size_t n = Utf8SequenceLength(s, static_cast<size_t>(p - s.data()));
    if (n == 0) {
      std::memcpy(d, "\\ufffd", 6);
      d += 6;
      ++p;
    } else {
      std::memcpy(d, p, n);
      d += n;
      p += n;
    }
  }
  *d++ = '"';
  return d;
}

void AppendJsonString(std::string* out, std::string_view s) {
  if (s.size() <= 64) {  // the common case: no resize of *out
    char buf[JsonStringMaxSize(64)];
    char* e = WriteJsonString(buf, s);
    out->append(buf, static_cast<size_t>(e - buf));
    return;
  }
  size_t old = out->size();
  out->resize(old + JsonStringMaxSize(s.size()));
  char* e = WriteJsonString(out->data() + old, s);
  out->resize(static_cast<size_t>(e - out->data()));
}

void JsonWriter::Newline() {
  if (!pretty_) return;
  out_->push_back('\n');
  out_->append(first_.size() * 2, ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_->push_back(',');
    first_.back() = false;
    Newline();
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_->push_back('}');
  if (first_.empty() && pretty_) out_->push_back('\n');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  bool empty = first_.back();
  first_.pop_back();
  if (!empty) Newline();
  out_->push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view k) {
  BeforeValue();
  AppendJsonString(out_, k);
  out_->append(pretty_ ? ": " : ":");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view v) {
  BeforeValue();
  AppendJsonString(out_, v);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  out_->append(std::to_string(v));
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  out_->append(std::to_string(v));
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_->append("null");
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  out_->append(buf);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_->append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

}  // namespace maillens
