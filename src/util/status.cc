// status.cc - Status::ToString.
#include "util/status.h"

namespace maillens {

std::string Status::ToString() const {
  if (ok()) return "OK";
  const char* name = "error";
  switch (state_->code) {
    case Code::kOk: name = "OK"; break;
    case Code::kNotFound: name = "not found"; break;
    case Code::kCorruption: name = "corrupt input"; break;
    case Code::kInvalidArgument: name = "invalid argument"; break;
    case Code::kIOError: name = "I/O error"; break;
    case Code::kNotSupported: name = "not supported"; break;
  }
  return std::string(name) + ": " + state_->msg;
}

}  // namespace maillens
