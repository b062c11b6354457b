// fuzz_check.h - output invariants shared by the fuzz targets: rendered JSON
// parses (simdjson, which also checks UTF-8), terminal text carries no
// control bytes other than newline.
#ifndef MAILLENS_FUZZ_FUZZ_CHECK_H_
#define MAILLENS_FUZZ_FUZZ_CHECK_H_

#include <cstdlib>
#include <string>

#include <simdjson.h>

namespace maillens::fuzz {

// Aborts unless `json` is one valid JSON document.
inline void CheckJson(const std::string& json) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) std::abort();
}

// Aborts if terminal-oriented `text` holds a C0 control byte (except \n) or DEL.
inline void CheckTerminal(const std::string& text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\n') || c == 0x7F) std::abort();
}

}  // namespace maillens::fuzz

#endif  // MAILLENS_FUZZ_FUZZ_CHECK_H_
