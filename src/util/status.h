// status.h - the result of an I/O or configuration operation.
//
// A Status is OK (the common case, which allocates nothing) or carries an
// error code and a message. Library stages return Status instead of throwing;
// the CLI maps codes to documented exit codes (doc/exit-codes.md).
// Thread safety: a Status is a plain value; distinct objects may be used from
// distinct threads.
#ifndef MAILLENS_UTIL_STATUS_H_
#define MAILLENS_UTIL_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace maillens {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk = 0, kNotFound, kCorruption, kInvalidArgument, kIOError, kNotSupported };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  // The message without the code prefix; empty when OK.
  std::string_view message() const { return state_ ? std::string_view(state_->msg) : std::string_view(); }
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

 private:
  struct State {
    Code code;
    std::string msg;
  };
  Status(Code code, std::string_view msg) : state_(std::make_shared<State>(State{code, std::string(msg)})) {}
  std::shared_ptr<const State> state_;  // null means OK
};

}  // namespace maillens

#endif  // MAILLENS_UTIL_STATUS_H_
