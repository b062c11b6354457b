// json_writer.h - a minimal streaming JSON writer into a std::string.
//
// Strings are escaped so that the output is valid JSON for any input bytes:
// control characters become \uXXXX, and bytes that are not valid UTF-8 become
// U+FFFD, so attacker-chosen log content can never break the document.
// The writer tracks commas; it does not validate nesting.
// Thread safety: one thread at a time.
#ifndef MAILLENS_UTIL_JSON_WRITER_H_
#define MAILLENS_UTIL_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace maillens {

// Appends `s` as a JSON string literal (with quotes) to *out.
void AppendJsonString(std::string* out, std::string_view s);

// The most bytes WriteJsonString() writes for an n-byte string: every byte
// may become a 6-byte escape ("\u001b", "\ufffd"), plus the quotes.
constexpr size_t JsonStringMaxSize(size_t n) { return 6 * n + 2; }
// Writes `s` as a JSON string literal (with quotes) at dst and returns the
// end of what it wrote. REQUIRES: dst has room for JsonStringMaxSize(s.size())
// bytes. For writers with their own buffers (no per-call reallocation).
char* WriteJsonString(char* dst, std::string_view s);

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out, bool pretty = true) : out_(out), pretty_(pretty) {}
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);
  JsonWriter& String(std::string_view v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Shorthands: Key(k) then the value.
  JsonWriter& Field(std::string_view k, uint64_t v) { return Key(k).Uint(v); }
  JsonWriter& Field(std::string_view k, std::string_view v) { return Key(k).String(v); }

 private:
  void BeforeValue();
  void Newline();
  std::string* out_;
  bool pretty_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace maillens

#endif  // MAILLENS_UTIL_JSON_WRITER_H_
